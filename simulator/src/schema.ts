/**
 * The little schema knowledge patches and field ownership need: which lists merge by key (and on
 * which keys), which lists are sets, and which maps are atomic. The real server reads this from
 * the Go types' `patchMergeKey` / `listType` markers; we encode the ones the built-in kinds use.
 */
import type { Json, JsonObject } from './json.js';
import { isObject } from './json.js';

/** How a list behaves under strategic merge patch and server-side apply. */
export type ListSemantics =
  | {
      type: 'map';
      /** SSA keys (`listMapKeys`) */ keys: string[];
      /** SMP `patchMergeKey` */ mergeKey: string;
    }
  | { type: 'set' }
  | { type: 'atomic' };

const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * List semantics for the list at `path` (field names from the object root, list positions left
 * out) in an object of `kind`. Custom resources get atomic lists (their CRD schema could say
 * otherwise; ours never do), except the metadata lists every object shares.
 */
export function listSemantics(kind: string, path: readonly string[], builtin: boolean): ListSemantics {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (path.length === 2 && path[0] === 'metadata') {
    if (field === 'finalizers') return { type: 'set' };
    if (field === 'ownerReferences') return { type: 'map', keys: ['uid'], mergeKey: 'uid' };
  }
  if (!builtin) return { type: 'atomic' };
  if (containerLists.has(field)) return { type: 'map', keys: ['name'], mergeKey: 'name' };
  if (containerLists.has(parent)) {
    if (field === 'env') return { type: 'map', keys: ['name'], mergeKey: 'name' };
    if (field === 'ports')
      return { type: 'map', keys: ['containerPort', 'protocol'], mergeKey: 'containerPort' };
    if (field === 'volumeMounts') return { type: 'map', keys: ['mountPath'], mergeKey: 'mountPath' };
    if (field === 'volumeDevices') return { type: 'map', keys: ['devicePath'], mergeKey: 'devicePath' };
    if (field === 'resizePolicy') return { type: 'atomic' };
  }
  if (kind === 'Service' && path.length === 2 && path[0] === 'spec' && field === 'ports') {
    return { type: 'map', keys: ['port', 'protocol'], mergeKey: 'port' };
  }
  if (field === 'volumes' && parent === 'spec') return { type: 'map', keys: ['name'], mergeKey: 'name' };
  if (field === 'imagePullSecrets') return { type: 'map', keys: ['name'], mergeKey: 'name' };
  if (field === 'hostAliases') return { type: 'map', keys: ['ip'], mergeKey: 'ip' };
  if (field === 'topologySpreadConstraints') {
    return { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'], mergeKey: 'topologyKey' };
  }
  if (field === 'conditions' && path[0] === 'status')
    return { type: 'map', keys: ['type'], mergeKey: 'type' };
  return { type: 'atomic' };
}

/** Maps that are replaced as a whole (label selectors, roleRef), never merged key by key. */
export function isAtomicMap(path: readonly string[]): boolean {
  const field = path[path.length - 1] ?? '';
  return field === 'selector' || field === 'nodeSelector' || field === 'roleRef' || field === 'podSelector';
}

/** Defaults the server applies to key fields before matching (a port's protocol is TCP). */
export function keyValue(item: JsonObject, key: string): Json {
  const v = item[key];
  if (v === undefined && key === 'protocol') return 'TCP';
  return v ?? null;
}

/** The key of a keyed-list item, as the `k:{...}` element spells it (keys in sorted order). */
export function itemKey(item: Json, keys: readonly string[]): string {
  const obj = isObject(item) ? item : {};
  const ordered: JsonObject = {};
  for (const k of [...keys].sort()) {
    const v = keyValue(obj, k);
    if (v !== null) ordered[k] = v;
  }
  return JSON.stringify(ordered);
}
