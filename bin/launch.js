// Loads the bundled CLI (dist/cli.cjs) with a V8 code cache, so a cold process skips most of the
// parsing and compiling of our code: Node 20 has no compile cache for ES modules, but vm.Script
// takes cached data for a CommonJS bundle. Falls back to the unbundled build (dist/src), which is
// what a checkout has before `npm run build` bundles it.
//
// A code cache is code, so one is read only when it is as trusted as the bundle itself: a regular
// file owned by the current user or by the bundle's owner that nobody else may write. Caches are
// named by the bundle's sha256 (dist/cli.cjs.sha256, written by the build), size and mtime, the Node version, the architecture and a profile (a small cache
// for help and version, one for generate, a full one for everything else), so any change is a miss. `npm run build`
// writes both into dist/.v8-cache; when Node differs at run time (a rejected or missing cache),
// the first run writes one under $STACKANETES_HOME/cache/v8 (default ~/.stackanetes).
// STACKANETES_CODE_CACHE=off turns the cache off; STACKANETES_BUNDLE=off runs the unbundled build.
// CommonJS (bin/package.json): starting the ES module loader for the entry alone cost more than
// the rest of --help.
const { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const vm = require('node:vm');

const root = join(__dirname, '..');
const bundlePath = join(root, 'dist', 'cli.cjs');
/** The caches a build ships (read only at run time). */
const shippedDir = join(root, 'dist', '.v8-cache');

/** The user's own caches, written when the shipped one is missing or rejected. */
function userDir() {
  const home = process.env.STACKANETES_HOME;
  return join(home && home !== '' ? home : join(homedir(), '.stackanetes'), 'cache', 'v8');
}

function trusted(path, ownerUid) {
  const info = statSync(path);
  if (!info.isFile() || (info.mode & 0o022) !== 0) return false;
  if (typeof process.getuid !== 'function') return true;
  return info.uid === process.getuid() || info.uid === ownerUid;
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
 * Writes atomically to the first place that takes it; a read-only home only loses speed. The
 * user's own cache is private; the one a build ships is readable by every user of the
 * installation (like the bundle beside it), never writable by them.
 */
function writeCache(name, data, dirs, shared) {
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
 * Help and version only build the command tree: they take the small cache. `generate` takes one
 * made from an unchanged generate, which the render cache answers without the render code: V8
 * deserializes a whole cache up front, and the full one cost an unchanged generate more time than
 * compiling the little it runs. Everything else takes the full cache, render code included.
 */
function cacheProfile(argv) {
  const args = argv.slice(2);
  const light =
    args.length === 0 ||
    args[0] === 'help' ||
    args[0] === 'version' ||
    args.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V');
  if (light) return 'light';
  return args.find((a) => !a.startsWith('-')) === 'generate' ? 'generate' : 'full';
}

/**
 * The bundled CLI's exports with the code cache applied, or undefined when there is no bundle.
 * `persist()` writes a fresh cache when none was accepted; call it after the command ran, so the
 * functions that ran are in it.
 */
function loadBundle(profile = cacheProfile(process.argv)) {
  if (process.env.STACKANETES_BUNDLE === 'off') return undefined;
  let source;
  try {
    source = readFileSync(bundlePath, 'utf8');
  } catch {
    return undefined;
  }
  const setting = process.env.STACKANETES_CODE_CACHE;
  const enabled = !(setting === 'off' || setting === '0' || setting === 'false');
  // The build writes the bundle's digest beside it (hashing a megabyte here would cost more than
  // the rest of --help); size and mtime catch a bundle replaced without its digest file.
  let digest;
  try {
    digest = readFileSync(`${bundlePath}.sha256`, 'utf8').trim().slice(0, 32);
  } catch {
    digest = 'nodigest';
  }
  const info = statSync(bundlePath);
  const name = `cli-${digest}-${info.size}-${Math.trunc(info.mtimeMs)}-${process.version}-${process.arch}-${profile}.bin`;
  const cachedData = enabled && digest !== 'nodigest' ? readCache(name, info.uid) : undefined;
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname, __stackanetesImport) {${source}\n})`,
    { filename: bundlePath, cachedData },
  );
  const module = { exports: {} };
  // External ES modules (@kubernetes/client-node) are imported from here: functions restored from a
  // code cache lose a vm.Script's own dynamic-import hook (see src/import-external.ts).
  const importer = (specifier) => import(specifier);
  const wrapper = script.runInThisContext();
  wrapper(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath), importer);
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    persist(dirs = [userDir()], shared = false) {
      if (!enabled || accepted || digest === 'nodigest') return undefined;
      return writeCache(name, script.createCachedData(), dirs, shared);
    },
  };
}

module.exports = { cacheProfile, loadBundle };
