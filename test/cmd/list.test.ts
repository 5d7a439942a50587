/** `stackanetes list`: the packages of a registry, in kpm's table or as JSON. */
import { expectGolden, expectOneLineError, json, ok, run, tempDir, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['db', 'web', 'cache'] });

describe('stackanetes list', () => {
  it('lists every package with its default release', async () => {
    expectGolden('list', 'all', ok(await run(['list'])).stdout);
  });

  it('lists the packages matching --search as JSON with -o json', async () => {
    const result = await run(['list', '--search', 'we', '-o', 'json']);
    expect(json<{ name: string }[]>(result).map((p) => p.name)).toEqual(['regtest/web']);
    expectGolden('list', 'search.json', result.stdout);
  });

  it('fails with exit 2 and the fix when no registry is given or configured', async () => {
    const saved = process.env.STACKANETES_HOME;
    process.env.STACKANETES_HOME = tempDir('empty-home');
    try {
      const result = await run(['list']);
      expectOneLineError(
        result,
        2,
        /^error: no registry given; fix: pass --registry URL, set STACKANETES_REGISTRY, or set `default:` in config\.yaml/,
      );
      expect(result.stdout).toBe('');
    } finally {
      process.env.STACKANETES_HOME = saved;
    }
  });

  it('rejects an unknown output format with exit 2', async () => {
    expectOneLineError(await run(['list', '-o', 'xml']), 2, /--output "xml" is not a known format/);
  });
});
