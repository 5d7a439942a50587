/**
 * Start-up cost of whole `stackanetes` processes, next to `node -e 0` and the plain kubectl binary's
 * `version --client` measured in the same run on the same machine, so the figures read as
 * differences from Node's own start rather than absolute milliseconds:
 *   --help, version, generate of the full stack from a directory (render cache warm, and off),
 *   generate of the full stack from a local registry-server with a warm blob cache, and diff with
 *   no changes against the Kubernetes API simulator (the stack deployed once beforehand).
 * Every figure is the median of RUNS wall-clock runs. Run: `npm run bench:startup`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveArgv } from '../test/helpers/registry-process.js';
import { startSimulator } from '../simulator/src/index.js';
import { median } from './stats.js';
import { kubectlBinary } from './kubectl.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'bin', 'stackanetes');

/** One run, asynchronous: the simulator answers from this very process. */
function once(command: string, args: readonly string[], env: NodeJS.ProcessEnv, input = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: root, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(input);
  });
}

interface Command {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** Interleaves the commands run by run, so a load spike on the machine hits all of them alike. */
async function measure(commands: Record<string, Command>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = {};
  for (const c of Object.values(commands)) await once(c.command, c.args, c.env); // warm the OS caches
  for (let i = 0; i < RUNS; i++)
    for (const [name, c] of Object.entries(commands))
      (times[name] ??= []).push(await once(c.command, c.args, c.env));
  return Object.fromEntries(Object.entries(times).map(([name, t]) => [name, median(t)]));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${url} did not answer`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-bench-startup-'));
  const home = join(dir, 'home');
  const env: NodeJS.ProcessEnv = { ...process.env, STACKANETES_HOME: home, NO_COLOR: '1' };
  const meta = join(root, 'packages', 'stackanetes');
  // A copy: the lockfile a registry generate writes goes beside the parameters, not into the checkout.
  const params = join(dir, 'parameters.yaml');
  copyFileSync(join(root, 'parameters.yaml'), params);
  const generateArgs = [bin, 'generate', meta, '--variables', params, '--namespace', 'openstack'];
  let registry: ChildProcess | undefined;
  const sim = await startSimulator({ readinessDelayMs: 0 });
  try {
    // A registry with every package pushed, for generate from a registry reference.
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const storage = join(dir, 'registry');
    const admin = join(root, 'bin', 'stackanetes-registry');
    await once(
      process.execPath,
      [admin, 'user', 'add', 'bench', '--storage', storage],
      env,
      'bench-password\n',
    );
    registry = spawn(process.execPath, serveArgv(root, port, storage, ['--log-level', 'warn']), {
      stdio: 'ignore',
    });
    await waitFor(`${url}/healthz`);
    const login = [bin, 'login', url, '--username', 'bench', '--password-stdin'];
    await once(process.execPath, login, env, 'bench-password\n');
    const packagesDir = join(root, 'packages');
    for (const name of ['openstack-common', 'common', ...listPackages(packagesDir)])
      await once(process.execPath, [bin, 'push', join(packagesDir, name), '--registry', url], env);
    const registryArgs = [
      bin,
      'generate',
      'stackanetes/stackanetes',
      '--registry',
      url,
      '--variables',
      params,
      '--namespace',
      'openstack',
    ];

    // The stack deployed once, so diff compares against a live copy and finds nothing to change.
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    const clusterEnv = { ...env, KUBECONFIG: kubeconfig };
    once(
      process.execPath,
      [
        bin,
        'deploy',
        meta,
        '--variables',
        params,
        '--namespace',
        'openstack',
        '--no-wait',
        '--allow-cluster-scope',
      ],
      clusterEnv,
    );
    const diffArgs = [bin, 'diff', meta, '--variables', params, '--namespace', 'openstack'];

    const kubectl = kubectlBinary();
    const medians = await measure({
      'node -e 0': { command: process.execPath, args: ['-e', '0'], env },
      ...(kubectl
        ? { 'kubectl version --client': { command: kubectl, args: ['version', '--client'], env } }
        : {}),
      'stackanetes --help': { command: process.execPath, args: [bin, '--help'], env },
      'stackanetes version': { command: process.execPath, args: [bin, 'version'], env },
      'generate (directory)': { command: process.execPath, args: generateArgs, env },
      'generate (directory, render cache off)': {
        command: process.execPath,
        args: generateArgs,
        env: { ...env, STACKANETES_RENDER_CACHE: 'off' },
      },
      'generate (registry, warm blob cache)': { command: process.execPath, args: registryArgs, env },
      'diff (no changes, simulator)': { command: process.execPath, args: diffArgs, env: clusterEnv },
    });
    const node = medians['node -e 0'] ?? 0;
    console.log(`start-up, median of ${RUNS} runs each (wall clock; + is the difference from node -e 0)`);
    for (const [name, ms] of Object.entries(medians))
      console.log(
        `  ${name.padEnd(42)} ${ms.toFixed(0).padStart(5)} ms  ${name === 'node -e 0' ? '' : `${ms >= node ? '+' : '-'}${Math.abs(ms - node).toFixed(0)} ms`}`,
      );
  } finally {
    await stop(registry);
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Stops the registry and waits until it is gone (killed outright if it lingers). */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** Package directories, libraries first so the packages that use them resolve at push time. */
function listPackages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== 'openstack-common' && e.name !== 'common')
    .map((e) => e.name)
    .sort();
}

await main();
