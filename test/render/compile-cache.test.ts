/**
 * The compile cache (compile-cache.ts) through the real CLI in fresh processes, the only place
 * its disk half matters: stored templates give byte-identical output, are private to the user,
 * and damaged or loosely permitted entries are ignored and replaced rather than evaluated.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';

const PACKAGE = join(repoRoot, 'packages', 'glance');
let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'stackanetes-compile-cache-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

// The render cache would answer repeated runs without compiling anything, so it is off here.
const generate = (env: Record<string, string> = {}) =>
  runCli(['generate', PACKAGE], { env: { STACKANETES_HOME: home, STACKANETES_RENDER_CACHE: 'off', ...env } });
const cacheDir = () => join(home, 'cache', 'templates');
const entries = () => readdirSync(cacheDir()).filter((f) => f.endsWith('.js'));

describe('template compile cache', () => {
  it('stores compiled templates privately and renders byte-identical output from them', async () => {
    const first = await generate();
    expect(first.code).toBe(0);
    expect(entries().length).toBeGreaterThan(5);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    for (const file of entries()) expect(statSync(join(cacheDir(), file)).mode & 0o777).toBe(0o600);
    const second = await generate();
    expect(second.stdout).toBe(first.stdout);
  });

  it('ignores damaged and group-writable entries, renders the same, and replaces them', async () => {
    const first = await generate();
    const [damaged, loose, other] = entries();
    writeFileSync(join(cacheDir(), damaged as string), 'this is not a template');
    // Another template's valid compiled code: were a writable-by-others entry trusted, the
    // output would change.
    writeFileSync(join(cacheDir(), loose as string), readFileSync(join(cacheDir(), other as string)));
    chmodSync(join(cacheDir(), loose as string), 0o666);
    const second = await generate();
    expect([second.code, second.stdout]).toEqual([0, first.stdout]);
    expect(readFileSync(join(cacheDir(), damaged as string), 'utf8')).not.toBe('this is not a template');
    expect(statSync(join(cacheDir(), loose as string)).mode & 0o777).toBe(0o600);
  });

  it('STACKANETES_TEMPLATE_CACHE=off writes nothing', async () => {
    const result = await generate({ STACKANETES_TEMPLATE_CACHE: 'off' });
    expect(result.code).toBe(0);
    expect(existsSync(cacheDir())).toBe(false);
  });
});
