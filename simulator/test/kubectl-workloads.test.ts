/**
 * The real kubectl (1.32) against the simulated nodes, controllers and kubelet: `get pods` and
 * `get nodes` as on a cluster, `rollout history/undo` through the ReplicaSets' revisions,
 * `wait --for=condition=Available`, `get events`, `apply --prune -l` over full discovery and
 * `delete --wait`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../src/index.js';

let sim: Simulator;
let dir: string;
let kubeconfig: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('these tests need kubectl (1.32) on PATH') : err),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const rows = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

const deployment = (image: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: kw, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {openstack-control-plane: enabled}
      containers:
      - name: web
        image: ${image}${extra}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kubectl-workloads-'));
  kubeconfig = join(dir, 'kubeconfig');
  sim = await startSimulator({ readinessDelayMs: 50 });
  await sim.writeKubeconfig(kubeconfig, { namespace: 'kw' });
  await ok(['create', 'namespace', 'kw']);
});

afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl and the simulated workloads', () => {
  it('waits for Available, then lists the pods Running on control-plane nodes and the nodes Ready', async () => {
    await writeFile(join(dir, 'v1.yaml'), deployment('nginx:1.27'));
    await ok(['apply', '-f', join(dir, 'v1.yaml')]);
    const waited = await ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s']);
    expect(waited.trim()).toBe('deployment.apps/web condition met');
    const pods = rows(await ok(['get', 'pods', '-o', 'wide']));
    expect(pods[0]!.slice(0, 7)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
    expect(pods.slice(1)).toHaveLength(2);
    for (const p of pods.slice(1)) {
      expect(p[0]).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}$/);
      expect(p.slice(1, 4)).toEqual(['1/1', 'Running', '0']);
      expect(p[6]).toMatch(/^control-\d$/);
    }
    const nodes = rows(await ok(['get', 'nodes']));
    expect(nodes[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(nodes.slice(1).map((n) => [n[0], n[1], n[4]])).toEqual(
      ['compute-1', 'compute-2', 'control-1', 'control-2', 'control-3'].map((n) => [n, 'Ready', 'v1.32.0']),
    );
  });

  it('keeps rollout history in ReplicaSet revisions, and rollout undo brings the previous template back', async () => {
    await writeFile(join(dir, 'v2.yaml'), deployment('nginx:1.28'));
    await ok(['apply', '-f', join(dir, 'v2.yaml')]);
    expect(await ok(['rollout', 'status', 'deployment/web', '--timeout=30s'])).toContain(
      'deployment "web" successfully rolled out',
    );
    const history = rows(await ok(['rollout', 'history', 'deployment/web']));
    expect(history.slice(2).map((r) => r[0])).toEqual(['1', '2']);
    const revision1 = await ok(['rollout', 'history', 'deployment/web', '--revision=1']);
    expect(revision1).toContain('nginx:1.27');
    expect(await ok(['rollout', 'undo', 'deployment/web'])).toContain('deployment.apps/web rolled back');
    await ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    const image = await ok([
      'get',
      'deployment',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ]);
    expect(image).toBe('nginx:1.27');
    const after = rows(await ok(['rollout', 'history', 'deployment/web']));
    expect(after.slice(2).map((r) => r[0])).toEqual(['2', '3']);
    const rs = rows(await ok(['get', 'replicasets']));
    expect(rs[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(
      rs
        .slice(1)
        .map((r) => r.slice(1, 4))
        .sort(),
    ).toEqual([
      ['0', '0', '0'],
      ['2', '2', '2'],
    ]);
  });

  it('shows why a pod cannot start in get pods and get events', async () => {
    await writeFile(
      join(dir, 'broken.yaml'),
      `apiVersion: v1
kind: Pod
metadata: {name: broken, namespace: kw}
spec:
  containers:
  - name: app
    image: nginx:1.27
    env:
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: missing, key: password}}
`,
    );
    await ok(['apply', '-f', join(dir, 'broken.yaml')]);
    await sim.settled();
    const pod = rows(await ok(['get', 'pod', 'broken']));
    expect(pod[1]!.slice(0, 3)).toEqual(['broken', '0/1', 'CreateContainerConfigError']);
    const events = rows(await ok(['get', 'events', '--field-selector', 'involvedObject.name=broken']));
    expect(events[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(events.slice(1).map((e) => e.slice(1))).toEqual([
      [
        'Normal',
        'Scheduled',
        'pod/broken',
        expect.stringMatching(/^Successfully assigned kw\/broken to \S+$/),
      ],
      ['Warning', 'Failed', 'pod/broken', 'Error: secret "missing" not found'],
    ]);
    const all = await ok(['get', 'events']);
    expect(all).toMatch(/Normal\s+ScalingReplicaSet\s+deployment\/web\s+Scaled up replica set web-/);
  });

  it('prunes with apply --prune -l what the file no longer has', async () => {
    const cm = (name: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: kw, labels: {set: pruned}}\ndata: {k: v}\n`;
    await writeFile(join(dir, 'both.yaml'), [cm('keep'), cm('drop')].join('---\n'));
    await writeFile(join(dir, 'one.yaml'), cm('keep'));
    await ok(['apply', '--prune', '-l', 'set=pruned', '-f', join(dir, 'both.yaml')]);
    const r = await kubectl(['apply', '--prune', '-l', 'set=pruned', '-f', join(dir, 'one.yaml')]);
    // kubectl's own deprecation notice about cluster-scoped pruning is all it may say on stderr.
    expect(
      r.stderr.split('\n').filter((l) => l && !l.includes('Deprecated: kubectl apply will no longer prune')),
    ).toEqual([]);
    expect(r.stdout).toContain('configmap/keep unchanged');
    expect(r.stdout).toContain('configmap/drop pruned');
    expect((await kubectl(['get', 'configmap', 'drop'])).code).toBe(1);
  });

  it('delete --wait returns once the Deployment, its ReplicaSets and its pods are gone', async () => {
    const r = await kubectl(['delete', 'deployment', 'web', '--wait=true', '--timeout=30s']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps "web" deleted');
    expect(sim.store.list('apps/v1', 'ReplicaSet', 'kw')).toEqual([]);
    const left = sim.store.list('v1', 'Pod', 'kw').map((p) => p.metadata.name);
    expect(left).toEqual(['broken']);
  });
});
