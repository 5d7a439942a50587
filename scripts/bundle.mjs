/**
 * Bundles the CLI into one CommonJS file, dist/cli.cjs, so a cold `stackanetes` reads and
 * compiles one file instead of resolving some 200 modules, and so bin/stackanetes can hand V8 a
 * code cache for it (Node 20 has no compile cache for ES modules). Lazy `import()`s of our own
 * modules stay lazy: esbuild wraps each module in an init function that runs on first use.
 *
 * Left outside the bundle: kubernetes-models (one CommonJS module per kind, loaded only for the
 * kinds a release contains; bundling them all is 14 MB) and @kubernetes/client-node (14 MB of
 * generated API models that only the cluster verbs load).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The build id names this build's render-cache entries: a digest of the compiled sources and of
 * the exact dependency versions, so any change of renderer, schemas or YAML library is a miss.
 */
function buildId() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  walk(join(root, 'dist', 'src'));
  hash.update(readFileSync(join(root, 'package-lock.json')));
  return hash.digest('hex').slice(0, 32);
}

await build({
  entryPoints: [join(root, 'dist/src/cli/main.js')],
  outfile: join(root, 'dist/cli.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['kubernetes-models', 'kubernetes-models/*', '@kubernetes/client-node'],
  // import.meta.url is the only ESM-only construct our sources use; in the bundle it is the
  // bundle's own URL, which is what packageRoot() and createRequire() want.
  define: { 'import.meta.url': '__stackanetesBundleUrl', __STACKANETES_BUILD__: JSON.stringify(buildId()) },
  banner: { js: "const __stackanetesBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});

/**
 * Writes the V8 code cache shipped in dist/.v8-cache: the bundle runs `--help` and a render of the
 * embedded OpenStack stack once (output discarded, render cache off, a throwaway home), so the
 * cache holds the functions those commands compile, not just the top level.
 */
async function warmCodeCache() {
  const { rmSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  rmSync(join(root, 'dist', '.v8-cache'), { recursive: true, force: true });
  const home = mkdtempSync(join(tmpdir(), 'stackanetes-build-'));
  const saved = { ...process.env };
  Object.assign(process.env, {
    STACKANETES_HOME: home,
    STACKANETES_RENDER_CACHE: 'off',
    STACKANETES_CODE_CACHE: '',
  });
  try {
    const { loadBundle } = await import('../bin/launch.js');
    const bundle = loadBundle();
    const quiet = { out() {}, err() {}, isTTY: false, color: false };
    const argv = (...args) => [process.execPath, join(root, 'bin', 'stackanetes'), ...args];
    await bundle.exports.main(argv('--help'), quiet);
    const meta = join(root, 'packages', 'stackanetes');
    const params = join(root, 'parameters.yaml');
    await bundle.exports.main(
      argv('generate', meta, '--variables', params, '--namespace', 'openstack'),
      quiet,
    );
    bundle.persist([join(root, 'dist', '.v8-cache')], true);
  } finally {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
  }
}

await warmCodeCache();
