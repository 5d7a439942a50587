/** `stackanetes update`: references re-resolved against the registry and stackanetes.lock rewritten. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectGolden, expectOneLineError, json, ok, run, tempDir, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['web'] });
let lockfile: string;

beforeAll(() => {
  lockfile = join(tempDir('update'), 'stackanetes.lock');
});

describe('stackanetes update', () => {
  it('resolves a reference and writes the lockfile', async () => {
    expectGolden(
      'update',
      'written',
      ok(await run(['update', 'regtest/web', '--lockfile', lockfile])).stdout,
    );
    expect(existsSync(lockfile)).toBe(true);
  });

  it("re-resolves the lockfile's roots and reports it up to date, as JSON with -o json", async () => {
    const result = await run(['update', '--lockfile', lockfile, '-o', 'json']);
    expect(json<{ written: boolean }>(result).written).toBe(false);
    expectGolden('update', 'up-to-date.json', result.stdout);
  });

  it('asks for a reference with exit 2 when there is neither one nor a lockfile', async () => {
    const result = await run(['update', '--lockfile', join(tempDir('update-none'), 'none.lock')]);
    expectOneLineError(
      result,
      2,
      /^error: nothing to update: no references given and no lockfile at \S+none\.lock; fix: name the package: stackanetes update REF$/,
    );
  });
});
