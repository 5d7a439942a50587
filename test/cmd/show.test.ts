/** `stackanetes show`: a release's manifest, the package's releases and channels, and its README. */
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['web'], pushFlags: ['--channel', 'stable'] });

describe('stackanetes show', () => {
  it('prints the header, releases, channels and README', async () => {
    expectGolden('show', 'web', ok(await run(['show', 'regtest/web'])).stdout);
  });

  it('prints the same as one JSON object with -o json', async () => {
    const result = await run(['show', 'regtest/web:stable', '-o', 'json']);
    expect(json<{ version: string }>(result).version).toBe('1.0.0');
    expectGolden('show', 'web-stable.json', result.stdout);
  });

  it('names a package the registry does not have with exit 4 and one line', async () => {
    const result = await run(['show', 'regtest/nope']);
    expectOneLineError(result, 4, /^error: show regtest\/nope: package regtest\/nope does not exist/);
  });
});
