/**
 * What `npm pack` publishes: the CLI, the registry server, the package set and nothing the
 * repository keeps for itself (tests, the simulator, benchmarks). Reads the file list npm itself
 * computes from `files`, so a widened pattern shows here before it ships. Needs a build (npm test
 * builds first) so the product's own files are there to be listed.
 */
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(process.cwd());

interface PackResult {
  files: { path: string }[];
}

async function packedFiles(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as PackResult[];
  return result!.files.map((f) => f.path).sort();
}

describe('npm pack', () => {
  it('lists no test, simulator or benchmark file, and the CLI and registry server are in it', async () => {
    const files = await packedFiles();
    const internal = files.filter(
      (f) =>
        /^(dist\/)?(test|simulator|bench)\//.test(f) ||
        /\.test\.(ts|js)$/.test(f) ||
        f.startsWith('registry-server/') ||
        f === 'dist/registry-server/testing.js',
    );
    expect(internal).toEqual([]);
    for (const shipped of [
      'bin/stackanetes',
      'bin/stackanetes-registry',
      'dist/cli.cjs',
      'dist/src/cli/main.js',
      'dist/registry-server/cli.js',
      'packages/stackanetes/manifest.yaml',
      'parameters.yaml',
    ])
      expect(files).toContain(shipped);
  });
});
