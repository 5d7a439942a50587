import { renderReference } from '../../src/render/pipeline.js';
import { podTemplateOf } from '../../src/render/post.js';
import type { RenderedRelease } from '../../src/model/types.js';
import { manifest, memoryPackage, memorySource } from './support.js';

const workloads = `apiVersion: v1
kind: ConfigMap
metadata: {name: api-config}
data:
  setting: {{quote api}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: worker-config}
data:
  setting: {{quote worker}}
---
apiVersion: v1
kind: Secret
metadata: {name: shared-secret}
stringData:
  password: {{quote password}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api
          envFrom: [{configMapRef: {name: api-config}}]
          env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: shared-secret, key: password}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: worker}
spec:
  serviceName: worker
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: example/worker}]
      volumes:
        - name: config
          projected:
            sources: [{configMap: {name: worker-config}}, {secret: {name: shared-secret}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup}
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: example/c}]
          volumes: [{name: c, configMap: {name: api-config}}, {name: gone, configMap: {name: not-in-release}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: example/a}]
      volumes: [{name: x, configMap: {name: not-in-release}}]
`;

const pkg = memoryPackage({
  'manifest.yaml': manifest('test/workloads', {
    variables: { api: 'a1', worker: 'w1', password: 'password' },
    resources: ['all.yaml.hbs'],
  }),
  'all.yaml.hbs': workloads,
});
const source = memorySource([pkg]);

async function checksums(sets: string[]): Promise<Record<string, string | undefined>> {
  const release: RenderedRelease = await renderReference({
    reference: 'test/workloads',
    namespace: 'ns',
    source,
    sets,
  });
  const out: Record<string, string | undefined> = {};
  for (const { object } of release.packages[0]?.objects ?? []) {
    const template = podTemplateOf(object) as
      { metadata?: { annotations?: Record<string, string> } } | undefined;
    if (template)
      out[object.metadata.name] = template.metadata?.annotations?.['stackanetes.io/config-checksum'];
  }
  return out;
}

describe('the stackanetes.io/config-checksum pod annotation', () => {
  it('is set on pods that reference ConfigMaps or Secrets of the release, and absent when none is found', async () => {
    const sums = await checksums([]);
    expect(sums.api).toMatch(/^[0-9a-f]{64}$/);
    expect(sums.worker).toMatch(/^[0-9a-f]{64}$/);
    expect(sums.cleanup).toMatch(/^[0-9a-f]{64}$/);
    expect(sums.agent).toBeUndefined();
    expect(new Set([sums.api, sums.worker, sums.cleanup]).size).toBe(3);
  });

  it('changes only for the pods that use a changed ConfigMap', async () => {
    const before = await checksums([]);
    const after = await checksums(['api=a2']);
    expect(after.api).not.toBe(before.api);
    expect(after.cleanup).not.toBe(before.cleanup);
    expect(after.worker).toBe(before.worker);
  });

  it('changes for every pod that uses a changed Secret, through env valueFrom and projected volumes', async () => {
    const before = await checksums([]);
    const after = await checksums(['password=changed']);
    expect(after.api).not.toBe(before.api);
    expect(after.worker).not.toBe(before.worker);
    expect(after.cleanup).toBe(before.cleanup);
  });
});

describe('namespace and labels', () => {
  const scoped = memoryPackage({
    // Declares what it writes outside the release namespace, as any such package must.
    'manifest.yaml': `${manifest('test/scopes', { resources: ['all.yaml.hbs'] })}scope: {cluster: true, namespaces: [kube-system]}\n`,
    'all.yaml.hbs': `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader, namespace: wrong}
rules: []
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: elsewhere, namespace: kube-system}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
---
apiVersion: other.example.com/v1
kind: Gadget
metadata: {name: g}
`,
  });

  it('sets the namespace only on namespaced kinds, honouring CRD scope and explicit namespaces', async () => {
    const release = await renderReference({
      reference: 'test/scopes',
      namespace: 'openstack',
      source: memorySource([scoped]),
    });
    const ns = Object.fromEntries(
      release.packages[0]!.objects.map(({ object }) => [object.metadata.name, object.metadata.namespace]),
    );
    expect(ns).toEqual({
      reader: undefined,
      sa: 'openstack',
      elsewhere: 'kube-system',
      'widgets.example.com': undefined,
      w: undefined,
      g: 'openstack',
    });
    expect(release.warnings.join('\n')).toMatch(/no schema for Widget/);
    expect(release.warnings.join('\n')).toMatch(/no schema for Gadget/);
  });

  it('labels every object with the manager, the release and a label-safe package name', async () => {
    const release = await renderReference({
      reference: 'test/scopes',
      namespace: 'openstack',
      release: 'cloud',
      source: memorySource([scoped]),
    });
    for (const { object } of release.packages[0]!.objects) {
      expect(object.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'stackanetes',
        'app.kubernetes.io/part-of': 'cloud',
        'stackanetes.io/package': 'test.scopes',
      });
      expect(object.metadata.annotations?.['stackanetes.io/package']).toBe('test/scopes');
    }
  });
});
