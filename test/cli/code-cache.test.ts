import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

/**
 * The launcher's V8 code cache, on a copy of the installed layout (bin/, dist/cli.cjs, package.json)
 * without the cache a build ships, as on a machine whose Node differs from the build's.
 */
describe('the code cache of the bundled CLI', () => {
  let install: string;
  let home: string;
  let cacheFile: string;

  beforeAll(() => {
    install = mkdtempSync(join(tmpdir(), 'stackanetes-install-'));
    home = join(install, 'home');
    cpSync(join(repoRoot, 'bin'), join(install, 'bin'), { recursive: true });
    mkdirSync(join(install, 'dist'));
    cpSync(join(repoRoot, 'dist', 'cli.cjs'), join(install, 'dist', 'cli.cjs'));
    cpSync(join(repoRoot, 'dist', 'cli.cjs.sha256'), join(install, 'dist', 'cli.cjs.sha256'));
    cpSync(join(repoRoot, 'package.json'), join(install, 'package.json'));
    symlinkSync(join(repoRoot, 'node_modules'), join(install, 'node_modules'));
    const digest = readFileSync(join(install, 'dist', 'cli.cjs.sha256'), 'utf8')
      .trim()
      .slice(0, 32);
    const info = statSync(join(install, 'dist', 'cli.cjs'));
    cacheFile = join(
      home,
      'cache',
      'v8',
      `cli-${digest}-${info.size}-${Math.trunc(info.mtimeMs)}-${process.version}-${process.arch}-light.bin`,
    );
  });
  afterAll(() => rmSync(install, { recursive: true, force: true }));

  const run = (...args: string[]) =>
    spawnSync(process.execPath, [join(install, 'bin', 'stackanetes'), ...args], {
      env: { ...process.env, STACKANETES_HOME: home, NO_COLOR: '1' },
      encoding: 'utf8',
    });

  it('writes a cache on the first run and uses it on the next, with the same answers', () => {
    const first = run('version');
    expect(first.status).toBe(0);
    expect(existsSync(cacheFile)).toBe(true);
    const written = readFileSync(cacheFile);
    const second = run('version');
    expect(second.stdout).toBe(first.stdout);
    // an accepted cache is not rewritten
    expect(readFileSync(cacheFile).equals(written)).toBe(true);
  });

  it('rejects a damaged cache, still answers, and replaces it', () => {
    writeFileSync(cacheFile, 'not a code cache', { mode: 0o600 });
    const result = run('version');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/client-version: \d+\.\d+\.\d+/);
    expect(readFileSync(cacheFile, 'utf8')).not.toBe('not a code cache');
  });

  it('never reads or writes a cache with STACKANETES_CODE_CACHE=off', () => {
    rmSync(join(home, 'cache'), { recursive: true, force: true });
    const result = spawnSync(process.execPath, [join(install, 'bin', 'stackanetes'), 'version'], {
      env: { ...process.env, STACKANETES_HOME: home, STACKANETES_CODE_CACHE: 'off' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(existsSync(join(home, 'cache', 'v8'))).toBe(false);
  });
});
