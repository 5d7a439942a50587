/**
 * REST semantics of the simulator against the real API server's: Status bodies, optimistic
 * concurrency, generation, selectors, typed lists, pagination, namespaces, deletion propagation,
 * finalizers, Secret stringData, defaulting, patches, dry-run, CRDs, watch and auth.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSimulator, type Simulator } from '../src/index.js';
import { rawClient, rawRequest } from '../src/raw-client.js';

let sim: Simulator;
let api: ReturnType<typeof rawClient>;

beforeAll(async () => {
  sim = await startSimulator({ readinessDelayMs: 3_600_000 });
  api = rawClient(sim.url);
});
afterAll(async () => sim.stop());

async function namespace(name: string): Promise<void> {
  const res = await api.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name },
  });
  expect(res.status).toBe(201);
}

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { k: 'v' },
) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

const deploymentBody = (name: string, image = 'nginx:1.25') => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'web',
            image,
            ports: [{ containerPort: 80 }],
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'sidecar', image: 'busybox:1.36' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});

describe('objects', () => {
  beforeAll(() => namespace('crud'));

  it('answers 404, 409 AlreadyExists and 422 with Status bodies shaped like the real server', async () => {
    const missing = await api.get('/api/v1/namespaces/crud/configmaps/nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'configmaps "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: '', kind: 'configmaps' },
      code: 404,
    });
    expect((await api.post('/api/v1/namespaces/crud/configmaps', cm('dup'))).status).toBe(201);
    const dup = await api.post('/api/v1/namespaces/crud/configmaps', cm('dup'));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });
    const bad = deploymentBody('bad');
    bad.spec.template.metadata.labels = { app: 'other' };
    const invalid = await api.post('/apis/apps/v1/namespaces/crud/deployments', bad);
    expect(invalid.status).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
    expect(invalid.body.message).toContain(
      'Deployment.apps "bad" is invalid: spec.template.metadata.labels: Invalid value',
    );
    expect(invalid.body.details.causes[0]).toMatchObject({
      reason: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
    });
    const badName = await api.post('/api/v1/namespaces/crud/configmaps', cm('Not_Valid'));
    expect(badName.status).toBe(422);
    expect(badName.body.details.causes[0].field).toBe('metadata.name');
    const noNs = await api.post('/api/v1/namespaces/absent/configmaps', cm('x'));
    expect(noNs.status).toBe(404);
    expect(noNs.body.message).toBe('namespaces "absent" not found');
  });

  it('sets uid, creationTimestamp and resourceVersion; rejects a stale update with 409 and allows an unconditional one', async () => {
    const created = (await api.post('/api/v1/namespaces/crud/configmaps', cm('rv'))).body;
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const first = await api.put('/api/v1/namespaces/crud/configmaps/rv', { ...created, data: { k: 'v2' } });
    expect(first.status).toBe(200);
    expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
    const stale = await api.put('/api/v1/namespaces/crud/configmaps/rv', { ...created, data: { k: 'v3' } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message: expect.stringContaining('the object has been modified'),
    });
    const unconditional = await api.put('/api/v1/namespaces/crud/configmaps/rv', {
      ...cm('rv'),
      data: { k: 'v4' },
    });
    expect(unconditional.status).toBe(200);
    expect(unconditional.body.metadata.uid).toBe(created.metadata.uid);
  });

  it('bumps generation on spec changes only, not on label changes', async () => {
    const created = (await api.post('/apis/apps/v1/namespaces/crud/deployments', deploymentBody('gen'))).body;
    expect(created.metadata.generation).toBe(1);
    const labelled = await api.patch(
      '/apis/apps/v1/namespaces/crud/deployments/gen',
      { metadata: { labels: { x: 'y' } } },
      'merge',
    );
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await api.patch(
      '/apis/apps/v1/namespaces/crud/deployments/gen',
      { spec: { replicas: 3 } },
      'merge',
    );
    expect(scaled.body.metadata.generation).toBe(2);
  });

  it('filters lists with label selectors (=, !=, in, notin, exists, !exists) and returns typed lists without item kinds', async () => {
    await namespace('sel');
    await api.post('/api/v1/namespaces/sel/configmaps', cm('a', { app: 'web', tier: 'front' }));
    await api.post('/api/v1/namespaces/sel/configmaps', cm('b', { app: 'db' }));
    await api.post('/api/v1/namespaces/sel/configmaps', cm('c', {}));
    const names = async (selector: string) =>
      (
        await api.get(`/api/v1/namespaces/sel/configmaps?labelSelector=${encodeURIComponent(selector)}`)
      ).body.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(await names('app=web')).toEqual(['a']);
    // Every namespace also holds the kube-root-ca.crt ConfigMap, which has no labels.
    expect(await names('app!=web')).toEqual(['b', 'c', 'kube-root-ca.crt']);
    expect(await names('app in (web,db)')).toEqual(['a', 'b']);
    expect(await names('app notin (web)')).toEqual(['b', 'c', 'kube-root-ca.crt']);
    expect(await names('tier')).toEqual(['a']);
    expect(await names('!app')).toEqual(['c', 'kube-root-ca.crt']);
    expect(await names('app,tier=front')).toEqual(['a']);
    const list = (await api.get('/api/v1/namespaces/sel/configmaps')).body;
    expect(list).toMatchObject({
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: expect.any(String) },
    });
    expect(list.items[0].kind).toBeUndefined();
    const field = (await api.get('/api/v1/configmaps?fieldSelector=metadata.name%3Db')).body.items;
    expect(field.map((i: { metadata: { namespace: string } }) => i.metadata.namespace)).toEqual(['sel']);
    const bad = await api.get(
      '/api/v1/namespaces/sel/configmaps?labelSelector=' + encodeURIComponent('a in b'),
    );
    expect(bad.status).toBe(400);
  });

  it('pages lists with limit and continue', async () => {
    const page1 = (await api.get('/api/v1/namespaces/sel/configmaps?limit=2')).body;
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata.continue).toEqual(expect.any(String));
    const page2 = (
      await api.get(`/api/v1/namespaces/sel/configmaps?limit=2&continue=${page1.metadata.continue}`)
    ).body;
    expect(page2.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual([
      'c',
      'kube-root-ca.crt',
    ]);
    expect(page2.metadata.continue).toBeUndefined();
  });

  it('merges Secret stringData into base64 data, as the real server does', async () => {
    const res = await api.post('/api/v1/namespaces/crud/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: {
        user: Buffer.from('admin').toString('base64'),
        password: Buffer.from('old').toString('base64'),
      },
      stringData: { password: 'password' },
    });
    expect(res.status).toBe(201);
    expect(res.body.stringData).toBeUndefined();
    expect(res.body.type).toBe('Opaque');
    expect(Buffer.from(res.body.data.password, 'base64').toString()).toBe('password');
    expect(Buffer.from(res.body.data.user, 'base64').toString()).toBe('admin');
    const bad = await api.post('/api/v1/namespaces/crud/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bad' },
      data: { x: 'not base64!' },
    });
    expect(bad.status).toBe(400);
  });

  it('fills in server defaults for Deployments, Services and containers', async () => {
    const dep = (await api.post('/apis/apps/v1/namespaces/crud/deployments', deploymentBody('defaults')))
      .body;
    expect(dep.spec).toMatchObject({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(dep.spec.template.spec).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
    });
    expect(dep.spec.template.spec.containers[0]).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    const svc = (
      await api.post('/api/v1/namespaces/crud/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, name: 'http' }] },
      })
    ).body;
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    expect(svc.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    const changedIp = await api.patch(
      '/api/v1/namespaces/crud/services/web',
      { spec: { clusterIP: '10.96.200.200' } },
      'merge',
    );
    expect(changedIp.status).toBe(422);
    expect(changedIp.body.message).toContain(
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.200.200"}: may not change once set',
    );
  });

  it('strategic merge patch merges containers/env/volumeMounts/volumes by key and honours $patch: delete', async () => {
    const path = '/apis/apps/v1/namespaces/crud/deployments/smp';
    await api.post('/apis/apps/v1/namespaces/crud/deployments', deploymentBody('smp'));
    const res = await api.patch(
      path,
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'nginx:1.26',
                  env: [
                    { name: 'B', value: 'changed' },
                    { name: 'C', value: '3' },
                    { name: 'A', $patch: 'delete' },
                  ],
                  ports: [{ containerPort: 8080 }],
                  volumeMounts: [{ mountPath: '/data', readOnly: true }],
                },
                { name: 'sidecar', $patch: 'delete' },
              ],
              volumes: [{ name: 'cache', emptyDir: {} }],
            },
          },
        },
      },
      'strategic',
    );
    expect(res.status).toBe(200);
    const spec = res.body.spec.template.spec;
    expect(spec.containers.map((c: { name: string }) => c.name)).toEqual(['web']);
    expect(spec.containers[0].image).toBe('nginx:1.26');
    expect(spec.containers[0].env).toEqual([
      { name: 'B', value: 'changed' },
      { name: 'C', value: '3' },
    ]);
    expect(spec.containers[0].ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([
      80, 8080,
    ]);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: 'data', mountPath: '/data', readOnly: true }]);
    expect(spec.volumes.map((v: { name: string }) => v.name)).toEqual(['data', 'cache']);
    expect(res.body.metadata.generation).toBe(2);
    const merge = await api.patch(
      path,
      { spec: { template: { spec: { containers: [{ name: 'only', image: 'x:1' }] } } } },
      'merge',
    );
    expect(merge.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['only']);
    const svcPath = '/api/v1/namespaces/crud/services/web';
    const svc = await api.patch(svcPath, { spec: { ports: [{ port: 443, name: 'https' }] } }, 'strategic');
    expect(svc.body.spec.ports.map((p: { port: number }) => p.port)).toEqual([80, 443]);
  });

  it('serves /scale: reads replicas and selector, writes spec.replicas into the workload, honours dry-run', async () => {
    await api.post('/apis/apps/v1/namespaces/crud/deployments', deploymentBody('scaled'));
    const path = '/apis/apps/v1/namespaces/crud/deployments/scaled/scale';
    const scale = (await api.get(path)).body;
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 1 },
      status: { selector: 'app=scaled' },
    });
    expect(
      (await api.patch(`${path}?dryRun=All`, { spec: { replicas: 9 } }, 'merge')).body.spec.replicas,
    ).toBe(9);
    expect((await api.get('/apis/apps/v1/namespaces/crud/deployments/scaled')).body.spec.replicas).toBe(1);
    const scaled = await api.patch(`${path}?fieldManager=autoscaler`, { spec: { replicas: 4 } }, 'merge');
    expect(scaled.body.spec.replicas).toBe(4);
    const dep = (await api.get('/apis/apps/v1/namespaces/crud/deployments/scaled')).body;
    expect(dep.spec.replicas).toBe(4);
    expect(dep.metadata.generation).toBe(2);
    expect(
      dep.metadata.managedFields.find((m: { manager: string }) => m.manager === 'autoscaler').fieldsV1,
    ).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('applies merge patches (null deletes) and JSON patches (test failure answers 422)', async () => {
    await api.post('/api/v1/namespaces/crud/configmaps', cm('mp', {}, { a: '1', b: '2' }));
    const merged = await api.patch(
      '/api/v1/namespaces/crud/configmaps/mp',
      { data: { a: null, c: '3' } },
      'merge',
    );
    expect(merged.body.data).toEqual({ b: '2', c: '3' });
    const json = await api.patch(
      '/api/v1/namespaces/crud/configmaps/mp',
      [
        { op: 'replace', path: '/data/b', value: 'two' },
        { op: 'remove', path: '/data/c' },
      ],
      'json',
    );
    expect(json.body.data).toEqual({ b: 'two' });
    const failed = await api.patch(
      '/api/v1/namespaces/crud/configmaps/mp',
      [{ op: 'test', path: '/data/b', value: 'nope' }],
      'json',
    );
    expect(failed.status).toBe(422);
    const unsupported = await rawRequest(sim.url, 'PATCH', '/api/v1/namespaces/crud/configmaps/mp', {
      body: {},
      contentType: 'text/plain',
    });
    expect(unsupported.status).toBe(415);
  });

  it('dryRun=All on create, update and delete returns the would-be result and stores nothing', async () => {
    await sim.settled();
    const rv = sim.store.resourceVersion;
    sim.requests.reset();
    const created = await api.post('/api/v1/namespaces/crud/configmaps?dryRun=All', cm('dry'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.uid).toEqual(expect.any(String));
    expect((await api.get('/api/v1/namespaces/crud/configmaps/dry')).status).toBe(404);
    const updated = await api.put('/api/v1/namespaces/crud/configmaps/mp?dryRun=All', {
      ...cm('mp'),
      data: { z: '26' },
    });
    expect(updated.body.data).toEqual({ z: '26' });
    expect((await api.delete('/api/v1/namespaces/crud/configmaps/mp?dryRun=All')).status).toBe(200);
    expect((await api.get('/api/v1/namespaces/crud/configmaps/mp')).body.data).toEqual({ b: 'two' });
    expect(sim.store.resourceVersion).toBe(rv);
    expect(sim.requests.count({ write: true, dryRun: true })).toBe(3);
    expect(sim.requests.count({ verb: 'get', name: 'mp' })).toBe(1);
  });

  it('rejects wrongly typed fields with 400, from bodies and from patch results alike', async () => {
    const bad = await api.post('/api/v1/namespaces/crud/configmaps', {
      ...cm('typed'),
      metadata: { name: 'typed', finalizers: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ObjectMeta.metadata.finalizers of type []string',
    );
    await api.post('/apis/apps/v1/namespaces/crud/deployments', deploymentBody('typed'));
    const patched = await api.patch(
      '/apis/apps/v1/namespaces/crud/deployments/typed',
      { spec: { replicas: 'two' } },
      'merge',
    );
    expect(patched.status).toBe(400);
    expect(patched.body.message).toContain(
      'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  it('rejects unknown fields under fieldValidation=Strict and warns under Warn', async () => {
    const strict = await api.post('/api/v1/namespaces/crud/configmaps?fieldValidation=Strict', {
      ...cm('strict'),
      dta: {},
    });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "dta"',
    );
    const warn = await api.post('/api/v1/namespaces/crud/configmaps?fieldValidation=Warn', {
      ...cm('warn'),
      metadata: { name: 'warn', lables: {} },
    });
    expect(warn.status).toBe(201);
    expect(warn.headers.get('warning')).toContain('unknown field \\"metadata.lables\\"');
  });
});

describe('deletion', () => {
  beforeAll(() => namespace('del'));

  it('deletes dependents by ownerReferences in the background, keeps them (without the reference) when orphaning', async () => {
    for (const policy of ['Background', 'Orphan']) {
      const owner = (await api.post('/api/v1/namespaces/del/configmaps', cm(`owner-${policy.toLowerCase()}`)))
        .body;
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata.name, uid: owner.metadata.uid };
      await api.post('/api/v1/namespaces/del/configmaps', {
        ...cm(`dep-${policy.toLowerCase()}`),
        metadata: { name: `dep-${policy.toLowerCase()}`, ownerReferences: [ref] },
      });
      const res = await api.delete(`/api/v1/namespaces/del/configmaps/${owner.metadata.name}`, {
        propagationPolicy: policy,
      });
      expect(res.body).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: { name: owner.metadata.name, kind: 'configmaps', uid: owner.metadata.uid },
      });
      const dependent = await api.get(`/api/v1/namespaces/del/configmaps/dep-${policy.toLowerCase()}`);
      if (policy === 'Background') expect(dependent.status).toBe(404);
      else {
        expect(dependent.status).toBe(200);
        expect(dependent.body.metadata.ownerReferences).toBeUndefined();
      }
    }
  });

  it('keeps an object with finalizers (deletionTimestamp set) until an update removes them', async () => {
    await api.post('/api/v1/namespaces/del/configmaps', {
      ...cm('fin'),
      metadata: { name: 'fin', finalizers: ['example.com/hold'] },
    });
    const res = await api.delete('/api/v1/namespaces/del/configmaps/fin');
    expect(res.body.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect((await api.get('/api/v1/namespaces/del/configmaps/fin')).status).toBe(200);
    await api.patch('/api/v1/namespaces/del/configmaps/fin', { metadata: { finalizers: null } }, 'merge');
    expect((await api.get('/api/v1/namespaces/del/configmaps/fin')).status).toBe(404);
  });

  it('deleting a namespace marks it Terminating (contents still readable), refuses new content, then removes it with everything in it', async () => {
    await namespace('doomed');
    await api.post('/api/v1/namespaces/doomed/configmaps', cm('inside'));
    await api.post('/apis/apps/v1/namespaces/doomed/deployments', deploymentBody('inside'));
    const res = await api.delete('/api/v1/namespaces/doomed');
    expect(res.body.status.phase).toBe('Terminating');
    const refused = await api.post('/api/v1/namespaces/doomed/configmaps', cm('late'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      'unable to create new content in namespace doomed because it is being terminated',
    );
    expect((await api.get('/api/v1/namespaces/doomed/configmaps/inside')).status).toBe(200);
    const deadline = Date.now() + 20_000;
    while ((await api.get('/api/v1/namespaces/doomed')).status !== 404 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect((await api.get('/api/v1/namespaces/doomed')).status).toBe(404);
    expect(sim.store.list('v1', 'ConfigMap', 'doomed')).toEqual([]);
    expect(sim.store.list('apps/v1', 'Deployment', 'doomed')).toEqual([]);
  });
});

describe('custom resources', () => {
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };

  it('serves a CRD kind once registered (discovery, Established condition, CRUD) and stops when the CRD goes', async () => {
    expect((await api.post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    await sim.settled();
    const stored = (
      await api.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com')
    ).body;
    expect(stored.status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' })]),
    );
    const groups = (await api.get('/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).toContain('example.com');
    const resources = (await api.get('/apis/example.com/v1')).body.resources;
    expect(resources[0]).toMatchObject({
      name: 'widgets',
      singularName: 'widget',
      namespaced: true,
      kind: 'Widget',
      shortNames: ['wd'],
    });
    const created = await api.post('/apis/example.com/v1/namespaces/default/widgets', {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 1 },
    });
    expect(created.status).toBe(201);
    expect(created.body.metadata.generation).toBe(1);
    const list = (await api.get('/apis/example.com/v1/namespaces/default/widgets')).body;
    expect(list.items[0].kind).toBe('Widget');
    const smp = await api.patch(
      '/apis/example.com/v1/namespaces/default/widgets/w',
      { spec: { size: 2 } },
      'strategic',
    );
    expect(smp.status).toBe(415);
    await api.delete('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect((await api.get('/apis/example.com/v1/namespaces/default/widgets')).status).toBe(404);
  });
});

describe('watch', () => {
  it('replays events after a resourceVersion, streams ADDED/MODIFIED/DELETED as JSON lines, and turns selector moves into ADDED/DELETED', async () => {
    await namespace('watched');
    const rv = (await api.get('/api/v1/namespaces/watched/configmaps')).body.metadata.resourceVersion;
    await api.post('/api/v1/namespaces/watched/configmaps', cm('one', { app: 'w' }));
    const controller = new AbortController();
    const res = await fetch(
      `${sim.url}/api/v1/namespaces/watched/configmaps?watch=1&labelSelector=app%3Dw&resourceVersion=${rv}`,
      { signal: controller.signal },
    );
    expect(res.headers.get('content-type')).toBe('application/json');
    const reader = res.body!.getReader();
    const events: { type: string; object: { metadata: { name: string } } }[] = [];
    let buffer = '';
    const until = async (n: number) => {
      while (events.length < n) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += Buffer.from(value).toString();
        let i;
        while ((i = buffer.indexOf('\n')) !== -1) {
          events.push(JSON.parse(buffer.slice(0, i)));
          buffer = buffer.slice(i + 1);
        }
      }
    };
    await until(1);
    await api.post('/api/v1/namespaces/watched/configmaps', cm('ignored', { app: 'other' }));
    await api.patch('/api/v1/namespaces/watched/configmaps/one', { data: { k: 'v2' } }, 'merge');
    await api.delete('/api/v1/namespaces/watched/configmaps/one');
    await until(3);
    await api.patch(
      '/api/v1/namespaces/watched/configmaps/ignored',
      { metadata: { labels: { app: 'w' } } },
      'merge',
    );
    await api.patch(
      '/api/v1/namespaces/watched/configmaps/ignored',
      { metadata: { labels: { app: 'gone' } } },
      'merge',
    );
    await until(5);
    controller.abort();
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual([
      'ADDED:one',
      'MODIFIED:one',
      'DELETED:one',
      'ADDED:ignored',
      'DELETED:ignored',
    ]);
  });
});

describe('watch history', () => {
  it('answers a watch from a resourceVersion older than the kept history with an ERROR event carrying 410 Expired', async () => {
    const small = await startSimulator({ watchHistory: 3 });
    try {
      const client = rawClient(small.url);
      const start = (await client.get('/api/v1/namespaces/default/configmaps')).body.metadata.resourceVersion;
      for (const name of ['a', 'b', 'c', 'd', 'e'])
        await client.post('/api/v1/namespaces/default/configmaps', cm(name));
      const res = await rawRequest(
        small.url,
        'GET',
        `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${start}`,
      );
      const event = res.body;
      expect(event.type).toBe('ERROR');
      expect(event.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      expect(event.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    } finally {
      await small.stop();
    }
  });
});

describe('access', () => {
  it('requires the bearer token when one is set, answering 401 with a Status', async () => {
    const secured = await startSimulator({ token: 'password' });
    try {
      const denied = await rawRequest(secured.url, 'GET', '/api/v1/namespaces');
      expect(denied.status).toBe(401);
      expect(denied.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
      expect((await rawRequest(secured.url, 'GET', '/api/v1/namespaces', { token: 'wrong' })).status).toBe(
        401,
      );
      expect((await rawRequest(secured.url, 'GET', '/api/v1/namespaces', { token: 'password' })).status).toBe(
        200,
      );
    } finally {
      await secured.stop();
    }
  });
});
