import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

describe('the stackanetes entry point', () => {
  it('prints the version from package.json and exits 0', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('answers --help without loading the Kubernetes client or other heavy modules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-imports-'));
    const record = join(dir, 'imports.txt');
    const result = await runCli(['--help'], {
      env: {
        NODE_OPTIONS: `--import=${join(repoRoot, 'test', 'helpers', 'record-imports.mjs')}`,
        STACKANETES_RECORD_IMPORTS: record,
      },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: stackanetes');
    const loaded = readFileSync(record, 'utf8');
    expect(loaded).toContain('commander');
    for (const heavy of ['@kubernetes/client-node', 'got', 'ora', 'handlebars', 'kubernetes-models', 'pg']) {
      expect(loaded).not.toContain(`node_modules/${heavy}/`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an unknown option with one line and exit code 2, without a stack trace', async () => {
    const result = await runCli(['--no-such-flag']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
