/**
 * What makes two objects "the same" for diff and for skipping writes. The server adds fields we
 * never set (defaults, status, bookkeeping), so equality is "everything we want is already there"
 * (desired ⊆ live) plus our applied-digest annotation matching, which proves we have not dropped
 * a field since the last apply (dropping one makes server-side apply remove it).
 */
import type { KubeObject } from '../model/types.js';
import { deepClone, isPlainObject } from '../kube/objects.js';
import { sha256 } from '../util/hash.js';
import { canonicalJson } from '../util/stable-json.js';
import { ANNOTATION_APPLIED, ANNOTATION_RELEASE } from './ownership.js';

/** The object as we send it: Secret stringData folded into data (as the API server stores it), digest annotated. */
export interface PreparedObject {
  object: KubeObject;
  digest: string;
}

export function prepareDesired(rendered: KubeObject): PreparedObject {
  const object = deepClone(rendered);
  delete object.status; // never applied through the main resource
  if (object.kind === 'Secret' && groupless(object.apiVersion) && isPlainObject(object.stringData)) {
    const data: Record<string, unknown> = isPlainObject(object.data) ? { ...object.data } : {};
    for (const [k, v] of Object.entries(object.stringData)) {
      data[k] = Buffer.from(typeof v === 'string' ? v : String(v), 'utf8').toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }
  if (object.metadata.annotations) {
    const rest = { ...object.metadata.annotations };
    delete rest[ANNOTATION_APPLIED];
    object.metadata.annotations = rest;
    if (Object.keys(rest).length === 0) delete object.metadata.annotations;
  }
  const digest = sha256(canonicalJson(object));
  object.metadata.annotations = { ...(object.metadata.annotations ?? {}), [ANNOTATION_APPLIED]: digest };
  return { object, digest };
}

function groupless(apiVersion: string): boolean {
  return !apiVersion.includes('/');
}

const SERVER_METADATA = [
  'managedFields',
  'resourceVersion',
  'uid',
  'generation',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

/** The object without what the server maintains and our own bookkeeping, for showing and comparing. */
export function normalizeForDiff(object: KubeObject): KubeObject {
  const copy = deepClone(object);
  delete copy.status;
  const meta = copy.metadata as Record<string, unknown>;
  for (const field of SERVER_METADATA) delete meta[field];
  if (copy.metadata.annotations) {
    delete copy.metadata.annotations[ANNOTATION_APPLIED];
    delete copy.metadata.annotations[ANNOTATION_RELEASE];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  if (copy.metadata.labels && Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  return copy;
}

/**
 * True when every field of `desired` has the same value in `live` (lists: same length, item by
 * item). It is only consulted when the live object carries the digest of exactly this desired
 * object (see isUnchanged), so the remaining differences can only be the API server's own
 * normalisation, which is tolerated: empty maps and lists it drops, and resource quantities it
 * rewrites in canonical form (`0.5` → `500m`, `1` → `"1"`). Anything else counts as a change.
 */
export function isSubset(desired: unknown, live: unknown, key = ''): boolean {
  if (desired === null) return live === null || live === undefined;
  if (live === undefined && isEmptyCollection(desired)) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => isSubset(d, live[i], key))
    );
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(live)) return false;
    const quantities = QUANTITY_MAPS.has(key);
    return Object.entries(desired).every(([k, v]) =>
      v === undefined
        ? true
        : quantities
          ? sameQuantity(v, live[k]) || isSubset(v, live[k], k)
          : isSubset(v, live[k], k),
    );
  }
  return desired === live;
}

function isEmptyCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length === 0) || (isPlainObject(value) && Object.keys(value).length === 0)
  );
}

/** Maps whose values are resource quantities (container resources, quotas, PVC requests, capacity). */
const QUANTITY_MAPS = new Set(['requests', 'limits', 'hard', 'capacity', 'allocatable']);

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity (`500m`, `1Gi`, `2`, `1e3`), or undefined. */
export function quantityValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(
    value.trim(),
  );
  if (!m) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIX[m[3] ?? ''] as number);
}

function sameQuantity(a: unknown, b: unknown): boolean {
  const x = quantityValue(a);
  const y = quantityValue(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(x) * 1e-12;
}

/** True when the live object needs no request: our digest is on it and it still holds every desired field. */
export function isUnchanged(prepared: PreparedObject, live: KubeObject): boolean {
  if (live.metadata.annotations?.[ANNOTATION_APPLIED] !== prepared.digest) return false;
  return isSubset(prepared.object, live);
}

export function sameContent(a: KubeObject, b: KubeObject): boolean {
  return canonicalJson(normalizeForDiff(a)) === canonicalJson(normalizeForDiff(b));
}

/**
 * Replaces Secret values with their sizes so no diff, plan or log ever shows them. When `other`
 * is given, keys whose values differ between the two are marked, so a change of same-sized
 * values is still visible.
 */
export function maskSecret(object: KubeObject, other?: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || !groupless(object.apiVersion)) return object;
  const copy = deepClone(object);
  const otherData = other && isPlainObject(other.data) ? other.data : undefined;
  for (const field of ['data', 'stringData'] as const) {
    const values = copy[field];
    if (!isPlainObject(values)) continue;
    const masked: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
      const text = typeof v === 'string' ? v : String(v);
      const size = field === 'data' ? Buffer.from(text, 'base64').length : Buffer.byteLength(text);
      const changed = otherData !== undefined && field === 'data' && k in otherData && otherData[k] !== v;
      masked[k] = `(${size} bytes${changed ? ', changed' : ''})`;
    }
    copy[field] = masked;
  }
  // `kubectl apply` (client-side) keeps the whole Secret, values included, in this annotation.
  const annotations = copy.metadata.annotations;
  const lastApplied = annotations?.[LAST_APPLIED];
  if (annotations && typeof lastApplied === 'string') {
    const changed = other !== undefined && other.metadata.annotations?.[LAST_APPLIED] !== lastApplied;
    annotations[LAST_APPLIED] = `(${Buffer.byteLength(lastApplied)} bytes${changed ? ', changed' : ''})`;
  }
  return copy;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
