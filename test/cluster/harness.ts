/**
 * A simulated cluster for one test file: the Kubernetes API simulator on a free loopback port, a
 * kubeconfig pointing at it, and a runner for the built CLI (and for real kubectl) against it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';
import { repoRoot, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';

/** The parts of a live object the tests read (through kubectl, as JSON). */
export interface LiveObject {
  metadata?: {
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
  data?: Record<string, string>;
}

export interface TestCluster {
  sim: Simulator;
  dir: string;
  kubeconfig: string;
  /** Runs `stackanetes ARGS --kubeconfig K`. */
  cli(args: readonly string[], options?: CliOptions): Promise<CliResult>;
  /** Runs the real kubectl against the simulator. */
  kubectl(args: readonly string[], input?: string): Promise<CliResult>;
  /** Reads an object straight from the simulator with kubectl, as JSON. */
  get(kind: string, name: string, namespace?: string): Promise<LiveObject | undefined>;
  stop(): Promise<void>;
}

export const fixtures = join(repoRoot, 'test', 'fixtures', 'cluster');

export async function startCluster(options: { readinessDelayMs?: number } = {}): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-cluster-'));
  const sim = await startSimulator({ readinessDelayMs: options.readinessDelayMs ?? 100 });
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const kubectl = (args: readonly string[], input?: string): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(dir, 'kubectl-cache') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  return {
    sim,
    dir,
    kubeconfig,
    cli: (args, opts = {}) => runCli([...args, '--kubeconfig', kubeconfig], { timeoutMs: 120000, ...opts }),
    kubectl,
    async get(kind, name, namespace) {
      const r = await kubectl([
        'get',
        kind,
        name,
        '-o',
        'json',
        '--show-managed-fields',
        ...(namespace ? ['-n', namespace] : []),
      ]);
      return r.code === 0 ? (JSON.parse(r.stdout) as LiveObject) : undefined;
    },
    async stop() {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses the result table the deploy-like verbs print into rows keyed by `Kind/name`. */
export function tableStatuses(stdout: string): Map<string, string> {
  const rows = new Map<string, string>();
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => /^PACKAGE\s+VERSION\s+KIND/.test(l));
  if (header < 0) return rows;
  for (const line of lines.slice(header + 1)) {
    const cells = line.trim().split(/\s{2,}/);
    if (cells.length < 6) break;
    rows.set(`${cells[2]}/${cells[3]}`, cells[5] as string);
  }
  return rows;
}
