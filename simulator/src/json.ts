/**
 * JSON value helpers shared by the simulator's stores, patches and field-ownership code. Objects
 * travel as plain JSON (what the wire carries), so every module works on these few types.
 */

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: Json;
}

/** A Kubernetes object as stored: apiVersion/kind/metadata plus whatever the kind carries. */
export interface KubeObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject;
}

/** True for JSON objects (not arrays, not null), the shape every merge walks into. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy, so stored objects never alias what callers or watchers hold. */
export function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Structural equality of JSON values (key order ignored, list order significant). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    return ak.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The object at `obj[key]`, created empty when missing, for defaulting nested fields. */
export function child(obj: JsonObject, key: string): JsonObject {
  const existing = obj[key];
  if (isObject(existing)) return existing;
  const created: JsonObject = {};
  obj[key] = created;
  return created;
}

/** A string field or undefined, for reading metadata without casts at every call site. */
export function str(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** The metadata of an object (always present on stored objects). */
export function meta(obj: JsonObject): JsonObject {
  return child(obj, 'metadata');
}

/** Kubernetes timestamps: RFC 3339 with second precision, as the API server writes them. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
