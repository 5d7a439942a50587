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
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/**
 * commander requires node:child_process at load for executable subcommands, which we do not use;
 * loading it (with net and streams) was a third of `--help`. Inside commander the bundle gets a
 * stand-in that loads the real module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes(join('node_modules', 'commander'))
        ? { path: 'lazy-child-process', namespace: 'lazy' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents:
        "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};

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
  // Smaller to read, hash and parse; identifiers stay, so --debug stacks still name functions.
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [lazyChildProcess],
  logLevel: 'warning',
});

writeFileSync(
  join(root, 'dist', 'cli.cjs.sha256'),
  `${createHash('sha256')
    .update(readFileSync(join(root, 'dist', 'cli.cjs')))
    .digest('hex')}\n`,
);

/**
 * Writes the V8 code caches shipped in dist/.v8-cache. Each comes from running the bundle once
 * (output discarded, a throwaway home), so it holds the functions those commands compile, not just
 * the top level: a small one for help and version, which only build the command tree, one for an
 * unchanged generate (answered from the render cache), and a full one that also holds what a render
 * of the embedded OpenStack stack compiles (render cache off).
 */
async function warmCodeCaches() {
  rmSync(join(root, 'dist', '.v8-cache'), { recursive: true, force: true });
  const home = mkdtempSync(join(tmpdir(), 'stackanetes-build-'));
  const saved = { ...process.env };
  Object.assign(process.env, {
    STACKANETES_HOME: home,
    STACKANETES_RENDER_CACHE: 'off',
    STACKANETES_CODE_CACHE: '',
  });
  try {
    const { loadBundle } = (await import('../bin/launch.js')).default;
    const quiet = { out() {}, err() {}, isTTY: false, color: false };
    const argv = (...args) => [process.execPath, join(root, 'bin', 'stackanetes'), ...args];
    const meta = join(root, 'packages', 'stackanetes');
    const params = join(root, 'parameters.yaml');
    const render = ['generate', meta, '--variables', params, '--namespace', 'openstack'];
    // The generate profile holds what an unchanged generate runs: its render is cached first, in
    // another process, so that none of the render code is compiled in this one before it is made.
    execFileSync(process.execPath, [join(root, 'bin', 'stackanetes'), ...render], {
      env: { ...process.env, STACKANETES_RENDER_CACHE: '', STACKANETES_CODE_CACHE: 'off' },
      stdio: 'ignore',
    });
    const runs = {
      light: [argv('--help'), argv('version')],
      generate: [argv('--help'), argv(...render)],
      full: [argv('--help'), argv(...render)],
    };
    for (const [profile, commands] of Object.entries(runs)) {
      process.env.STACKANETES_RENDER_CACHE = profile === 'generate' ? '' : 'off';
      const bundle = loadBundle(profile);
      for (const command of commands) await bundle.exports.main(command, quiet);
      bundle.persist([join(root, 'dist', '.v8-cache')], true);
    }
  } finally {
    process.env = saved;
    rmSync(home, { recursive: true, force: true });
  }
}

await warmCodeCaches();
