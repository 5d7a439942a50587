/**
 * Release-wide post-processing of rendered objects: the namespace for namespaced kinds, the
 * standard labels, duplicate detection, and the `stackanetes.io/config-checksum` pod-template
 * annotation over exactly the ConfigMaps and Secrets each pod references, so a config-only change
 * rolls only the pods that use that config.
 */
import { InputError } from '../errors.js';
import type { KubeObject, RenderedObject } from '../model/types.js';
import { sha256Hex } from '../util/hash.js';
import { canonicalJson } from '../util/stable-json.js';
import { isPlainObject } from './values.js';

/** Label and annotation keys stackanetes writes. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
  package: 'stackanetes.io/package',
  checksum: 'stackanetes.io/config-checksum',
} as const;

/** Built-in kinds that are not namespaced (by API group). Everything else is, unless a CRD in the release says Cluster. */
const CLUSTER_SCOPED: Record<string, readonly string[]> = {
  '': ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus'],
  'rbac.authorization.k8s.io': ['ClusterRole', 'ClusterRoleBinding'],
  'apiextensions.k8s.io': ['CustomResourceDefinition'],
  'storage.k8s.io': ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'VolumeAttributesClass'],
  'scheduling.k8s.io': ['PriorityClass'],
  'admissionregistration.k8s.io': [
    'ValidatingWebhookConfiguration',
    'MutatingWebhookConfiguration',
    'ValidatingAdmissionPolicy',
    'ValidatingAdmissionPolicyBinding',
    'MutatingAdmissionPolicy',
    'MutatingAdmissionPolicyBinding',
  ],
  'apiregistration.k8s.io': ['APIService'],
  'node.k8s.io': ['RuntimeClass'],
  'networking.k8s.io': ['IngressClass', 'IPAddress', 'ServiceCIDR'],
  'certificates.k8s.io': ['CertificateSigningRequest', 'ClusterTrustBundle'],
  'flowcontrol.apiserver.k8s.io': ['FlowSchema', 'PriorityLevelConfiguration'],
  'authentication.k8s.io': ['TokenReview', 'SelfSubjectReview'],
  'authorization.k8s.io': ['SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview'],
  'resource.k8s.io': ['DeviceClass', 'ResourceSlice'],
};

/** The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``). */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Whether objects of this kind live in a namespace, given the CRDs of the same release. */
export function isNamespaced(apiVersion: string, kind: string, clusterCrds: ReadonlySet<string>): boolean {
  const group = apiGroup(apiVersion);
  if (CLUSTER_SCOPED[group]?.includes(kind)) return false;
  return !clusterCrds.has(`${group}/${kind}`);
}

/**
 * The label value for a package name: `stackanetes/keystone` → `stackanetes.keystone` (a slash is
 * not allowed in label values); names too long for the 63-character limit are shortened with a hash.
 */
export function packageLabelValue(name: string): string {
  const value = name.replace('/', '.');
  if (value.length <= 63) return value;
  const hash = sha256Hex(name).slice(0, 8);
  return `${value.slice(0, 54).replace(/[^A-Za-z0-9]+$/, '')}-${hash}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Why a release name cannot be a label value, or undefined. */
export function releaseNameProblem(name: string): string | undefined {
  if (name.length > 53 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || !LABEL_VALUE.test(name)) {
    return 'must be at most 53 lower-case letters, digits and "-", starting and ending with a letter or digit';
  }
  return undefined;
}

function clusterScopedCrds(objects: readonly RenderedObject[]): Set<string> {
  const out = new Set<string>();
  for (const { object } of objects) {
    if (object.kind !== 'CustomResourceDefinition' || apiGroup(object.apiVersion) !== 'apiextensions.k8s.io')
      continue;
    const spec = object.spec;
    if (
      !isPlainObject(spec) ||
      spec.scope !== 'Cluster' ||
      typeof spec.group !== 'string' ||
      !isPlainObject(spec.names)
    )
      continue;
    if (typeof spec.names.kind === 'string') out.add(`${spec.group}/${spec.names.kind}`);
  }
  return out;
}

/** The pod template of a workload object, if it has one. */
export function podTemplateOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec;
  if (!isPlainObject(spec)) return undefined;
  const group = apiGroup(object.apiVersion);
  if (
    (group === 'apps' && ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(object.kind)) ||
    (group === 'batch' && object.kind === 'Job') ||
    (group === '' && object.kind === 'ReplicationController')
  ) {
    return isPlainObject(spec.template) ? spec.template : undefined;
  }
  if (group === 'batch' && object.kind === 'CronJob') {
    const job = spec.jobTemplate;
    if (isPlainObject(job) && isPlainObject(job.spec) && isPlainObject(job.spec.template))
      return job.spec.template;
  }
  return undefined;
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isPlainObject) : [];
}

function nameOf(value: unknown, key = 'name'): string | undefined {
  return isPlainObject(value) && typeof value[key] === 'string' ? (value[key] as string) : undefined;
}

/** The ConfigMaps and Secrets a pod spec references: `ConfigMap/name`, `Secret/name`. */
export function configReferences(podSpec: unknown): Set<string> {
  const refs = new Set<string>();
  if (!isPlainObject(podSpec)) return refs;
  const add = (kind: 'ConfigMap' | 'Secret', name: string | undefined): void => {
    if (name) refs.add(`${kind}/${name}`);
  };
  for (const volume of list(podSpec.volumes)) {
    add('ConfigMap', nameOf(volume.configMap));
    add('Secret', nameOf(volume.secret, 'secretName'));
    const projected = volume.projected;
    if (isPlainObject(projected)) {
      for (const source of list(projected.sources)) {
        add('ConfigMap', nameOf(source.configMap));
        add('Secret', nameOf(source.secret));
      }
    }
  }
  for (const container of [
    ...list(podSpec.initContainers),
    ...list(podSpec.containers),
    ...list(podSpec.ephemeralContainers),
  ]) {
    for (const from of list(container.envFrom)) {
      add('ConfigMap', nameOf(from.configMapRef));
      add('Secret', nameOf(from.secretRef));
    }
    for (const env of list(container.env)) {
      const valueFrom = env.valueFrom;
      if (!isPlainObject(valueFrom)) continue;
      add('ConfigMap', nameOf(valueFrom.configMapKeyRef));
      add('Secret', nameOf(valueFrom.secretKeyRef));
    }
  }
  return refs;
}

function configContent(object: KubeObject): string {
  const { data, binaryData, stringData, type, immutable } = object as Record<string, unknown>;
  return canonicalJson({ data, binaryData, stringData, type, immutable });
}

/** What post-processing needs to know about the release. */
export interface PostProcessOptions {
  release: string;
  namespace: string;
}

function objectKey(object: KubeObject): string {
  return `${apiGroup(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function describe(object: KubeObject): string {
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata.name}`;
}

/** Applies namespace, labels and config checksums in place; rejects duplicate objects. */
export function postProcess(objects: readonly RenderedObject[], options: PostProcessOptions): void {
  const clusterCrds = clusterScopedCrds(objects);
  const seen = new Map<string, RenderedObject>();
  for (const rendered of objects) {
    const { object } = rendered;
    const meta = object.metadata;
    if (isNamespaced(object.apiVersion, object.kind, clusterCrds)) {
      if (typeof meta.namespace !== 'string' || meta.namespace === '') meta.namespace = options.namespace;
    } else {
      delete meta.namespace;
    }
    meta.labels = {
      ...(isPlainObject(meta.labels) ? meta.labels : {}),
      [LABELS.managedBy]: 'stackanetes',
      [LABELS.partOf]: options.release,
      [LABELS.package]: packageLabelValue(rendered.package),
    };
    meta.annotations = {
      ...(isPlainObject(meta.annotations) ? meta.annotations : {}),
      [LABELS.package]: rendered.package,
    };
    // name and namespace first, as kubectl prints them
    const { name, namespace, labels, annotations, ...rest } = meta;
    object.metadata = {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      labels,
      annotations,
      ...rest,
    };
    const key = objectKey(object);
    const previous = seen.get(key);
    if (previous) {
      throw new InputError(
        `${describe(object)} is rendered twice: by ${previous.package} ${previous.template} and by ${rendered.package} ${rendered.template}`,
        {
          hint: 'rename one of them (objects in a release must be unique by kind, namespace and name)',
        },
      );
    }
    seen.set(key, rendered);
  }
  const configs = new Map<string, string>();
  for (const { object } of objects) {
    if (apiGroup(object.apiVersion) === '' && (object.kind === 'ConfigMap' || object.kind === 'Secret')) {
      configs.set(
        `${object.metadata.namespace ?? ''}/${object.kind}/${object.metadata.name}`,
        configContent(object),
      );
    }
  }
  for (const { object } of objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    const ns = object.metadata.namespace ?? '';
    const found = [...configReferences(template.spec)].sort().filter((ref) => configs.has(`${ns}/${ref}`));
    if (found.length === 0) continue;
    const checksum = sha256Hex(...found.map((ref) => `${ref}\n${configs.get(`${ns}/${ref}`)}\n`));
    const templateMeta = isPlainObject(template.metadata) ? template.metadata : (template.metadata = {});
    const annotations = isPlainObject(templateMeta.annotations)
      ? templateMeta.annotations
      : (templateMeta.annotations = {});
    annotations[LABELS.checksum] = checksum;
  }
}
