/**
 * The schemas as kubectl reads them (`kubectl explain` over /openapi/v3 shows fields and their
 * upstream descriptions; /openapi/v2 serves the same definitions as JSON), and reads at a
 * resourceVersion: an Exact list at an older version shows the objects as they were, a
 * compacted version answers 410 Gone (lists) or an ERROR event with 410 (watches).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/index.js';
import { rawClient } from '../../src/raw-client.js';

const kubectlBinary = existsSync('/usr/lib/google-cloud-sdk/bin/kubectl.1.32')
  ? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'
  : 'kubectl';

let sim: Simulator;
let dir: string;
let api: ReturnType<typeof rawClient>;

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const kubeconfig = join(dir, 'kubeconfig');
  return new Promise((resolve, reject) => {
    const child = spawn(
      kubectlBinary,
      ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args],
      {
        env: { ...process.env, HOME: dir },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-openapi-'));
  sim = await startSimulator({ readinessDelayMs: 0, watchHistory: 5 });
  await sim.writeKubeconfig(join(dir, 'kubeconfig'));
  api = rawClient(sim.url);
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl explain', () => {
  it('shows a field, its type, its enum and its upstream description', async () => {
    const run = await kubectl(['explain', 'deployment.spec.strategy']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('FIELD: strategy <DeploymentStrategy>');
    expect(run.stdout).toContain('The deployment strategy to use to replace existing pods with new ones.');
    expect(run.stdout).toMatch(/rollingUpdate\s+<RollingUpdateDeployment>/);
    expect(run.stdout).toContain('enum: Recreate, RollingUpdate');
  });

  it('follows references down to a container port', async () => {
    const run = await kubectl(['explain', 'pod.spec.containers.ports']);
    expect(run.stdout).toMatch(/containerPort\s+<integer> -required-/);
    expect(run.stdout).toContain('If specified, this must be an IANA_SVC_NAME and unique within the pod.');
  });
});

describe('/openapi/v2', () => {
  it('serves the definitions with descriptions as JSON', async () => {
    const res = await api.get('/openapi/v2');
    expect(res.status).toBe(200);
    const deployment = res.body.definitions['io.k8s.api.apps.v1.Deployment'];
    expect(deployment.description).toBe('Deployment enables declarative updates for Pods and ReplicaSets.');
    expect(deployment['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment' },
    ]);
    expect(res.body.definitions['io.k8s.api.core.v1.ContainerPort'].properties.containerPort).toMatchObject({
      type: 'integer',
      format: 'int32',
    });
  });
});

describe('reads at a resourceVersion', () => {
  const path = '/api/v1/namespaces/rv/configmaps';
  let before = '';

  it('lists at resourceVersionMatch=Exact as the objects were then', async () => {
    await api.post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rv' } });
    const labels = { case: 'rv' };
    await api.post(path, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels },
      data: { v: '1' },
    });
    before = (await api.get(path)).body.metadata.resourceVersion;
    await api.patch(`${path}/a`, { data: { v: '2' } }, 'merge');
    await api.post(path, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', labels } });
    // Only this test's ConfigMaps (a namespace may hold others, such as kube-root-ca.crt).
    const mine = 'labelSelector=case%3Drv';
    const old = await api.get(`${path}?${mine}&resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(old.status).toBe(200);
    expect(old.body.metadata.resourceVersion).toBe(before);
    expect(old.body.items.map((o: { data: { v: string } }) => o.data.v)).toEqual(['1']);
    const now = await api.get(`${path}?${mine}&resourceVersion=${before}&resourceVersionMatch=NotOlderThan`);
    expect(now.body.items).toHaveLength(2);
  });

  it('answers 410 Gone for an Exact list at a compacted resourceVersion', async () => {
    for (let i = 0; i < 8; i++) await api.patch(`${path}/a`, { data: { v: `x${i}` } }, 'merge');
    const gone = await api.get(`${path}?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({
      reason: 'Expired',
      code: 410,
      message: 'The resourceVersion for the provided list is too old.',
    });
  });

  it('ends a watch from a compacted resourceVersion with an ERROR event carrying 410', async () => {
    const res = await fetch(`${sim.url}${path}?watch=1&resourceVersion=${before}`);
    const line = JSON.parse((await res.text()).trim().split('\n')[0]!);
    expect(line.type).toBe('ERROR');
    expect(line.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  it('answers 504 for a resourceVersion the store has not reached, and 400 for a match without one', async () => {
    const future = await api.get(`${path}?resourceVersion=999999&resourceVersionMatch=Exact`);
    expect(future.status).toBe(504);
    expect(future.body.details.causes[0].reason).toBe('ResourceVersionTooLarge');
    const missing = await api.get(`${path}?resourceVersionMatch=Exact`);
    expect(missing.status).toBe(400);
  });
});
