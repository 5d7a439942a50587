// Loads the bundled CLI (dist/cli.cjs) with a V8 code cache, so a cold process skips most of the
// parsing and compiling of our code: Node 20 has no compile cache for ES modules, but vm.Script
// takes cached data for a CommonJS bundle. Falls back to the unbundled build (dist/src), which is
// what a checkout has before `npm run build` bundles it.
//
// A code cache is code, so one is read only when it is as trusted as the bundle itself: a regular
// file owned by the current user or by the bundle's owner that nobody else may write. Caches are
// named by the bundle's sha256, the Node version and the architecture, so any change is a miss.
// `npm run build` writes one into dist/.v8-cache after a warm-up run; when Node differs at run time
// (a rejected or missing cache), the first run writes one under $STACKANETES_HOME/cache/v8
// (default ~/.stackanetes). STACKANETES_CODE_CACHE=off turns the cache off; STACKANETES_BUNDLE=off
// runs the unbundled build.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundlePath = join(root, 'dist', 'cli.cjs');

function trusted(path, ownerUid) {
  const info = statSync(path);
  if (!info.isFile() || (info.mode & 0o022) !== 0) return false;
  if (typeof process.getuid !== 'function') return true;
  return info.uid === process.getuid() || info.uid === ownerUid;
}

/** The cache a build ships (read only at run time). */
const shippedDir = join(root, 'dist', '.v8-cache');

/** The user's own cache, written when the shipped one is missing or rejected. */
function userDir() {
  const home = process.env.STACKANETES_HOME;
  return join(home && home !== '' ? home : join(homedir(), '.stackanetes'), 'cache', 'v8');
}

function readCache(name, ownerUid) {
  for (const dir of [shippedDir, userDir()]) {
    const path = join(dir, name);
    try {
      if (trusted(path, ownerUid)) return readFileSync(path);
    } catch {
      // absent or unreadable: try the next place
    }
  }
  return undefined;
}

/**
 * Writes atomically to the first place that takes it; a read-only install only loses speed. The
 * user's own cache is private; the one a build ships in dist/ is readable by every user of the
 * installation (like the bundle beside it), never writable by them.
 */
export function writeCache(name, data, dirs = [userDir()], shared = false) {
  for (const dir of dirs) {
    try {
      mkdirSync(dir, { recursive: true, mode: shared ? 0o755 : 0o700 });
      const tmp = join(dir, `.${name}.${process.pid}.tmp`);
      writeFileSync(tmp, data, { mode: shared ? 0o644 : 0o600 });
      renameSync(tmp, join(dir, name));
      return join(dir, name);
    } catch {
      // not writable here: try the next place
    }
  }
  return undefined;
}

/**
 * The bundled CLI's exports with the code cache applied, or undefined when there is no bundle.
 * `persist()` writes a fresh cache when none was accepted; call it after the command ran, so the
 * functions that ran are in it.
 */
export function loadBundle() {
  // the unbundled build, for debugging and for tests that watch which modules a command loads
  if (process.env.STACKANETES_BUNDLE === 'off') return undefined;
  let source;
  let owner;
  try {
    source = readFileSync(bundlePath, 'utf8');
    owner = statSync(bundlePath).uid;
  } catch {
    return undefined;
  }
  const setting = process.env.STACKANETES_CODE_CACHE;
  const enabled = !(setting === 'off' || setting === '0' || setting === 'false');
  const name = `cli-${createHash('sha256').update(source).digest('hex').slice(0, 32)}-${process.version}-${process.arch}.bin`;
  const cachedData = enabled ? readCache(name, owner) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
    // the bundle's import() of external ES modules (@kubernetes/client-node) resolves from here
    importModuleDynamically: (specifier) => import(specifier),
  });
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(bundlePath),
    module,
    bundlePath,
    dirname(bundlePath),
  );
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    persist(dirs, shared = false) {
      if (!enabled || accepted) return undefined;
      return writeCache(name, script.createCachedData(), dirs, shared);
    },
  };
}
