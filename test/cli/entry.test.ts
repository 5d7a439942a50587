import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

/** Runs the CLI recording every module URL the process resolves; returns the result and the list. */
async function withRecordedImports(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-imports-'));
  const record = join(dir, 'imports.txt');
  try {
    const result = await runCli(args, {
      env: {
        NODE_OPTIONS: `--import=${join(repoRoot, 'test', 'helpers', 'record-imports.mjs')}`,
        STACKANETES_RECORD_IMPORTS: record,
        ...env,
      },
    });
    return { result, loaded: readFileSync(record, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the stackanetes entry point', () => {
  it('prints the version from package.json and exits 0', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  // The bundle holds every module in one file, so which ones ran is only visible unbundled; the
  // next test proves the bundle answers the same.
  it('answers --help without loading the Kubernetes client or other heavy modules', async () => {
    const { result, loaded } = await withRecordedImports(['--help'], { STACKANETES_BUNDLE: 'off' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: stackanetes');
    expect(loaded).toContain('commander');
    for (const heavy of ['@kubernetes/client-node', 'got', 'ora', 'handlebars', 'kubernetes-models', 'pg']) {
      expect(loaded).not.toContain(`node_modules/${heavy}/`);
    }
    // Node's network, TLS and compression modules cost milliseconds to initialise; --help needs none.
    const builtins = loaded.split('\n').filter((url) => url.startsWith('node:'));
    for (const builtin of ['node:http', 'node:https', 'node:tls', 'node:zlib', 'node:crypto']) {
      expect(builtins).not.toContain(builtin);
    }
  });

  it('answers --help, version and a usage error from the bundle exactly as from the unbundled build', async () => {
    for (const args of [['--help'], ['version'], ['deploy', '--help'], ['--no-such-flag']]) {
      const bundled = await runCli(args);
      const unbundled = await runCli(args, { env: { STACKANETES_BUNDLE: 'off' } });
      expect({ args, ...bundled }).toEqual({ args, ...unbundled });
    }
  });

  it('loads the bundled CLI, not the module tree, when the build has one', async () => {
    const { result, loaded } = await withRecordedImports(['--help']);
    expect(result.code).toBe(0);
    expect(loaded).not.toContain('/dist/src/');
    expect(loaded).not.toContain('node_modules/');
  });

  it('rejects an unknown option with one line and exit code 2, without a stack trace', async () => {
    const result = await runCli(['--no-such-flag']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
