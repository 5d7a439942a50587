/**
 * Object identity and naming, as the client addresses objects. Identity ignores the API version
 * (apps/v1 and apps/v1beta2 name the same Deployment), so a package moving an object to a newer
 * version updates it instead of creating and pruning it.
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

/** The server-side apply field manager, as kubectl uses `kubectl`. */
export const FIELD_MANAGER = 'stackanetes';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepClone<T>(value: T): T {
  return structuredClone(value);
}
