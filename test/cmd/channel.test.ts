/** `stackanetes channel`: a package's channels listed, and a release added to one. */
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['web'], pushFlags: ['--channel', 'stable'] });

describe('stackanetes channel', () => {
  it("lists a package's channels", async () => {
    expectGolden('channel', 'list', ok(await run(['channel', 'regtest/web'])).stdout);
  });

  it('adds a release to a new channel, saying so on stderr and listing the channels', async () => {
    const result = ok(await run(['channel', 'regtest/web', '--name', 'beta', '--add', '1.0.0']));
    expectGolden('channel', 'add', result.stdout);
    expectGolden('channel', 'add-stderr', result.stderr);
  });

  it('lists the channels as JSON with -o json', async () => {
    const result = await run(['channel', 'regtest/web', '-o', 'json']);
    expect(json<{ name: string }[]>(result).map((c) => c.name)).toEqual(['beta', 'stable']);
    expectGolden('channel', 'list.json', result.stdout);
  });

  it('names a release that does not exist with exit 4 and one line', async () => {
    const result = await run(['channel', 'regtest/web', '--name', 'beta', '--add', '9.9.9']);
    expectOneLineError(
      result,
      4,
      /^error: add regtest\/web@9\.9\.9 to channel beta: package regtest\/web has no release 9\.9\.9/,
    );
  });
});
