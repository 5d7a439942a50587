/**
 * Render speed of the whole OpenStack meta-package (packages/stackanetes with every dependency):
 * the median in-process `renderReference` time (load from disk, merge, derived defaults, render,
 * post-process, schema validation) over warm runs, plus the first (cold) in-process run, and the
 * cold `stackanetes generate` process time next to `node -e 0` on the same machine, so the
 * figures read as ratios rather than absolute milliseconds. Run: `node dist/bench/render.js`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReference } from '../src/render/pipeline.js';
import { median } from './stats.js';

const RUNS = 25;
const PROCESS_RUNS = 7;

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'stackanetes')))
    dir = dirname(dir);
  return dir;
}

function processTime(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): number {
  const times: number[] = [];
  for (let i = 0; i < PROCESS_RUNS; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
  }
  return median(times);
}

async function main(): Promise<void> {
  const root = findRoot();
  const meta = join(root, 'packages', 'stackanetes');
  const reference = existsSync(join(meta, 'manifest.yaml'))
    ? meta
    : join(root, 'test', 'fixtures', 'render', 'precedence', 'meta');
  const times: number[] = [];
  let objects = 0;
  let packages = 0;
  for (let i = 0; i < RUNS + 1; i++) {
    const start = process.hrtime.bigint();
    const release = await renderReference({ reference, namespace: 'openstack' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    objects = release.packages.reduce((n, p) => n + p.objects.length, 0);
    packages = release.packages.length;
  }
  const [cold, ...warm] = times;
  const generate = processTime([join(root, 'bin', 'stackanetes'), 'generate', reference], root);
  // Without the template compile cache: what a first run on a machine (or a cleared cache) costs.
  const uncached = processTime([join(root, 'bin', 'stackanetes'), 'generate', reference], root, {
    STACKANETES_TEMPLATE_CACHE: 'off',
  });
  const empty = processTime(['-e', '0'], root);
  const rel = (p: string) => p.slice(root.length + 1);
  console.log(`render ${rel(reference)}: ${packages} packages, ${objects} objects`);
  console.log(
    `  in-process renderReference, median of ${RUNS} warm runs: ${median(warm).toFixed(1)} ms (first, cold run: ${(cold ?? 0).toFixed(1)} ms)`,
  );
  console.log(
    `  cold process \`stackanetes generate\`: ${generate.toFixed(0)} ms, \`node -e 0\`: ${empty.toFixed(0)} ms (ratio ${(generate / empty).toFixed(1)}x, median of ${PROCESS_RUNS})`,
  );
  console.log(
    `  the same with STACKANETES_TEMPLATE_CACHE=off (compiling every template): ${uncached.toFixed(0)} ms (ratio ${(uncached / empty).toFixed(1)}x)`,
  );
}

await main();
