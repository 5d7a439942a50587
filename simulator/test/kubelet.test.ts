/**
 * The simulated nodes, scheduler, controllers and kubelet stand-in: Pods exist and start only
 * when a real cluster would start them, workload status is computed from them, Events record
 * why, and namespaces and discovery carry what a 1.32 cluster has.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kollaContract, startSimulator, type Simulator } from '../src/index.js';
import { rawClient } from '../src/raw-client.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;

async function waitUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const podSpec = (extra: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  containers: [{ name: 'c', image: 'nginx:1.27', ...container }],
  ...extra,
});

const deployment = (name: string, spec: Record<string, unknown>, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec },
  },
});

async function start(options: Parameters<typeof startSimulator>[0] = {}) {
  sim = await startSimulator({ readinessDelayMs: 0, ...options });
  return rawClient(sim.url);
}

type Api = Awaited<ReturnType<typeof start>>;

const pods = async (api: Api, selector: string): Promise<Any[]> =>
  (await api.get(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)).body.items;

const available = (d: Any) =>
  d.status?.conditions?.find((c: { type: string }) => c.type === 'Available')?.status;

async function settledPods(api: Api, selector: string, count: number): Promise<Any[]> {
  await sim!.settled();
  return waitUntil(
    () => pods(api, selector),
    (p) => p.length === count,
    `${count} pods for ${selector}`,
  );
}

describe('nodes and the scheduler', () => {
  it('starts with the default fixture: 3 control-plane and 2 compute nodes labelled as parameters.yaml documents', async () => {
    const api = await start();
    const nodes = (await api.get('/api/v1/nodes')).body.items;
    expect(nodes.map((n: Any) => n.metadata.name)).toEqual([
      'compute-1',
      'compute-2',
      'control-1',
      'control-2',
      'control-3',
    ]);
    const control = (await api.get('/api/v1/nodes?labelSelector=openstack-control-plane%3Denabled')).body
      .items;
    expect(control).toHaveLength(3);
    const compute = (await api.get('/api/v1/nodes?labelSelector=openstack-compute-node%3Denabled')).body
      .items;
    expect(compute).toHaveLength(2);
    expect(nodes[0].status.conditions.find((c: Any) => c.type === 'Ready').status).toBe('True');
    expect(nodes[0].status.allocatable.cpu).toBe('32');
  });

  it('places pods by nodeSelector and reports an unmatched one Pending with the FailedScheduling event', async () => {
    const api = await start();
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('ctl', podSpec({ nodeSelector: { 'openstack-control-plane': 'enabled' } }), 3),
    );
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('lost', podSpec({ nodeSelector: { 'openstack-control-plane': 'nowhere' } })),
    );
    const placed = await settledPods(api, 'app=ctl', 3);
    const nodes = await waitUntil(
      async () => (await pods(api, 'app=ctl')).map((p) => p.spec.nodeName),
      (n) => n.every((x) => typeof x === 'string'),
      'binding',
    );
    expect(placed).toHaveLength(3);
    expect(new Set(nodes)).toEqual(new Set(['control-1', 'control-2', 'control-3']));
    const [lost] = await settledPods(api, 'app=lost', 1);
    expect(lost.status.phase).toBe('Pending');
    const message =
      "0/5 nodes are available: 5 node(s) didn't match Pod's node affinity/selector. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.";
    expect(lost.status.conditions).toEqual([
      expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }),
    ]);
    const events = (
      await api.get(
        `/api/v1/namespaces/default/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${lost.metadata.name}`)}`,
      )
    ).body.items;
    expect(events).toEqual([
      expect.objectContaining({
        type: 'Warning',
        reason: 'FailedScheduling',
        message,
        source: { component: 'default-scheduler' },
      }),
    ]);
    const newEvents = (await api.get('/apis/events.k8s.io/v1/namespaces/default/events')).body.items;
    expect(newEvents).toContainEqual(
      expect.objectContaining({
        reason: 'FailedScheduling',
        note: message,
        reportingController: 'default-scheduler',
      }),
    );
    const d = (await api.get('/apis/apps/v1/namespaces/default/deployments/lost')).body;
    expect(available(d)).toBe('False');
  });

  it('honours taints, tolerations, resource requests and required pod anti-affinity from a fixture file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-fixture-'));
    try {
      const file = join(dir, 'cluster.yaml');
      const node = (name: string, taint: boolean) => `apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: {kubernetes.io/hostname: ${name}}}
spec:${taint ? '\n  taints: [{key: dedicated, value: db, effect: NoSchedule}]' : ' {}'}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "10"}
  capacity: {cpu: "2", memory: 4Gi, pods: "10"}
`;
      writeFileSync(file, [node('a', false), node('b', true)].join('---\n'));
      const api = await start({ cluster: file });
      expect((await api.get('/api/v1/nodes')).body.items).toHaveLength(2);
      expect((await api.get('/apis/storage.k8s.io/v1/storageclasses')).body.items).toEqual([]);
      await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('plain', podSpec(), 2));
      const plain = await settledPods(api, 'app=plain', 2);
      expect(plain.map((p) => p.spec.nodeName)).toEqual(['a', 'a']);
      await api.post(
        '/apis/apps/v1/namespaces/default/deployments',
        deployment(
          'db',
          podSpec({
            tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
            nodeSelector: { 'kubernetes.io/hostname': 'b' },
          }),
        ),
      );
      const [db] = await settledPods(api, 'app=db', 1);
      expect(db.spec.nodeName).toBe('b');
      await api.post(
        '/apis/apps/v1/namespaces/default/deployments',
        deployment('big', podSpec({}, { resources: { requests: { cpu: '3', memory: '1Gi' } } })),
      );
      const [big] = await settledPods(api, 'app=big', 1);
      expect(big.status.conditions[0].message).toBe(
        '0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: db}. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
      );
      const anti = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      };
      await api.post(
        '/apis/apps/v1/namespaces/default/deployments',
        deployment('spread', podSpec({ affinity: anti }), 2),
      );
      const spread = await settledPods(api, 'app=spread', 2);
      const pending = spread.filter((p) => !p.spec.nodeName);
      expect(pending).toHaveLength(1);
      expect(pending[0].status.conditions[0].message).toContain(
        "1 node(s) didn't match pod anti-affinity rules, 1 node(s) had untolerated taint {dedicated: db}",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the kubelet stand-in', () => {
  it('holds a container whose Secret key is missing in CreateContainerConfigError, and starts it once the key exists', async () => {
    const api = await start();
    const env = [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }];
    await api.post('/api/v1/namespaces/default/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      stringData: { user: 'admin' },
    });
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('app', podSpec({}, { env })));
    const [pod] = await settledPods(api, 'app=app', 1);
    const waiting = await waitUntil(
      async () => (await pods(api, 'app=app'))[0],
      (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
      'config error',
    );
    expect(waiting.status.containerStatuses[0].state.waiting.message).toBe(
      "couldn't find key password in Secret default/creds",
    );
    expect(waiting.status.phase).toBe('Pending');
    const events = (await api.get('/api/v1/namespaces/default/events')).body.items;
    expect(events).toContainEqual(
      expect.objectContaining({
        reason: 'Failed',
        type: 'Warning',
        message: "Error: couldn't find key password in Secret default/creds",
        involvedObject: expect.objectContaining({ kind: 'Pod', name: pod.metadata.name }),
      }),
    );
    await api.patch(
      '/api/v1/namespaces/default/secrets/creds',
      { stringData: { password: 'password' } },
      'merge',
    );
    const d = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/deployments/app')).body,
      (x) => available(x) === 'True',
      'available after the key arrives',
    );
    expect(d.status).toMatchObject({ readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 });
  });

  it('reports a FailedMount for a missing ConfigMap volume and InvalidImageName for a malformed image', async () => {
    const api = await start();
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment(
        'mount',
        podSpec(
          { volumes: [{ name: 'cfg', configMap: { name: 'absent' } }] },
          { volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] },
        ),
      ),
    );
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('img', podSpec({}, { image: 'Nginx:1.27' })),
    );
    await settledPods(api, 'app=mount', 1);
    await settledPods(api, 'app=img', 1);
    const events = await waitUntil(
      async () => (await api.get('/api/v1/namespaces/default/events')).body.items as Any[],
      (e) => e.some((x) => x.reason === 'FailedMount') && e.some((x) => x.reason === 'InspectFailed'),
      'events',
    );
    expect(events.find((x) => x.reason === 'FailedMount').message).toBe(
      'MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found',
    );
    const [img] = await pods(api, 'app=img');
    expect(img.status.containerStatuses[0].state.waiting).toEqual({
      reason: 'InvalidImageName',
      message:
        'Failed to apply default image tag "Nginx:1.27": couldn\'t parse image name "Nginx:1.27": invalid reference format',
    });
  });

  it('keeps a pod Pending while its claim names a StorageClass that does not exist', async () => {
    const api = await start();
    await api.post('/api/v1/namespaces/default/persistentvolumeclaims', {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'fast',
        resources: { requests: { storage: '1Gi' } },
      },
    });
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('db', podSpec({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] })),
    );
    const [pod] = await settledPods(api, 'app=db', 1);
    expect(pod.status.conditions[0].message).toContain('pod has unbound immediate PersistentVolumeClaims');
    const pvc = (await api.get('/api/v1/namespaces/default/persistentvolumeclaims/data')).body;
    expect(pvc.status.phase).toBe('Pending');
    const events = (await api.get('/api/v1/namespaces/default/events')).body.items;
    expect(events).toContainEqual(
      expect.objectContaining({
        reason: 'ProvisioningFailed',
        message: 'storageclass.storage.k8s.io "fast" not found',
      }),
    );
  });

  it('crash-loops a Kolla container without config.json and names what is missing; a complete one runs', async () => {
    const api = await start({ imageContracts: [kollaContract] });
    const image = 'quay.io/openstack.kolla/keystone:2025.1-ubuntu-noble';
    const config = {
      command: 'apache2 -DFOREGROUND',
      config_files: [
        {
          source: '/var/lib/kolla/config_files/keystone.conf',
          dest: '/etc/keystone/keystone.conf',
          owner: 'keystone',
          perm: '0600',
        },
        {
          source: '/var/lib/kolla/config_files/extra.conf',
          dest: '/etc/extra.conf',
          owner: 'keystone',
          perm: '0600',
          optional: true,
        },
      ],
    };
    const secret = (data: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'keystone' },
      stringData: data,
    });
    await api.post(
      '/api/v1/namespaces/default/secrets',
      secret({ 'keystone-api.json': JSON.stringify(config) }),
    );
    const volume = {
      name: 'kolla-keystone-api',
      projected: {
        sources: [
          { secret: { name: 'keystone' } },
          { secret: { name: 'keystone', items: [{ key: 'keystone-api.json', path: 'config.json' }] } },
        ],
      },
    };
    const mount = { name: 'kolla-keystone-api', mountPath: '/var/lib/kolla/config_files', readOnly: true };
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('bare', podSpec({}, { image })),
    );
    await api.post(
      '/apis/apps/v1/namespaces/default/deployments',
      deployment('kolla', podSpec({ volumes: [volume] }, { image, volumeMounts: [mount] })),
    );
    await settledPods(api, 'app=bare', 1);
    const bare = await waitUntil(
      async () => (await pods(api, 'app=bare'))[0],
      (p) => p.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      'crash loop',
    );
    expect(bare.status.phase).toBe('Running');
    expect(bare.status.containerStatuses[0].lastState.terminated.message).toBe(
      'kolla: /var/lib/kolla/config_files/config.json is missing (no volumeMount covers /var/lib/kolla/config_files/config.json)',
    );
    const kolla = await waitUntil(
      async () => (await pods(api, 'app=kolla'))[0],
      (p) => p?.status.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff',
      'missing source',
    );
    expect(kolla.status.containerStatuses[0].lastState.terminated.message).toBe(
      'kolla: config.json lists source /var/lib/kolla/config_files/keystone.conf, which is missing (volume kolla-keystone-api mounted at /var/lib/kolla/config_files has no keystone.conf (it has config.json, keystone-api.json))',
    );
    const events = (await api.get('/api/v1/namespaces/default/events')).body.items as Any[];
    expect(
      events.find((e) => e.reason === 'BackOff' && e.involvedObject.name === kolla.metadata.name).message,
    ).toContain('which is missing');
    await api.put(
      '/api/v1/namespaces/default/secrets/keystone',
      secret({ 'keystone-api.json': JSON.stringify(config), 'keystone.conf': '[DEFAULT]\n' }),
    );
    await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/deployments/kolla')).body,
      (d) => available(d) === 'True',
      'kolla deployment available',
    );
  });
});

describe('the workload controllers', () => {
  it('runs StatefulSet pods in ordinal order with their claims, DaemonSet pods on matching nodes, and Job pods to completion', async () => {
    const api = await start();
    await api.post('/apis/apps/v1/namespaces/default/statefulsets', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 3,
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: podSpec() },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    });
    await api.post('/apis/apps/v1/namespaces/default/daemonsets', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: podSpec({ nodeSelector: { 'openstack-compute-node': 'enabled' } }),
        },
      },
    });
    await api.post('/apis/batch/v1/namespaces/default/jobs', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once' },
      spec: { template: { spec: { ...podSpec(), restartPolicy: 'Never' } } },
    });
    const sts = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/statefulsets/db')).body,
      (s) => s.status?.readyReplicas === 3,
      'statefulset ready',
    );
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
    const dbPods = await pods(api, 'app=db');
    expect(dbPods.map((p) => p.metadata.name)).toEqual(['db-0', 'db-1', 'db-2']);
    expect(dbPods[1].spec.volumes).toContainEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'data-db-1' },
    });
    const claims = (await api.get('/api/v1/namespaces/default/persistentvolumeclaims')).body.items;
    expect(claims.map((c: Any) => [c.metadata.name, c.status.phase, c.spec.storageClassName])).toEqual([
      ['data-db-0', 'Bound', 'standard'],
      ['data-db-1', 'Bound', 'standard'],
      ['data-db-2', 'Bound', 'standard'],
    ]);
    // Ordered: each pod was created only once the one before it was ready.
    const created = ((await api.get('/api/v1/namespaces/default/events')).body.items as Any[])
      .filter((e) => e.involvedObject.kind === 'StatefulSet' && e.reason === 'SuccessfulCreate')
      .map((e) => e.message);
    expect(created.filter((m: string) => m.startsWith('create Pod'))).toEqual([
      'create Pod db-0 in StatefulSet db successful',
      'create Pod db-1 in StatefulSet db successful',
      'create Pod db-2 in StatefulSet db successful',
    ]);
    const ds = await waitUntil(
      async () => (await api.get('/apis/apps/v1/namespaces/default/daemonsets/agent')).body,
      (d) => d.status?.numberReady === 2,
      'daemonset ready',
    );
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberAvailable: 2,
    });
    expect((await pods(api, 'app=agent')).map((p) => p.spec.nodeName).sort()).toEqual([
      'compute-1',
      'compute-2',
    ]);
    const job = await waitUntil(
      async () => (await api.get('/apis/batch/v1/namespaces/default/jobs/once')).body,
      (j) => j.status?.succeeded === 1,
      'job complete',
    );
    expect(job.status.conditions.map((c: Any) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    const jobPods = await pods(api, 'batch.kubernetes.io/job-name=once');
    expect(jobPods.map((p) => p.status.phase)).toEqual(['Succeeded']);
  });

  it('records a revision per ReplicaSet and brings an older template back as the newest revision', async () => {
    const api = await start();
    const path = '/apis/apps/v1/namespaces/default/deployments/web';
    await api.post('/apis/apps/v1/namespaces/default/deployments', deployment('web', podSpec(), 2));
    await waitUntil(
      async () => (await api.get(path)).body,
      (d) => available(d) === 'True',
      'v1',
    );
    const image = (i: string) => ({
      spec: { template: { spec: { containers: [{ name: 'c', image: i }] } } },
    });
    await api.patch(path, image('nginx:1.28'), 'strategic');
    await waitUntil(
      async () => (await api.get(path)).body,
      (d) =>
        d.status?.observedGeneration === d.metadata.generation &&
        d.status?.updatedReplicas === 2 &&
        d.status?.replicas === 2,
      'v2',
    );
    await api.patch(path, image('nginx:1.27'), 'strategic');
    const d = await waitUntil(
      async () => (await api.get(path)).body,
      (x) =>
        x.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' &&
        x.status?.observedGeneration === x.metadata.generation &&
        x.status?.conditions?.some((c: Any) => c.reason === 'NewReplicaSetAvailable'),
      'back to v1',
    );
    expect(d.status.updatedReplicas).toBe(2);
    const rss = (await api.get('/apis/apps/v1/namespaces/default/replicasets')).body.items as Any[];
    const byRevision = Object.fromEntries(
      rss.map((r) => [
        r.metadata.annotations['deployment.kubernetes.io/revision'],
        r.spec.template.spec.containers[0].image,
      ]),
    );
    expect(byRevision).toEqual({ '2': 'nginx:1.28', '3': 'nginx:1.27' });
    const old = rss.find((r) => r.spec.template.spec.containers[0].image === 'nginx:1.27');
    expect(old.metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(rss.find((r) => r !== old).spec.replicas).toBe(0);
  });
});

describe('namespaces and discovery', () => {
  it('gives every namespace its default ServiceAccount and kube-root-ca.crt, and has the bootstrap ClusterRoles', async () => {
    const api = await start();
    await api.post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fresh' },
    });
    await sim!.settled();
    expect((await api.get('/api/v1/namespaces/fresh/serviceaccounts/default')).status).toBe(200);
    const ca = (await api.get('/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt')).body;
    expect(ca.data['ca.crt']).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    const roles = (await api.get('/apis/rbac.authorization.k8s.io/v1/clusterroles')).body.items.map(
      (r: Any) => r.metadata.name,
    );
    expect(roles).toEqual(expect.arrayContaining(['admin', 'cluster-admin', 'edit', 'view']));
    const view = (await api.get('/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).body;
    expect(view.metadata.labels['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
  });

  it('reports a terminating namespace with the namespace controller conditions and what remains', async () => {
    const api = await start({ namespaceDeletionDelayMs: 60_000 });
    await api.post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'going' },
    });
    await sim!.settled();
    await api.delete('/api/v1/namespaces/going');
    await sim!.settled();
    const ns = (await api.get('/api/v1/namespaces/going')).body;
    expect(ns.status.phase).toBe('Terminating');
    const byType = Object.fromEntries(ns.status.conditions.map((c: Any) => [c.type, [c.status, c.reason]]));
    expect(byType).toEqual({
      NamespaceDeletionDiscoveryFailure: ['False', 'ResourcesDiscovered'],
      NamespaceDeletionGroupVersionParsingFailure: ['False', 'ParsedGroupVersions'],
      NamespaceDeletionContentFailure: ['False', 'ContentDeleted'],
      NamespaceContentRemaining: ['True', 'SomeResourcesRemain'],
      NamespaceFinalizersRemaining: ['False', 'ContentHasNoFinalizers'],
    });
    expect(ns.status.conditions.find((c: Any) => c.type === 'NamespaceContentRemaining').message).toBe(
      'Some resources are remaining: configmaps. has 1 resource instances, serviceaccounts. has 1 resource instances',
    );
  });

  it('serves the rest of 1.32 discovery, with Leases as a real CRUD resource', async () => {
    const api = await start();
    const core = (await api.get('/api/v1')).body.resources.map((r: Any) => r.name);
    expect(core).toEqual(expect.arrayContaining(['replicationcontrollers', 'podtemplates', 'events']));
    const groups = (await api.get('/apis')).body.groups as Any[];
    const autoscaling = groups.find((g) => g.name === 'autoscaling');
    expect(autoscaling.versions.map((v: Any) => v.version)).toEqual(['v2', 'v1']);
    expect(autoscaling.preferredVersion.version).toBe('v2');
    for (const name of [
      'events.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'node.k8s.io',
      'admissionregistration.k8s.io',
    ])
      expect(groups.map((g) => g.name)).toContain(name);
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'lock' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 30 },
    };
    const created = await api.post('/apis/coordination.k8s.io/v1/namespaces/default/leases', lease);
    expect(created.status).toBe(201);
    const conflict = await api.put('/apis/coordination.k8s.io/v1/namespaces/default/leases/lock', {
      ...lease,
      metadata: { name: 'lock', resourceVersion: '1' },
      spec: { holderIdentity: 'b' },
    });
    expect(conflict.status).toBe(409);
    const taken = await api.put('/apis/coordination.k8s.io/v1/namespaces/default/leases/lock', {
      ...lease,
      metadata: { name: 'lock', resourceVersion: created.body.metadata.resourceVersion },
      spec: { holderIdentity: 'b' },
    });
    expect(taken.status).toBe(200);
    expect(taken.body.spec.holderIdentity).toBe('b');
    expect((await api.delete('/apis/coordination.k8s.io/v1/namespaces/default/leases/lock')).status).toBe(
      200,
    );
  });
});
