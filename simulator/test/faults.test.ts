/**
 * Simulated readiness (delays, rollouts of a changed template, Jobs completing or failing,
 * never-ready objects) and fault injection (errors, seeded error rates, timeouts, latency), plus
 * the request counters tests rely on.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../src/index.js';
import { rawClient, rawRequest } from '../src/raw-client.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const deployment = (name: string, image = 'nginx:1.25', replicas = 2) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
  },
});

const job = (name: string) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } },
  },
});

async function waitUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const available = (d: any) =>
  d.status?.conditions?.find((c: { type: string }) => c.type === 'Available')?.status;

describe('readiness simulation', () => {
  it('reports a Deployment progressing until readinessDelayMs has passed, then available with all replica counts', async () => {
    sim = await startSimulator({ readinessDelayMs: 3_600_000 });
    const api = rawClient(sim.url);
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('web'));
    await sim.settled();
    const pending = (await api.get('/apis/apps/v1/namespaces/default/deployments/web')).body;
    expect(pending.status).toMatchObject({ observedGeneration: 1, replicas: 2, unavailableReplicas: 2 });
    expect(pending.status.readyReplicas).toBeUndefined();
    expect(available(pending)).toBe('False');

    sim.readinessDelayMs = 0;
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('fast'));
    const ready = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/deployments/fast')).body,
      (d) => available(d) === 'True',
      'fast to be available',
    );
    expect(ready.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    const progressing = ready.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
  });

  it('takes a changed pod template through a rolling update: new generation, one surge pod updated while the old pods serve, then all updated', async () => {
    sim = await startSimulator({ readinessDelayMs: 0 });
    const api = rawClient(sim.url);
    const path = '/apis/apps/v1/namespaces/default/deployments/web';
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('web'));
    await waitUntil(
      async () => (await api.get(path)).body,
      (d) => d.status?.updatedReplicas === 2,
      'first rollout',
    );
    sim.readinessDelayMs = 3_600_000;
    const patched = await api.patch(
      path,
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } } } },
      'strategic',
    );
    expect(patched.body.metadata.generation).toBe(2);
    await sim.settled();
    const rolling = (await api.get(path)).body;
    // maxSurge 25% of 2 rounds up to one new pod; maxUnavailable rounds down to 0, so both old
    // pods keep serving until the new one is available.
    expect(rolling.status).toMatchObject({
      observedGeneration: 2,
      readyReplicas: 2,
      updatedReplicas: 1,
      replicas: 3,
    });
    expect(available(rolling)).toBe('True');
    expect(rolling.status.conditions.find((c: { type: string }) => c.type === 'Progressing').reason).toBe(
      'ReplicaSetUpdated',
    );
    sim.faults.release('Deployment', 'default', 'web');
    const done = await waitUntil(
      async () => (await api.get(path)).body,
      (d) => d.status?.updatedReplicas === 2,
      'second rollout',
    );
    expect(done.status.observedGeneration).toBe(2);
  });

  it('keeps never-ready objects progressing, and readies StatefulSets, DaemonSets and PVCs', async () => {
    sim = await startSimulator({ readinessDelayMs: 0, nodes: 3 });
    const api = rawClient(sim.url);
    sim.faults.neverReady('Deployment', 'default', 'stuck');
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('stuck'));
    await api.post('/apis/apps/v1/namespaces/default/statefulsets', {
      ...deployment('db'),
      kind: 'StatefulSet',
      spec: { ...deployment('db').spec, serviceName: 'db' },
    });
    const ds = deployment('agent');
    delete (ds.spec as Partial<typeof ds.spec>).replicas;
    await api.post('/apis/apps/v1/namespaces/default/daemonsets', { ...ds, kind: 'DaemonSet' });
    await api.post('/api/v1/namespaces/default/persistentvolumeclaims', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    });
    const sts = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/statefulsets/db')).body,
      (d) => d.status?.readyReplicas === 2,
      'statefulset',
    );
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
    const daemon = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/daemonsets/agent')).body,
      (d) => d.status?.numberReady === 3,
      'daemonset',
    );
    expect(daemon.status).toMatchObject({
      desiredNumberScheduled: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
    });
    const pvc = await waitUntil(
      async () => (await api.get('/api/v1/namespaces/default/persistentvolumeclaims/data')).body,
      (d) => d.status?.phase === 'Bound',
      'pvc',
    );
    expect(pvc.status.capacity).toEqual({ storage: '1Gi' });
    await sim.settled();
    const stuck = (await api.get('/apis/apps/v1/namespaces/default/deployments/stuck')).body;
    expect(stuck.status.observedGeneration).toBe(1);
    expect(available(stuck)).toBe('False');
  });

  it('completes Jobs, and fails the ones told to fail with BackoffLimitExceeded', async () => {
    sim = await startSimulator({ readinessDelayMs: 0 });
    const api = rawClient(sim.url);
    sim.faults.failJob('default', 'bad');
    await api.post('/apis/batch/v1/namespaces/default/jobs', job('good'));
    await api.post('/apis/batch/v1/namespaces/default/jobs', job('bad'));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const finished = (j: any) =>
      j.status?.conditions?.some(
        (c: { type: string; status: string }) =>
          ['Complete', 'Failed'].includes(c.type) && c.status === 'True',
      );
    const good = await waitUntil(
      async () => (await api.get('/apis/batch/v1/namespaces/default/jobs/good')).body,
      finished,
      'good job',
    );
    expect(good.status).toMatchObject({ succeeded: 1, completionTime: expect.any(String) });
    expect(good.status.conditions.map((c: { type: string }) => c.type)).toEqual([
      'SuccessCriteriaMet',
      'Complete',
    ]);
    expect(good.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(good.metadata.uid);
    const bad = await waitUntil(
      async () => (await api.get('/apis/batch/v1/namespaces/default/jobs/bad')).body,
      finished,
      'bad job',
    );
    expect(bad.status.failed).toBe(7);
    expect(bad.status.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
    const immutable = await api.patch(
      '/apis/batch/v1/namespaces/default/jobs/good',
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } } } },
      'strategic',
    );
    expect(immutable.status).toBe(422);
    expect(immutable.body.message).toContain('field is immutable');
  });
});

describe('fault injection', () => {
  it('fails every resource request with the chosen status and a Status body, but leaves discovery alone', async () => {
    sim = await startSimulator({ errorRate: 1, errorStatuses: [503] });
    const res = await rawRequest(sim.url, 'GET', '/api/v1/namespaces');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await rawRequest(sim.url, 'GET', '/api/v1')).status).toBe(200);
    expect((await rawRequest(sim.url, 'GET', '/version')).status).toBe(200);
    expect(sim.requests.count({ status: 503 })).toBe(1);
    sim.faults.errorStatuses = [500];
    expect((await rawRequest(sim.url, 'GET', '/api/v1/namespaces')).body.reason).toBe('InternalError');
  });

  it('repeats the same pattern of random errors for the same seed', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const s = await startSimulator({ errorRate: 0.5, seed });
      try {
        const out: number[] = [];
        for (let i = 0; i < 16; i++)
          out.push((await rawRequest(s.url, 'GET', '/api/v1/namespaces/default')).status);
        return out;
      } finally {
        await s.stop();
      }
    };
    const a = await pattern(42);
    expect(await pattern(42)).toEqual(a);
    expect(a).toContain(200);
    expect(a.some((s) => s === 500 || s === 503)).toBe(true);
  });

  it('fails exactly the next N matching requests with failNext, restricted by a filter', async () => {
    sim = await startSimulator();
    const api = rawClient(sim.url);
    sim.faults.failNext(2, { status: 500, filter: { write: true } });
    expect((await api.get('/api/v1/namespaces/default')).status).toBe(200);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    expect((await api.post('/api/v1/namespaces/default/configmaps', cm)).status).toBe(500);
    expect((await api.post('/api/v1/namespaces/default/configmaps', cm)).status).toBe(500);
    expect((await api.post('/api/v1/namespaces/default/configmaps', cm)).status).toBe(201);
    expect(sim.requests.count({ verb: 'create', resource: 'configmaps' })).toBe(3);
    expect(sim.requests.find({ verb: 'create' }).map((r) => r.fault ?? 'none')).toEqual([
      'error',
      'error',
      'none',
    ]);
  });

  it('never answers a timed-out request until the client gives up, and stop() still closes cleanly', async () => {
    sim = await startSimulator({ timeoutRate: 1 });
    const started = Date.now();
    await expect(
      rawRequest(sim.url, 'GET', '/api/v1/namespaces', { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sim.requests.find({ verb: 'list' })[0]).toMatchObject({ status: 0, fault: 'timeout' });
    sim.faults.timeoutRate = 0;
    expect((await rawRequest(sim.url, 'GET', '/api/v1/namespaces')).status).toBe(200);
    sim.faults.timeoutRate = 1;
    const hung = rawRequest(sim.url, 'GET', '/api/v1/namespaces/kube-system', {
      signal: AbortSignal.timeout(20_000),
    });
    await waitUntil(
      async () => sim!.requests.count({ fault: 'timeout' }),
      (n) => n === 2,
      'the second request to arrive',
    );
    await sim.stop();
    await expect(hung).rejects.toThrow();
  });

  it('adds latency to resource requests (at least latencyMs before the answer)', async () => {
    sim = await startSimulator({ latencyMs: 150 });
    const started = Date.now();
    expect((await rawRequest(sim.url, 'GET', '/api/v1/namespaces')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('counts requests by verb, write, dry-run, path and patch type', async () => {
    sim = await startSimulator();
    const api = rawClient(sim.url);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } };
    await api.post('/api/v1/namespaces/default/configmaps', cm);
    await api.patch('/api/v1/namespaces/default/configmaps/c?fieldManager=t', cm, 'apply');
    await api.patch('/api/v1/namespaces/default/configmaps/c?dryRun=All', { data: { a: 'b' } }, 'merge');
    await api.get('/api/v1/namespaces/default/configmaps/c');
    await api.get('/api/v1/namespaces/default/configmaps');
    await api.delete('/api/v1/namespaces/default/configmaps/c');
    const r = sim.requests;
    expect(r.count({ write: true })).toBe(4);
    expect(r.count({ write: true, dryRun: false })).toBe(3);
    expect(r.count({ verb: 'patch' })).toBe(2);
    expect(r.count({ patchType: 'apply', fieldManager: 't' })).toBe(1);
    expect(r.count({ verb: 'get' })).toBe(1);
    expect(r.count({ verb: 'list' })).toBe(1);
    expect(r.count({ method: 'delete', path: /\/configmaps\/c$/ })).toBe(1);
    expect(r.log.every((e) => e.status > 0)).toBe(true);
    r.reset();
    expect(r.count()).toBe(0);
  });
});
