/**
 * Object identity and naming. Identity ignores the API version (apps/v1 and apps/v1beta2 name the
 * same Deployment), so a package moving an object to a newer version updates it instead of
 * creating and pruning it.
 */
import type { KubeObject } from '../model/types.js';

/** Enough to address one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Stable identity of an object: group, kind, namespace, name. */
export function objectKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

/** How users read an object's name in messages and diffs: `<ns>/<Kind>/<name>`. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.namespace ?? '(cluster)'}/${ref.kind}/${ref.name}`;
}

export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** Labels every rendered object carries (DESIGN §3); ownership decisions read them. */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_PACKAGE = 'stackanetes.io/package';
/** Our bookkeeping: the digest of the object as we last applied it, so unchanged objects need no request. */
export const ANNOTATION_APPLIED = 'stackanetes.io/applied-digest';
/**
 * Our bookkeeping: `<namespace>/<release>` of the release that applied the object. The part-of
 * label alone cannot tell two releases of the same name in different namespaces apart, which
 * matters for the cluster-scoped objects they would share.
 */
export const ANNOTATION_RELEASE = 'stackanetes.io/release';
/** The server-side apply field manager, as kubectl uses `kubectl`. */
export const FIELD_MANAGER = 'stackanetes';

/**
 * Kinds prune and remove keep unless asked: deleting them loses data. A CustomResourceDefinition
 * counts too: deleting it deletes every resource of its kind in the cluster, other releases' included.
 */
export const PROTECTED_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
]);

/** Whose an object is: this release's, another release's (named), or nobody's (adoptable). */
export function ownership(
  live: KubeObject,
  namespace: string,
  release: string,
): { owner: 'ours' | 'foreign' | 'unmanaged'; name?: string } {
  const labels = live.metadata.labels ?? {};
  if (labels[LABEL_MANAGED_BY] !== 'stackanetes') return { owner: 'unmanaged' };
  const id = live.metadata.annotations?.[ANNOTATION_RELEASE];
  if (id) return id === `${namespace}/${release}` ? { owner: 'ours' } : { owner: 'foreign', name: id };
  const partOf = labels[LABEL_PART_OF];
  if (!partOf) return { owner: 'unmanaged' };
  return partOf === release ? { owner: 'ours' } : { owner: 'foreign', name: partOf };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}
