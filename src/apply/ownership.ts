/**
 * Which release an object belongs to: the labels and annotations deploy stamps on what it applies,
 * and the kinds prune keeps unless asked.
 */
import type { KubeObject } from '../model/types.js';

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
