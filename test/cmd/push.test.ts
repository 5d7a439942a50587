/** `stackanetes push`: package directories uploaded as releases, dependencies first. */
import { join } from 'node:path';
import {
  expectGolden,
  expectOneLineError,
  json,
  ok,
  registryFixtures,
  run,
  tempDir,
  useRegistry,
} from '../helpers/cmd.js';

useRegistry({ login: true });

describe('stackanetes push', () => {
  it('pushes several directories into a channel and prints one row each', async () => {
    const dirs = ['db', 'web'].map((n) => join(registryFixtures, n));
    const result = ok(await run(['push', ...dirs, '--channel', 'stable']));
    expectGolden('push', 'two-into-channel', result.stdout);
  });

  it('prints one object for one directory with -o json', async () => {
    const result = await run(['push', join(registryFixtures, 'cache'), '-o', 'json']);
    expect(json<{ status: string }>(result).status).toBe('pushed');
    expectGolden('push', 'one.json', result.stdout);
  });

  it('names a directory that does not exist with exit 4 and one line', async () => {
    const result = await run(['push', join(tempDir('push'), 'nothing')]);
    expectOneLineError(
      result,
      4,
      /^error: package directory \S+\/nothing not found; fix: check the path: a package directory holds manifest\.yaml and templates\/$/,
    );
    expect(result.stdout).toBe('');
  });
});
