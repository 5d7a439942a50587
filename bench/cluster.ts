/**
 * Cluster benchmark: stackanetes against kubectl on the same simulated API server in the same
 * run, with 10 ms latency on every request (discovery and OpenAPI included), applying the whole
 * stackanetes meta-package rendered to one file by `stackanetes generate`. Each tool gets its own
 * namespace per round; the figures are medians over the rounds, printed as ratios.
 *
 *   npm run build && node dist/bench/cluster.js [--rounds 3] [--latency 10]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '../simulator/src/index.js';
import { kubectlBinary } from './kubectl.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = option('rounds', 3);
const latencyMs = option('latency', 10);

interface Run {
  code: number;
  ms: number;
  stdout: string;
  stderr: string;
}

function run(command: string, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, argv, { env, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, ms: Number(process.hrtime.bigint() - started) / 1e6, stdout, stderr }),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function expectCode(r: Run, codes: number[], what: string): Run {
  if (!codes.includes(r.code)) {
    throw new Error(`${what} exited ${r.code}:\n${r.stderr.slice(0, 2000)}${r.stdout.slice(0, 500)}`);
  }
  return r;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-bench-'));
  // A fresh server per round (cluster-scoped objects such as the IngressClass would otherwise be
  // shared between rounds); inside a round both tools talk to the same one.
  let sim = await startSimulator({ readinessDelayMs: 0 });
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    const env = {
      ...process.env,
      KUBECONFIG: kubeconfig,
      KUBECACHEDIR: join(dir, 'kube-cache'),
      NO_COLOR: '1',
    };
    const stackanetes = (argv: string[]) =>
      run(process.execPath, [join(root, 'bin', 'stackanetes'), ...argv], env);
    const kubectlPath = kubectlBinary() ?? 'kubectl';
    const kubectl = (argv: string[]) => run(kubectlPath, argv, env);

    await sim.writeKubeconfig(kubeconfig);
    const generated = expectCode(
      await stackanetes([
        'generate',
        join(root, 'packages', 'stackanetes'),
        '-n',
        'benchns',
        '--variables',
        join(root, 'parameters.yaml'),
      ]),
      [0],
      'stackanetes generate',
    ).stdout;
    const objects = (generated.match(/^kind: /gm) ?? []).length;
    const fileFor = (ns: string): string => {
      const file = join(dir, `${ns}.yaml`);
      writeFileSync(file, generated.replace(/benchns/g, ns));
      return file;
    };

    const times: Record<string, number[]> = {};
    const requests: Record<string, number[]> = {};
    const record = (key: string, r: Run, count: number): void => {
      (times[key] ??= []).push(r.ms);
      (requests[key] ??= []).push(count);
    };
    const measured = async (key: string, runIt: () => Promise<Run>, codes: number[]): Promise<void> => {
      sim.requests.reset();
      const r = expectCode(await runIt(), codes, key);
      record(key, r, sim.requests.count());
    };

    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        await sim.stop();
        sim = await startSimulator({ readinessDelayMs: 0 });
      }
      await sim.writeKubeconfig(kubeconfig);
      sim.faults.latencyMs = latencyMs;
      sim.faults.includeDiscovery = true;
      rmSync(join(dir, 'kube-cache'), { recursive: true, force: true });
      await kubectl(['get', 'namespaces']); // kubectl's discovery cache warm, as on a workstation
      const kns = `bench-kubectl-${round}`;
      const sns = `bench-stackanetes-${round}`;
      const kfile = fileFor(kns);
      const sfile = fileFor(sns);
      // Both namespaces exist beforehand: kubectl cannot create the namespace its objects go into.
      const nsFile = join(dir, `ns-${round}.yaml`);
      writeFileSync(
        nsFile,
        [kns, sns].map((n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}}\n`).join('---\n'),
      );
      expectCode(await kubectl(['apply', '--server-side', '-f', nsFile]), [0], 'kubectl apply namespaces');

      await measured('kubectl apply (first)', () => kubectl(['apply', '--server-side', '-f', kfile]), [0]);
      await measured(
        'stackanetes deploy (first)',
        () => stackanetes(['deploy', sfile, '-n', sns, '--no-wait', '--allow-cluster-scope']),
        [0],
      );
      // The same first deploy waiting for readiness (every object is ready at once here), on a
      // server of its own with the same latency (cluster-scoped objects such as the IngressClass
      // belong to one release per server): what --wait itself costs.
      const waitSim = await startSimulator({ readinessDelayMs: 0 });
      try {
        const waitConfig = join(dir, `kubeconfig-wait-${round}`);
        await waitSim.writeKubeconfig(waitConfig);
        waitSim.faults.latencyMs = latencyMs;
        waitSim.faults.includeDiscovery = true;
        const r = expectCode(
          await run(
            process.execPath,
            [
              join(root, 'bin', 'stackanetes'),
              'deploy',
              sfile,
              '-n',
              sns,
              '--kubeconfig',
              waitConfig,
              '--allow-cluster-scope',
            ],
            env,
          ),
          [0],
          'stackanetes deploy --wait (first)',
        );
        record('stackanetes deploy --wait (first)', r, waitSim.requests.count());
      } finally {
        await waitSim.stop();
      }
      await measured(
        'kubectl apply (no change)',
        () => kubectl(['apply', '--server-side', '-f', kfile]),
        [0],
      );
      await measured(
        'stackanetes deploy (no change)',
        () => stackanetes(['deploy', sfile, '-n', sns, '--no-wait', '--allow-cluster-scope']),
        [0],
      );
      await measured('kubectl diff', () => kubectl(['diff', '-f', kfile]), [0, 1]);
      await measured('stackanetes diff', () => stackanetes(['diff', sfile, '-n', sns]), [0]);
    }

    const line = (key: string): string =>
      `${key.padEnd(32)} ${median(times[key] as number[])
        .toFixed(0)
        .padStart(6)} ms  ${String(median(requests[key] as number[])).padStart(5)} requests`;
    const ratio = (ours: string, theirs: string, aim: number): string => {
      const r = median(times[ours] as number[]) / median(times[theirs] as number[]);
      return `${ours} / ${theirs}: ${r.toFixed(2)}x (aim <= ${aim}x)${r <= aim ? '' : '  [aim missed]'}`;
    };
    const out: string[] = [
      `cluster bench: ${objects} objects (stackanetes meta-package, parameters.yaml), ${latencyMs} ms latency per request, median of ${rounds} rounds`,
      `kubectl: ${kubectlPath}`,
      `node ${process.version}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} cpus`,
      '',
      ...Object.keys(times).map(line),
      '',
      ratio('stackanetes deploy --wait (first)', 'kubectl apply (first)', 0.5),
      ratio('stackanetes deploy (first)', 'kubectl apply (first)', 0.3),
      ratio('stackanetes deploy (no change)', 'kubectl apply (no change)', 0.15),
      ratio('stackanetes diff', 'kubectl diff', 0.15),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
