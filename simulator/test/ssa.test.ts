/**
 * Server-side apply conformance: ownership per manager, conflicts, force, removal of dropped
 * fields, update-operation ownership, and dry-run leaving nothing behind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../src/index.js';
import { rawClient } from '../src/raw-client.js';

let sim: Simulator;
let api: ReturnType<typeof rawClient>;
const path = '/apis/apps/v1/namespaces/default/deployments/web';

function deployment(fields: {
  replicas?: number;
  image?: string;
  env?: Record<string, string>;
  labels?: Record<string, string>;
}) {
  const container: Record<string, unknown> = { name: 'web', image: fields.image ?? 'nginx:1.25' };
  if (fields.env) container.env = Object.entries(fields.env).map(([name, value]) => ({ name, value }));
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
  };
  if (fields.replicas !== undefined) spec.replicas = fields.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', ...(fields.labels ? { labels: fields.labels } : {}) },
    spec,
  };
}

/** An apply configuration that sets nothing but the replica count (a second manager's intent). */
const replicasOnly = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { replicas },
});

const apply = (manager: string, body: unknown, extra = '') =>
  api.patch(`${path}?fieldManager=${manager}${extra}`, body, 'apply');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const managers = (obj: any): Record<string, any> =>
  Object.fromEntries(
    (obj.metadata.managedFields ?? []).map((m: { manager: string; operation: string }) => [
      `${m.manager}/${m.operation}`,
      m,
    ]),
  );

beforeAll(async () => {
  sim = await startSimulator({ readinessDelayMs: 3_600_000 });
  api = rawClient(sim.url);
});
afterAll(async () => sim.stop());
beforeEach(async () => {
  await api.delete(path);
});

describe('server-side apply', () => {
  it('creates the object when absent (201) and records the applier as an Apply manager in FieldsV1', async () => {
    const res = await apply('alpha', deployment({ replicas: 2, env: { A: '1' } }));
    expect(res.status).toBe(201);
    const entry = managers(res.body)['alpha/Apply'];
    expect(entry.fieldsType).toBe('FieldsV1');
    expect(entry.apiVersion).toBe('apps/v1');
    expect(entry.fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry.fieldsV1['f:spec']['f:selector']).toEqual({});
    const container = entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"web"}'];
    expect(container['.']).toEqual({});
    expect(container['f:env']['k:{"name":"A"}']).toEqual({ '.': {}, 'f:name': {}, 'f:value': {} });
    // server-set defaults belong to nobody
    expect(container['f:terminationMessagePath']).toBeUndefined();
    expect(res.body.spec.template.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
  });

  it('accepts a YAML body and requires a fieldManager (422 without one)', async () => {
    const yaml =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "nginx:1.25"}]\n';
    const missing = await api.patch(path, yaml, 'apply');
    expect(missing.status).toBe(422);
    expect(missing.body.message).toContain('fieldManager: Required value');
    expect((await apply('alpha', yaml)).status).toBe(201);
  });

  it('lets two managers that apply the same value share a field without conflict', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    const res = await apply('beta', replicasOnly(2));
    expect(res.status).toBe(200);
    const m = managers(res.body);
    expect(m['alpha/Apply'].fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(m['beta/Apply'].fieldsV1['f:spec']['f:replicas']).toEqual({});
  });

  it('answers 409 naming the field and the owning manager when another manager applies a different value', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    await sim.settled();
    const before = (await api.get(path)).body;
    const res = await apply('beta', replicasOnly(5));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(res.body.message).toBe('Apply failed with 1 conflict: conflict with "alpha": .spec.replicas');
    expect(res.body.details.causes).toEqual([
      { type: 'FieldManagerConflict', message: 'conflict with "alpha"', field: '.spec.replicas' },
    ]);
    const after = (await api.get(path)).body;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.replicas).toBe(2);
  });

  it('with force=true takes the field over: the value changes and the old manager no longer owns it', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    const res = await apply(
      'beta',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } },
      '&force=true',
    );
    expect(res.status).toBe(200);
    expect(res.body.spec.replicas).toBe(5);
    const m = managers(res.body);
    expect(m['beta/Apply'].fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(m['alpha/Apply'].fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(m['alpha/Apply'].fieldsV1['f:spec']['f:template']).toBeDefined();
  });

  it('removes a field dropped from a manager apply when nobody else owns it, and keeps it while someone does', async () => {
    await apply(
      'alpha',
      deployment({ replicas: 2, labels: { team: 'a', tier: 'web' }, env: { A: '1', B: '2' } }),
    );
    await apply('beta', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { tier: 'web' } },
    });
    const res = await apply('alpha', deployment({ env: { A: '1' } }));
    expect(res.status).toBe(200);
    expect(res.body.metadata.labels).toEqual({ tier: 'web' });
    expect(res.body.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    // replicas was dropped too: it is no one's now, so it is removed and the server default returns
    expect(res.body.spec.replicas).toBe(1);
  });

  it('gives ownership of changed fields to an Update manager (as kubectl edit does), so a later apply conflicts', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    const patched = await api.patch(`${path}?fieldManager=kubectl-edit`, { spec: { replicas: 7 } }, 'merge');
    expect(patched.status).toBe(200);
    const m = managers(patched.body);
    expect(m['kubectl-edit/Update'].fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(m['alpha/Apply'].fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    const res = await apply('alpha', deployment({ replicas: 2 }));
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('conflict with "kubectl-edit" using apps/v1: .spec.replicas');
  });

  it('dry-run apply returns the would-be object and stores nothing (no write in the store, same resourceVersion)', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    await sim.settled();
    const created = (await api.get(path)).body;
    sim.requests.reset();
    const rvBefore = sim.store.resourceVersion;
    const dry = await apply('alpha', deployment({ replicas: 9, image: 'nginx:1.27' }), '&dryRun=All');
    expect(dry.status).toBe(200);
    expect(dry.body.spec.replicas).toBe(9);
    expect(dry.body.metadata.generation).toBe(2);
    expect(sim.requests.count({ write: true, dryRun: true, verb: 'patch' })).toBe(1);
    expect(sim.requests.count({ write: true, dryRun: false })).toBe(0);
    expect(sim.store.resourceVersion).toBe(rvBefore);
    const fresh = (await api.get(path)).body;
    expect(fresh).toEqual(created);
    const dryCreate = await api.patch(
      '/api/v1/namespaces/default/configmaps/ghost?fieldManager=alpha&dryRun=All',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost' } },
      'apply',
    );
    expect(dryCreate.status).toBe(201);
    expect((await api.get('/api/v1/namespaces/default/configmaps/ghost')).status).toBe(404);
  });

  it('a repeated identical apply is a no-op: same resourceVersion and managedFields timestamps', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    await sim.settled();
    const first = (await api.get(path)).body;
    const again = (await apply('alpha', deployment({ replicas: 2 }))).body;
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(again.metadata.managedFields).toEqual(first.metadata.managedFields);
  });

  it('rejects a stale resourceVersion in the applied configuration with 409', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    const body = deployment({ replicas: 3 });
    (body.metadata as Record<string, unknown>).resourceVersion = '1';
    const res = await apply('alpha', body);
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('the object has been modified');
  });

  it('applies to /status only status fields, owned under subresource status, leaving spec alone', async () => {
    await apply('alpha', deployment({ replicas: 2 }));
    const res = await api.patch(
      `${path}/status?fieldManager=probe&force=true`,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { replicas: 9 },
        status: { replicas: 2, readyReplicas: 1 },
      },
      'apply',
    );
    expect(res.status).toBe(200);
    expect(res.body.spec.replicas).toBe(2);
    expect(res.body.status.readyReplicas).toBe(1);
    const entry = res.body.metadata.managedFields.find((m: { manager: string }) => m.manager === 'probe');
    expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status' });
    expect(entry.fieldsV1).toEqual({ 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
  });

  it('lets kubectl take over fields from a client-side apply recorded in last-applied without force', async () => {
    const lastApplied = JSON.stringify(deployment({ replicas: 3 }));
    const created = await api.post(
      '/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-client-side-apply',
      {
        ...deployment({ replicas: 3 }),
        metadata: {
          name: 'web',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
        },
      },
    );
    expect(created.status).toBe(201);
    const other = await apply('someone', deployment({ replicas: 2 }));
    expect(other.status).toBe(409);
    const res = await apply('kubectl', deployment({ replicas: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.spec.replicas).toBe(2);
    expect(
      JSON.parse(res.body.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).spec
        .replicas,
    ).toBe(2);
  });
});
