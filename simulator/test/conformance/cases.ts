/**
 * The conformance corpus: objects a kube-apiserver 1.32 refuses (or stores differently from how
 * they were sent), each with the status code, reason and field path the real server answers.
 * Written from the upstream validation rules and their tests (pkg/apis/core/validation,
 * apps, batch, networking, policy, rbac, apiextensions); every case runs over HTTP and, where
 * kubectl can send it, through the real kubectl too.
 */
import type { JsonObject } from '../../src/json.js';

type Obj = JsonObject;

/** What the server must answer. */
export interface Expectation {
  code: number;
  reason: string;
  /** The `details.causes[].field` that must be present (422) */
  field?: string;
  /** A substring of the Status message (and of kubectl's error output) */
  message?: string;
}

export interface Case {
  name: string;
  /** Objects created before (in the case's namespace unless cluster-scoped). */
  setup?: Obj[];
  /** The object sent: created, or (with `update`) sent as a PUT over the first setup object. */
  object: Obj;
  update?: boolean;
  /** `fieldValidation` for the request (default: Strict, what kubectl sends). */
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  /** Raw JSON text to send instead of `object` (duplicate keys). */
  raw?: string;
  /** Send as a server-side apply instead of a create. */
  apply?: boolean;
  expect: Expectation;
  /** For accepted writes: the stored value at a dotted path (`spec.x[0].y`). */
  stored?: { path: string; value: unknown };
  /** A `Warning` header substring the answer must carry. */
  warning?: string;
  /** Whether kubectl can send it (default true). */
  kubectl?: boolean;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

type Mod = (o: Obj & { [k: string]: any }) => void; // eslint-disable-line @typescript-eslint/no-explicit-any

function make(base: Obj, mod?: Mod): Obj {
  const o = clone(base);
  mod?.(o as Obj & { [k: string]: any }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return o;
}

const container = { name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, name: 'http' }] };
const deploymentBase: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
  },
};
const deploy = (mod?: Mod): Obj => make(deploymentBase, mod);
/** A Deployment whose first container is changed by `mod`. */
const withContainer = (mod: Mod): Obj => deploy((d) => mod(d.spec.template.spec.containers[0]));
const withPodSpec = (mod: Mod): Obj => deploy((d) => mod(d.spec.template.spec));

const statefulSet = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        replicas: 1,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'mariadb:11' }] },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
    mod,
  );

const daemonSet = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { containers: [{ name: 'a', image: 'busybox:1' }] },
        },
      },
    },
    mod,
  );

const job = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'db-sync' },
      spec: {
        template: {
          spec: { restartPolicy: 'OnFailure', containers: [{ name: 'sync', image: 'busybox:1' }] },
        },
      },
    },
    mod,
  );

const cronJob = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cleanup' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1' }] } },
          },
        },
      },
    },
    mod,
  );

const service = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'api' },
      spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    mod,
  );

const ingress = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'front' },
      spec: {
        rules: [
          {
            host: 'cloud.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'api', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    mod,
  );

const pdb = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'api' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'api' } } },
    },
    mod,
  );

const configMap = (mod?: Mod): Obj =>
  make({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } }, mod);
const secret = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      type: 'Opaque',
      data: { password: 'c2VjcmV0' },
    },
    mod,
  );
const pvc = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
    },
    mod,
  );
/** The StorageClass the simulator defaults claims to, so claims bind. */
const standardClass: Obj = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'kubernetes.io/no-provisioner',
};
const role = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
    },
    mod,
  );
const roleBinding = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'default' }],
    },
    mod,
  );
const clusterRoleBinding = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'conformance-reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    },
    mod,
  );
const crd = (mod?: Mod): Obj =>
  make(
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.conformance.example.com' },
      spec: {
        group: 'conformance.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: {
                      size: { type: 'integer', minimum: 1, maximum: 10 },
                      mode: { type: 'string', enum: ['fast', 'safe'] },
                      name: { type: 'string', pattern: '^[a-z]+$' },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
    mod,
  );
const widget = (spec: Obj): Obj => ({
  apiVersion: 'conformance.example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  spec,
});

const invalid = (field: string, message: string): Expectation => ({
  code: 422,
  reason: 'Invalid',
  field,
  message,
});
const created: Expectation = { code: 201, reason: '' };
const ok: Expectation = { code: 200, reason: '' };
const badRequest = (message: string): Expectation => ({ code: 400, reason: 'BadRequest', message });
const c0 = 'spec.template.spec.containers[0]';

export const cases: Case[] = [
  // --- names, labels, annotations
  {
    name: 'a Deployment name with upper case letters is not a DNS-1123 subdomain',
    object: deploy((d) => (d.metadata.name = 'Web')),
    expect: invalid('metadata.name', 'a lowercase RFC 1123 subdomain must consist of'),
  },
  {
    name: 'a Service name must be a DNS-1035 label (no leading digit)',
    object: service((s) => (s.metadata.name = '1api')),
    expect: invalid('metadata.name', 'a DNS-1035 label must consist of'),
  },
  {
    name: 'a label value longer than 63 characters is invalid',
    object: configMap((c) => (c.metadata.labels = { app: 'x'.repeat(64) })),
    expect: invalid('metadata.labels', 'must be no more than 63 characters'),
  },
  {
    name: 'a label value with a space is invalid',
    object: configMap((c) => (c.metadata.labels = { app: 'my app' })),
    expect: invalid('metadata.labels', 'a valid label must be an empty string'),
  },
  {
    name: 'a label key with two slashes is invalid',
    object: configMap((c) => (c.metadata.labels = { 'a/b/c': 'x' })),
    expect: invalid('metadata.labels', 'a qualified name must consist of'),
  },
  {
    name: 'an annotation key with a space is invalid',
    object: configMap((c) => (c.metadata.annotations = { 'bad key': 'x' })),
    expect: invalid('metadata.annotations', 'name part must consist of alphanumeric characters'),
  },
  {
    name: 'a ClusterRole name may contain colons (path segment names)',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:conformance:reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    },
    expect: created,
  },
  // --- decoding and field validation
  {
    name: 'containerPort "eighty" cannot be decoded into int32',
    object: withContainer((c) => (c.ports = [{ containerPort: 'eighty' }])),
    expect: badRequest(
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
    ),
  },
  {
    name: 'replicas "three" cannot be decoded into int32',
    object: deploy((d) => (d.spec.replicas = 'three')),
    expect: badRequest(
      'cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    ),
  },
  {
    name: 'a boolean given as a string cannot be decoded',
    object: configMap((c) => (c.immutable = 'yes')),
    expect: badRequest('cannot unmarshal string into Go struct field ConfigMap.immutable of type bool'),
  },
  {
    name: 'env given as a map cannot be decoded into a list',
    object: withContainer((c) => (c.env = { A: '1' })),
    expect: badRequest(
      'cannot unmarshal object into Go struct field Container.spec.template.spec.containers.env of type []v1.EnvVar',
    ),
  },
  {
    name: 'the quantity "2 cores" is not a quantity',
    object: withContainer((c) => (c.resources = { requests: { cpu: '2 cores' } })),
    expect: badRequest(
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ),
  },
  {
    name: 'a nested unknown field (imagePullpolicy) is refused under fieldValidation=Strict',
    object: withContainer((c) => (c.imagePullpolicy = 'Always')),
    expect: badRequest(
      'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullpolicy"',
    ),
  },
  {
    name: 'an unknown field is accepted with a Warning under fieldValidation=Warn',
    object: withContainer((c) => (c.imagePullpolicy = 'Always')),
    fieldValidation: 'Warn',
    expect: created,
    warning: 'unknown field \\"spec.template.spec.containers[0].imagePullpolicy\\"',
    stored: { path: 'spec.template.spec.containers[0].imagePullpolicy', value: undefined },
  },
  {
    name: 'an unknown field is dropped silently under fieldValidation=Ignore',
    object: configMap((c) => (c.dta = { a: 'b' })),
    fieldValidation: 'Ignore',
    expect: created,
    stored: { path: 'dta', value: undefined },
  },
  {
    name: 'an unknown metadata field is refused under Strict',
    object: configMap((c) => (c.metadata.lables = { a: 'b' })),
    expect: badRequest('unknown field "metadata.lables"'),
  },
  {
    name: 'a duplicate field in a JSON body is refused under Strict',
    object: configMap(),
    raw: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"a":"1"},"data":{"b":"2"}}',
    expect: badRequest('duplicate field "data"'),
    kubectl: false,
  },
  {
    name: 'server-side apply refuses a field the schema does not declare',
    object: withContainer((c) => (c.imagePullpolicy = 'Always')),
    apply: true,
    expect: badRequest(
      '.spec.template.spec.containers[name="app"].imagePullpolicy: field not declared in schema',
    ),
  },
  // --- containers and pod specs
  {
    name: 'a container port name over 15 characters is not an IANA_SVC_NAME',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, name: 'averyveryverylongname' }])),
    expect: invalid(`${c0}.ports[0].name`, 'must be no more than 15 characters'),
  },
  {
    name: 'a container port name with upper case letters is invalid',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, name: 'HTTP' }])),
    expect: invalid(
      `${c0}.ports[0].name`,
      'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
    ),
  },
  {
    name: 'a port name of digits only needs a letter',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, name: '8080' }])),
    expect: invalid(`${c0}.ports[0].name`, 'must contain at least one letter (a-z)'),
  },
  {
    name: 'a port name with consecutive hyphens is invalid',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, name: 'my--port' }])),
    expect: invalid(`${c0}.ports[0].name`, 'must not contain consecutive hyphens'),
  },
  {
    name: 'two container ports with one name are duplicates within the pod',
    object: withContainer(
      (c) =>
        (c.ports = [
          { containerPort: 80, name: 'http' },
          { containerPort: 81, name: 'http' },
        ]),
    ),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.ports[1].name`,
      message: 'Duplicate value: "http"',
    },
  },
  {
    name: 'a containerPort above 65535 is out of range',
    object: withContainer((c) => (c.ports = [{ containerPort: 70000 }])),
    expect: invalid(`${c0}.ports[0].containerPort`, 'must be between 1 and 65535, inclusive'),
  },
  {
    name: 'a port protocol other than TCP, UDP, SCTP is not supported',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, protocol: 'HTTP' }])),
    expect: invalid(
      `${c0}.ports[0].protocol`,
      'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
    ),
  },
  {
    name: 'under hostNetwork a hostPort must equal the containerPort',
    object: withPodSpec((s) => {
      s.hostNetwork = true;
      s.containers[0].ports = [{ containerPort: 80, hostPort: 81 }];
    }),
    expect: invalid(`${c0}.ports[0].hostPort`, 'must match `containerPort` when `hostNetwork` is true'),
  },
  {
    name: 'a volumeMount naming no volume is not found',
    object: withContainer((c) => (c.volumeMounts = [{ name: 'config', mountPath: '/etc/app' }])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.volumeMounts[0].name`,
      message: 'Not found: "config"',
    },
  },
  {
    name: 'a volumeMount without mountPath is required',
    object: withPodSpec((s) => {
      s.volumes = [{ name: 'config', emptyDir: {} }];
      s.containers[0].volumeMounts = [{ name: 'config' }];
    }),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.volumeMounts[0].mountPath`,
      message: 'Required value',
    },
  },
  {
    name: 'two mounts at one path must be unique',
    object: withPodSpec((s) => {
      s.volumes = [
        { name: 'a', emptyDir: {} },
        { name: 'b', emptyDir: {} },
      ];
      s.containers[0].volumeMounts = [
        { name: 'a', mountPath: '/data' },
        { name: 'b', mountPath: '/data' },
      ];
    }),
    expect: invalid(`${c0}.volumeMounts[1].mountPath`, 'must be unique'),
  },
  {
    name: 'two volumes with one name are duplicates',
    object: withPodSpec((s) => {
      s.volumes = [
        { name: 'a', emptyDir: {} },
        { name: 'a', emptyDir: {} },
      ];
    }),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.template.spec.volumes[1].name',
      message: 'Duplicate value: "a"',
    },
  },
  {
    name: 'a volume with two sources may not specify more than 1 volume type',
    object: withPodSpec((s) => {
      s.volumes = [{ name: 'a', emptyDir: {}, hostPath: { path: '/tmp' } }];
    }),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.template.spec.volumes[0].hostPath',
      message: 'may not specify more than 1 volume type',
    },
  },
  {
    name: 'a volume without a source must specify a volume type',
    object: withPodSpec((s) => {
      s.volumes = [{ name: 'a' }];
    }),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.template.spec.volumes[0]',
      message: 'must specify a volume type',
    },
  },
  {
    name: 'a secret volume item path must be relative',
    object: withPodSpec((s) => {
      s.volumes = [{ name: 'a', secret: { secretName: 'creds', items: [{ key: 'k', path: '/abs' }] } }];
    }),
    expect: invalid('spec.template.spec.volumes[0].secret.items[0].path', 'must be a relative path'),
  },
  {
    name: 'a probe with two handlers may not specify more than 1 handler type',
    object: withContainer(
      (c) => (c.livenessProbe = { httpGet: { path: '/', port: 80 }, tcpSocket: { port: 80 } }),
    ),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.livenessProbe.tcpSocket`,
      message: 'may not specify more than 1 handler type',
    },
  },
  {
    name: 'a probe without a handler must specify one',
    object: withContainer((c) => (c.readinessProbe = { periodSeconds: 5 })),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.readinessProbe`,
      message: 'must specify a handler type',
    },
  },
  {
    name: 'a liveness probe successThreshold must be 1',
    object: withContainer((c) => (c.livenessProbe = { tcpSocket: { port: 80 }, successThreshold: 2 })),
    expect: invalid(`${c0}.livenessProbe.successThreshold`, 'must be 1'),
  },
  {
    name: 'a probe port name longer than 15 characters is invalid',
    object: withContainer(
      (c) => (c.readinessProbe = { httpGet: { path: '/', port: 'averyveryverylongname' } }),
    ),
    expect: invalid(`${c0}.readinessProbe.httpGet.port`, 'must be no more than 15 characters'),
  },
  {
    name: 'requests above limits are invalid',
    object: withContainer((c) => (c.resources = { requests: { cpu: '2' }, limits: { cpu: '1' } })),
    expect: invalid(`${c0}.resources.requests`, 'must be less than or equal to cpu limit of 1'),
  },
  {
    name: 'a memory request above its limit is invalid',
    object: withContainer((c) => (c.resources = { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } })),
    expect: invalid(`${c0}.resources.requests`, 'must be less than or equal to memory limit of 1Gi'),
  },
  {
    name: 'a resource name that is neither standard nor qualified is invalid',
    object: withContainer((c) => (c.resources = { limits: { gpu: '1' } })),
    expect: invalid(`${c0}.resources.limits[gpu]`, 'must be a standard resource type or fully qualified'),
  },
  {
    name: 'imagePullPolicy Sometimes is not supported',
    object: withContainer((c) => (c.imagePullPolicy = 'Sometimes')),
    expect: invalid(
      `${c0}.imagePullPolicy`,
      'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
    ),
  },
  {
    name: 'a container without an image is invalid',
    object: withContainer((c) => delete c.image),
    expect: { code: 422, reason: 'Invalid', field: `${c0}.image`, message: 'Required value' },
  },
  {
    name: 'a container name with upper case letters is not a DNS-1123 label',
    object: withContainer((c) => (c.name = 'App')),
    expect: invalid(`${c0}.name`, 'a lowercase RFC 1123 label must consist of'),
  },
  {
    name: 'two containers with one name are duplicates',
    object: withPodSpec((s) => s.containers.push({ name: 'app', image: 'busybox:1' })),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.template.spec.containers[1].name',
      message: 'Duplicate value: "app"',
    },
  },
  {
    name: 'an env var without a name is required',
    object: withContainer((c) => (c.env = [{ value: 'x' }])),
    expect: { code: 422, reason: 'Invalid', field: `${c0}.env[0].name`, message: 'Required value' },
  },
  {
    name: 'an env var name with "=" is invalid',
    object: withContainer((c) => (c.env = [{ name: 'A=B', value: 'x' }])),
    expect: invalid(
      `${c0}.env[0].name`,
      'a valid environment variable name must consist only of printable ASCII characters',
    ),
  },
  {
    name: 'an env var with value and valueFrom is invalid',
    object: withContainer(
      (c) => (c.env = [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]),
    ),
    expect: invalid(`${c0}.env[0].valueFrom`, 'may not be specified when `value` is not empty'),
  },
  {
    name: 'a secretKeyRef without key is required',
    object: withContainer((c) => (c.env = [{ name: 'A', valueFrom: { secretKeyRef: { name: 's' } } }])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: `${c0}.env[0].valueFrom.secretKeyRef.key`,
      message: 'Required value',
    },
  },
  {
    name: 'duplicate env names in a server-side apply are refused',
    object: withContainer(
      (c) =>
        (c.env = [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ]),
    ),
    apply: true,
    expect: badRequest('duplicate entries for key [name="A"]'),
  },
  {
    name: 'a toleration operator must be Equal or Exists',
    object: withPodSpec((s) => (s.tolerations = [{ key: 'a', operator: 'Is' }])),
    expect: invalid('spec.template.spec.tolerations[0].operator', 'Unsupported value: "Is"'),
  },
  {
    name: 'a dnsPolicy must be one of the four',
    object: withPodSpec((s) => (s.dnsPolicy = 'Cluster')),
    expect: invalid('spec.template.spec.dnsPolicy', 'Unsupported value: "Cluster"'),
  },
  {
    name: 'a nodeSelector value with a space is not a label value',
    object: withPodSpec((s) => (s.nodeSelector = { role: 'control plane' })),
    expect: invalid('spec.template.spec.nodeSelector', 'a valid label must be an empty string'),
  },
  // --- workloads
  {
    name: 'a Deployment with restartPolicy Never is invalid',
    object: withPodSpec((s) => (s.restartPolicy = 'Never')),
    expect: invalid(
      'spec.template.spec.restartPolicy',
      'Unsupported value: "Never": supported values: "Always"',
    ),
  },
  {
    name: 'a Recreate strategy with rollingUpdate is forbidden',
    object: deploy((d) => (d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } })),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.strategy.rollingUpdate',
      message: "may not be specified when strategy `type` is 'Recreate'",
    },
  },
  {
    name: 'a strategy type other than Recreate or RollingUpdate is not supported',
    object: deploy((d) => (d.spec.strategy = { type: 'BlueGreen' })),
    expect: invalid('spec.strategy.type', 'Unsupported value: "BlueGreen"'),
  },
  {
    name: 'maxUnavailable and maxSurge may not both be 0',
    object: deploy(
      (d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
    ),
    expect: invalid('spec.strategy.rollingUpdate.maxUnavailable', 'may not be 0 when `maxSurge` is 0'),
  },
  {
    name: 'a maxSurge above 100% is invalid',
    object: deploy((d) => (d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '150%' } })),
    expect: invalid('spec.strategy.rollingUpdate.maxSurge', 'must not be greater than 100%'),
  },
  {
    name: 'a selector that does not match the template labels is invalid',
    object: deploy((d) => (d.spec.template.metadata.labels = { app: 'other' })),
    expect: invalid('spec.template.metadata.labels', '`selector` does not match template `labels`'),
  },
  {
    name: 'a selector matchExpression that excludes the template is invalid',
    object: deploy(
      (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] }),
    ),
    expect: invalid('spec.template.metadata.labels', '`selector` does not match template `labels`'),
  },
  {
    name: 'an empty selector is invalid for a deployment',
    object: deploy((d) => (d.spec.selector = {})),
    expect: invalid('spec.selector', 'empty selector is invalid for deployment'),
  },
  {
    name: 'negative replicas are invalid',
    object: deploy((d) => (d.spec.replicas = -1)),
    expect: invalid('spec.replicas', 'must be greater than or equal to 0'),
  },
  {
    name: 'progressDeadlineSeconds must exceed minReadySeconds',
    object: deploy((d) => {
      d.spec.minReadySeconds = 30;
      d.spec.progressDeadlineSeconds = 10;
    }),
    expect: invalid('spec.progressDeadlineSeconds', 'must be greater than minReadySeconds'),
  },
  {
    name: 'a StatefulSet podManagementPolicy must be OrderedReady or Parallel',
    object: statefulSet((s) => (s.spec.podManagementPolicy = 'Fast')),
    expect: invalid('spec.podManagementPolicy', 'Unsupported value: "Fast"'),
  },
  {
    name: 'a StatefulSet volumeClaimTemplate without access modes is invalid',
    object: statefulSet((s) => (s.spec.volumeClaimTemplates[0].spec.accessModes = [])),
    expect: invalid('spec.volumeClaimTemplates[0].spec.accessModes', 'at least 1 access mode is required'),
  },
  {
    name: 'a StatefulSet may mount its volumeClaimTemplate by name',
    object: statefulSet(
      (s) =>
        (s.spec.template.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/var/lib/mysql' }]),
    ),
    expect: created,
  },
  {
    name: 'a DaemonSet updateStrategy type must be OnDelete or RollingUpdate',
    object: daemonSet((d) => (d.spec.updateStrategy = { type: 'Always' })),
    expect: invalid('spec.updateStrategy.type', 'Unsupported value: "Always"'),
  },
  {
    name: 'a Job with restartPolicy Always is invalid',
    object: job((j) => (j.spec.template.spec.restartPolicy = 'Always')),
    expect: invalid(
      'spec.template.spec.restartPolicy',
      'Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ),
  },
  {
    name: 'a negative backoffLimit is invalid',
    object: job((j) => (j.spec.backoffLimit = -1)),
    expect: invalid('spec.backoffLimit', 'must be greater than or equal to 0'),
  },
  {
    name: 'a CronJob schedule with three fields is invalid',
    object: cronJob((c) => (c.spec.schedule = '* * *')),
    expect: invalid('spec.schedule', 'expected exactly 5 fields, found 3'),
  },
  {
    name: 'a CronJob concurrencyPolicy must be Allow, Forbid or Replace',
    object: cronJob((c) => (c.spec.concurrencyPolicy = 'Never')),
    expect: invalid('spec.concurrencyPolicy', 'Unsupported value: "Never"'),
  },
  {
    name: 'a CronJob name longer than 52 characters is invalid',
    object: cronJob((c) => (c.metadata.name = 'c'.repeat(53))),
    expect: invalid('metadata.name', 'must be no more than 52 characters'),
  },
  {
    name: 'a CronJob job template with restartPolicy Always is invalid',
    object: cronJob((c) => (c.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always')),
    expect: invalid('spec.jobTemplate.spec.template.spec.restartPolicy', 'Unsupported value: "Always"'),
  },
  // --- Services, Ingress, PDB
  {
    name: 'a Service with two unnamed ports needs port names',
    object: service((s) => (s.spec.ports = [{ port: 80 }, { port: 443 }])),
    expect: { code: 422, reason: 'Invalid', field: 'spec.ports[0].name', message: 'Required value' },
  },
  {
    name: 'two Service ports with one name are duplicates',
    object: service(
      (s) =>
        (s.spec.ports = [
          { port: 80, name: 'http' },
          { port: 443, name: 'http' },
        ]),
    ),
    expect: { code: 422, reason: 'Invalid', field: 'spec.ports[1].name', message: 'Duplicate value: "http"' },
  },
  {
    name: 'a Service port name is a DNS-1123 label, so digits and a hyphen are valid',
    object: service((s) => (s.spec.ports = [{ port: 80, targetPort: 8080, name: '80-8080' }])),
    expect: created,
  },
  {
    name: 'a Service port name with upper case letters is not a DNS-1123 label',
    object: service((s) => (s.spec.ports = [{ port: 80, name: 'HTTP' }])),
    expect: invalid('spec.ports[0].name', 'a lowercase RFC 1123 label must consist of'),
  },
  {
    name: 'a Service port of 0 is required',
    object: service((s) => (s.spec.ports = [{ port: 0 }])),
    kubectl: true,
    expect: { code: 422, reason: 'Invalid', field: 'spec.ports[0].port', message: 'Required value' },
  },
  {
    name: 'a Service targetPort name over 15 characters is invalid',
    object: service((s) => (s.spec.ports = [{ port: 80, targetPort: 'averyveryverylongname' }])),
    expect: invalid('spec.ports[0].targetPort', 'must be no more than 15 characters'),
  },
  {
    name: 'a Service type must be one of the four',
    object: service((s) => (s.spec.type = 'Internal')),
    expect: invalid('spec.type', 'Unsupported value: "Internal"'),
  },
  {
    name: 'a nodePort on a ClusterIP Service is forbidden',
    object: service((s) => (s.spec.ports = [{ port: 80, nodePort: 30080 }])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.ports[0].nodePort',
      message: "may not be used when `type` is 'ClusterIP'",
    },
  },
  {
    name: 'an ExternalName Service needs an externalName',
    object: service((s) => {
      s.spec = { type: 'ExternalName' };
    }),
    expect: { code: 422, reason: 'Invalid', field: 'spec.externalName', message: 'Required value' },
  },
  {
    name: 'an Ingress path without pathType is required',
    object: ingress((i) => delete i.spec.rules[0].http.paths[0].pathType),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.rules[0].http.paths[0].pathType',
      message: 'Required value: pathType must be specified',
    },
  },
  {
    name: 'an Ingress pathType must be Exact, ImplementationSpecific or Prefix',
    object: ingress((i) => (i.spec.rules[0].http.paths[0].pathType = 'Regex')),
    expect: invalid('spec.rules[0].http.paths[0].pathType', 'Unsupported value: "Regex"'),
  },
  {
    name: 'an Ingress path must be absolute',
    object: ingress((i) => (i.spec.rules[0].http.paths[0].path = 'api')),
    expect: invalid('spec.rules[0].http.paths[0].path', 'must be an absolute path'),
  },
  {
    name: 'an Ingress backend port needs a name or a number',
    object: ingress((i) => (i.spec.rules[0].http.paths[0].backend.service.port = {})),
    expect: invalid('spec.rules[0].http.paths[0].backend.service.port', 'port name or number is required'),
  },
  {
    name: 'an Ingress host with upper case letters is invalid',
    object: ingress((i) => (i.spec.rules[0].host = 'Cloud.example.com')),
    expect: invalid('spec.rules[0].host', 'a lowercase RFC 1123 subdomain'),
  },
  {
    name: 'a PDB with minAvailable and maxUnavailable is invalid',
    object: pdb((p) => (p.spec.maxUnavailable = 1)),
    expect: invalid('spec', 'minAvailable and maxUnavailable cannot be both set'),
  },
  {
    name: 'a PDB minAvailable above 100% is invalid',
    object: pdb((p) => (p.spec.minAvailable = '120%')),
    expect: invalid('spec.minAvailable', 'must not be greater than 100%'),
  },
  {
    name: 'an IngressClass controller must be a domain-prefixed path',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'conformance-class' },
      spec: { controller: 'traefik' },
    },
    expect: invalid('spec.controller', 'must be a domain-prefixed path (such as "acme.io/foo")'),
  },
  {
    name: 'a StorageClass reclaimPolicy must be Delete or Retain',
    object: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'conformance-keep' },
      provisioner: 'kubernetes.io/no-provisioner',
      reclaimPolicy: 'Keep',
    },
    expect: invalid('reclaimPolicy', 'Unsupported value: "Keep": supported values: "Delete", "Retain"'),
  },
  // --- ConfigMaps, Secrets
  {
    name: 'a ConfigMap key with a space and a slash is not a config key',
    object: configMap((c) => (c.data = { 'bad key/slash': 'x' })),
    expect: invalid(
      'data[bad key/slash]',
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    ),
  },
  {
    name: 'a key in both data and binaryData is a duplicate',
    object: configMap((c) => {
      c.data = { a: 'x' };
      c.binaryData = { a: 'eA==' };
    }),
    expect: invalid('binaryData[a]', 'duplicate of key present in binaryData'),
  },
  {
    name: 'a Secret key with a slash is not a config key',
    object: secret((s) => (s.data = { 'a/b': 'eA==' })),
    expect: invalid('data[a/b]', 'a valid config key must consist of'),
  },
  {
    name: 'a kubernetes.io/tls Secret needs tls.key and tls.crt',
    object: secret((s) => {
      s.type = 'kubernetes.io/tls';
      s.data = { 'tls.crt': 'eA==' };
    }),
    expect: { code: 422, reason: 'Invalid', field: 'data[tls.key]', message: 'Required value' },
  },
  {
    name: 'a dockerconfigjson Secret needs .dockerconfigjson',
    object: secret((s) => (s.type = 'kubernetes.io/dockerconfigjson')),
    expect: { code: 422, reason: 'Invalid', field: 'data[.dockerconfigjson]', message: 'Required value' },
  },
  // --- PVCs
  {
    name: 'a PVC without access modes is invalid',
    object: pvc((p) => delete p.spec.accessModes),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.accessModes',
      message: 'at least 1 access mode is required',
    },
  },
  {
    name: 'a PVC access mode RWO (an abbreviation) is not supported',
    object: pvc((p) => (p.spec.accessModes = ['RWO'])),
    expect: invalid('spec.accessModes', 'Unsupported value: "RWO"'),
  },
  {
    name: 'a PVC without a storage request is invalid',
    object: pvc((p) => (p.spec.resources = {})),
    expect: { code: 422, reason: 'Invalid', field: 'spec.resources[storage]', message: 'Required value' },
  },
  // --- RBAC
  {
    name: 'a Role rule without verbs is invalid',
    object: role((r) => (r.rules = [{ apiGroups: [''], resources: ['pods'], verbs: [] }])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'rules[0].verbs',
      message: 'verbs must contain at least one value',
    },
  },
  {
    name: 'a Role rule without apiGroups is invalid',
    object: role((r) => (r.rules = [{ resources: ['pods'], verbs: ['get'] }])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'rules[0].apiGroups',
      message: 'resource rules must supply at least one api group',
    },
  },
  {
    name: 'a Role may not grant non-resource URLs',
    object: role((r) => (r.rules = [{ nonResourceURLs: ['/healthz'], verbs: ['get'] }])),
    expect: invalid('rules[0].nonResourceURLs', 'namespaced rules cannot apply to non-resource URLs'),
  },
  {
    name: 'a RoleBinding roleRef kind must be Role or ClusterRole',
    object: roleBinding((b) => (b.roleRef.kind = 'Group')),
    expect: invalid('roleRef.kind', 'Unsupported value: "Group": supported values: "Role", "ClusterRole"'),
  },
  {
    name: 'a ClusterRoleBinding ServiceAccount subject needs a namespace',
    object: clusterRoleBinding((b) => delete b.subjects[0].namespace),
    expect: { code: 422, reason: 'Invalid', field: 'subjects[0].namespace', message: 'Required value' },
  },
  {
    name: 'a subject kind must be ServiceAccount, User or Group',
    object: roleBinding((b) => (b.subjects = [{ kind: 'Robot', name: 'r' }])),
    expect: invalid('subjects[0].kind', 'Unsupported value: "Robot"'),
  },
  // --- CRDs and custom resources
  {
    name: 'a CRD version without a schema is invalid',
    object: crd((c) => delete c.spec.versions[0].schema),
    expect: invalid('spec.versions[0].schema.openAPIV3Schema', 'schemas are required'),
  },
  {
    name: 'a CRD schema without a root type is not structural',
    object: crd((c) => delete c.spec.versions[0].schema.openAPIV3Schema.type),
    expect: invalid('spec.versions[0].schema.openAPIV3Schema.type', 'must not be empty at the root'),
  },
  {
    name: 'a CRD schema property without a type is not structural',
    object: crd((c) => delete c.spec.versions[0].schema.openAPIV3Schema.properties.spec.type),
    expect: invalid(
      'spec.versions[0].schema.openAPIV3Schema.properties[spec].type',
      'must not be empty for specified object fields',
    ),
  },
  {
    name: 'a CRD whose name is not plural.group is invalid',
    object: crd((c) => (c.metadata.name = 'gadgets.conformance.example.com')),
    expect: invalid('metadata.name', 'must be spec.names.plural+"."+spec.group'),
  },
  {
    name: 'a CRD scope must be Cluster or Namespaced',
    object: crd((c) => (c.spec.scope = 'Global')),
    expect: invalid('spec.scope', 'Unsupported value: "Global"'),
  },
  {
    name: 'a custom resource field of the wrong type is invalid',
    setup: [crd()],
    object: widget({ size: 'big' }),
    expect: invalid('spec.size', 'spec.size in body must be of type integer: "string"'),
  },
  {
    name: 'a custom resource without a required field is invalid',
    setup: [crd()],
    object: widget({ mode: 'fast' }),
    expect: { code: 422, reason: 'Invalid', field: 'spec.size', message: 'Required value' },
  },
  {
    name: 'a custom resource value outside its enum is not supported',
    setup: [crd()],
    object: widget({ size: 1, mode: 'turbo' }),
    expect: invalid('spec.mode', 'Unsupported value: "turbo": supported values: "fast", "safe"'),
  },
  {
    name: 'a custom resource value above its maximum is invalid',
    setup: [crd()],
    object: widget({ size: 11 }),
    expect: invalid('spec.size', 'spec.size in body should be less than or equal to 10'),
  },
  {
    name: 'a custom resource string not matching its pattern is invalid',
    setup: [crd()],
    object: widget({ size: 1, name: 'Bad1' }),
    expect: invalid('spec.name', "spec.name in body should match '^[a-z]+$'"),
  },
  {
    name: 'a custom resource field the schema does not declare is refused under Strict',
    setup: [crd()],
    object: widget({ size: 1, colour: 'red' }),
    expect: badRequest('unknown field "spec.colour"'),
  },
  {
    name: 'a custom resource field the schema does not declare is pruned under Ignore',
    setup: [crd()],
    object: widget({ size: 1, colour: 'red' }),
    fieldValidation: 'Ignore',
    expect: created,
    stored: { path: 'spec.colour', value: undefined },
  },
  // --- forbidden updates
  {
    name: 'a Deployment selector is immutable',
    setup: [deploy()],
    update: true,
    object: deploy((d) => {
      d.spec.selector.matchLabels.tier = 'front';
      d.spec.template.metadata.labels.tier = 'front';
    }),
    expect: invalid('spec.selector', 'field is immutable'),
  },
  {
    name: 'a DaemonSet selector is immutable',
    setup: [daemonSet()],
    update: true,
    object: daemonSet((d) => {
      d.spec.selector.matchLabels.tier = 'x';
      d.spec.template.metadata.labels.tier = 'x';
    }),
    expect: invalid('spec.selector', 'field is immutable'),
  },
  {
    name: 'a StatefulSet serviceName cannot change',
    setup: [statefulSet()],
    update: true,
    object: statefulSet((s) => (s.spec.serviceName = 'db-headless')),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec',
      message:
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    },
  },
  {
    name: 'StatefulSet volumeClaimTemplates cannot change',
    setup: [statefulSet()],
    update: true,
    object: statefulSet((s) => (s.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi')),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec',
      message: 'updates to statefulset spec for fields other than',
    },
  },
  {
    name: 'a StatefulSet template and replicas may change',
    setup: [statefulSet()],
    update: true,
    object: statefulSet((s) => {
      s.spec.replicas = 3;
      s.spec.template.spec.containers[0].image = 'mariadb:11.4';
    }),
    expect: ok,
  },
  {
    name: 'a Service cluster IP may not change once set',
    setup: [service()],
    update: true,
    object: service((s) => (s.spec.clusterIP = '10.96.99.99')),
    expect: invalid('spec.clusterIPs[0]', 'may not change once set'),
  },
  {
    name: 'a ClusterIP Service applied as ExternalName drops its cluster IP',
    setup: [service()],
    apply: true,
    object: service((s) => {
      s.spec = { type: 'ExternalName', externalName: 'db.example.com' };
    }),
    expect: ok,
    stored: { path: 'spec.clusterIP', value: undefined },
  },
  {
    name: 'an ExternalName Service may become a ClusterIP Service',
    setup: [service((s) => (s.spec = { type: 'ExternalName', externalName: 'db.example.com' }))],
    update: true,
    object: service(),
    expect: ok,
    stored: { path: 'spec.type', value: 'ClusterIP' },
  },
  {
    name: 'a Job template is immutable',
    setup: [job()],
    update: true,
    object: job((j) => (j.spec.template.spec.containers[0].image = 'busybox:2')),
    expect: invalid('spec.template', 'field is immutable'),
  },
  {
    name: 'a PVC access mode change is forbidden',
    setup: [standardClass, pvc()],
    apply: true,
    object: pvc((p) => (p.spec.accessModes = ['ReadWriteMany'])),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec',
      message:
        'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    },
  },
  {
    name: 'a bound PVC cannot shrink',
    setup: [standardClass, pvc()],
    apply: true,
    object: pvc((p) => (p.spec.resources.requests.storage = '5Gi')),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'spec.resources.requests.storage',
      message: 'field can not be less than',
    },
  },
  {
    name: 'a bound PVC may grow',
    setup: [standardClass, pvc()],
    apply: true,
    object: pvc((p) => (p.spec.resources.requests.storage = '20Gi')),
    expect: ok,
    stored: { path: 'spec.resources.requests.storage', value: '20Gi' },
  },
  {
    name: 'an immutable ConfigMap keeps its data',
    setup: [configMap((c) => (c.immutable = true))],
    update: true,
    object: configMap((c) => {
      c.immutable = true;
      c.data = { mode: 'slow' };
    }),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'data',
      message: 'field is immutable when `immutable` is set',
    },
  },
  {
    name: 'an immutable Secret cannot become mutable',
    setup: [secret((s) => (s.immutable = true))],
    update: true,
    object: secret((s) => (s.immutable = false)),
    expect: {
      code: 422,
      reason: 'Invalid',
      field: 'immutable',
      message: 'field is immutable when `immutable` is set',
    },
  },
  {
    name: 'a Secret type is immutable',
    setup: [secret()],
    update: true,
    object: secret((s) => {
      s.type = 'kubernetes.io/basic-auth';
      s.data = { username: 'YQ==', password: 'Yg==' };
    }),
    expect: invalid('type', 'field is immutable'),
  },
  {
    name: 'a RoleBinding roleRef cannot change',
    setup: [roleBinding()],
    update: true,
    object: roleBinding(
      (b) => (b.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }),
    ),
    expect: invalid('roleRef', 'cannot change roleRef'),
  },
  // --- stored form
  {
    name: 'a cpu request of 0.5 is stored as 500m',
    object: withContainer((c) => (c.resources = { requests: { cpu: 0.5 } })),
    expect: created,
    stored: { path: `${c0}.resources.requests.cpu`, value: '500m' },
  },
  {
    name: 'a memory request of 1e9 bytes is stored as 1G',
    object: withContainer((c) => (c.resources = { requests: { memory: 1e9 } })),
    expect: created,
    stored: { path: `${c0}.resources.requests.memory`, value: '1G' },
  },
  {
    name: 'a memory limit of 1024Mi is stored as 1Gi',
    object: withContainer((c) => (c.resources = { limits: { memory: '1024Mi' } })),
    expect: created,
    stored: { path: `${c0}.resources.limits.memory`, value: '1Gi' },
  },
  {
    name: 'a PVC request of 1.5Gi is stored as 1536Mi',
    object: pvc((p) => (p.spec.resources.requests.storage = '1.5Gi')),
    expect: created,
    stored: { path: 'spec.resources.requests.storage', value: '1536Mi' },
  },
  {
    name: 'an empty env list is dropped',
    object: withContainer((c) => (c.env = [])),
    expect: created,
    stored: { path: `${c0}.env`, value: undefined },
  },
  {
    name: 'empty annotations are dropped',
    object: configMap((c) => (c.metadata.annotations = {})),
    expect: created,
    stored: { path: 'metadata.annotations', value: undefined },
  },
  {
    name: 'hostPort 0 is dropped',
    object: withContainer((c) => (c.ports = [{ containerPort: 80, hostPort: 0 }])),
    expect: created,
    stored: { path: `${c0}.ports[0].hostPort`, value: undefined },
  },
  {
    name: 'readOnly false on a mount is dropped',
    object: withPodSpec((s) => {
      s.volumes = [{ name: 'a', emptyDir: {} }];
      s.containers[0].volumeMounts = [{ name: 'a', mountPath: '/a', readOnly: false }];
    }),
    expect: created,
    stored: { path: `${c0}.volumeMounts[0].readOnly`, value: undefined },
  },
  {
    name: 'under hostNetwork hostPort defaults to containerPort',
    object: withPodSpec((s) => {
      s.hostNetwork = true;
      s.containers[0].ports = [{ containerPort: 8080 }];
    }),
    expect: created,
    stored: { path: `${c0}.ports[0].hostPort`, value: 8080 },
  },
  {
    name: 'a probe timeoutSeconds of 0 is defaulted to 1',
    object: withContainer((c) => (c.readinessProbe = { tcpSocket: { port: 80 }, timeoutSeconds: 0 })),
    expect: created,
    stored: { path: `${c0}.readinessProbe.timeoutSeconds`, value: 1 },
  },
  {
    name: 'replicas 0 is kept (a pointer field)',
    object: deploy((d) => (d.spec.replicas = 0)),
    expect: created,
    stored: { path: 'spec.replicas', value: 0 },
  },
];
