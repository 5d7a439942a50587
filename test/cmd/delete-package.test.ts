/** `stackanetes delete-package`: one release removed from the registry. */
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['db', 'cache'] });

describe('stackanetes delete-package', () => {
  it('deletes a release and prints a row for it', async () => {
    expectGolden(
      'delete-package',
      'deleted',
      ok(await run(['delete-package', 'regtest/cache@1.0.0'])).stdout,
    );
    expect((await run(['show', 'regtest/cache'])).code).toBe(4);
  });

  it('prints the deletion as JSON with -o json', async () => {
    const result = await run(['delete-package', 'regtest/db@1.0.0', '-o', 'json']);
    expect(json<{ status: string }>(result).status).toBe('deleted');
    expectGolden('delete-package', 'deleted.json', result.stdout);
  });

  it('names a release that is already gone with exit 4 and one line', async () => {
    const result = await run(['delete-package', 'regtest/cache@1.0.0']);
    expectOneLineError(
      result,
      4,
      /^error: delete regtest\/cache@1\.0\.0: package regtest\/cache does not exist/,
    );
  });
});
