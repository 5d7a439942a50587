/**
 * The three non-apply patch formats the API server accepts: JSON merge patch (RFC 7386), JSON
 * patch (RFC 6902) and Kubernetes strategic merge patch (lists merged by key, `$patch`
 * directives, `$setElementOrder`, `$retainKeys`, `$deleteFromPrimitiveList`).
 */
import { ApiError, badRequest } from './api-error.js';
import type { Json, JsonObject } from './json.js';
import { clone, deepEqual, isObject } from './json.js';
import { isAtomicMap, keyValue, listSemantics } from './schema.js';

/** RFC 7386: objects merge recursively, null deletes, everything else replaces. */
export function jsonMergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = jsonMergePatch(result[k], v);
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw badRequest(`json patch path "${path}" must start with "/"`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function resolveParent(doc: Json, parts: string[], path: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const p of parts.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
    if (next === undefined)
      throw badRequest(
        `the server rejected our request due to an error in our request: doc is missing path: "${path}"`,
      );
    cur = next;
  }
  return { parent: cur, last: parts[parts.length - 1] ?? '' };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json | undefined = doc;
  for (const p of pointer(path))
    cur = Array.isArray(cur) ? cur[Number(p)] : isObject(cur) ? cur[p] : undefined;
  if (cur === undefined) throw badRequest(`doc is missing path: "${path}"`);
  return cur;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const parts = pointer(path);
  if (parts.length === 0) return clone(value);
  const { parent, last } = resolveParent(doc, parts, path);
  if (Array.isArray(parent)) {
    const idx = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > parent.length)
      throw badRequest(`json patch index out of range: "${path}"`);
    if (replace) parent[idx] = clone(value);
    else parent.splice(idx, 0, clone(value));
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw badRequest(`doc is missing key: "${path}"`);
    parent[last] = clone(value);
  } else throw badRequest(`json patch path "${path}" does not name a container`);
  return doc;
}

function removeAt(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { parent, last } = resolveParent(doc, parts, path);
  if (Array.isArray(parent)) {
    const idx = Number(last);
    if (!(idx >= 0 && idx < parent.length)) throw badRequest(`json patch index out of range: "${path}"`);
    parent.splice(idx, 1);
  } else if (isObject(parent) && last in parent) delete parent[last];
  else throw badRequest(`doc is missing path: "${path}"`);
  return doc;
}

/** RFC 6902 operations applied in order; a failed `test` rejects the whole patch. */
export function jsonPatch(target: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw badRequest('json patch body must be a JSON array of operations');
  let doc = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest('json patch operation needs "op" and "path"');
    }
    const { op, path } = raw;
    switch (op) {
      case 'add':
        doc = addAt(doc, path, raw.value ?? null, false);
        break;
      case 'replace':
        doc = addAt(doc, path, raw.value ?? null, true);
        break;
      case 'remove':
        doc = removeAt(doc, path);
        break;
      case 'copy':
        doc = addAt(doc, path, clone(getAt(doc, String(raw.from))), false);
        break;
      case 'move': {
        const value = clone(getAt(doc, String(raw.from)));
        doc = removeAt(doc, String(raw.from));
        doc = addAt(doc, path, value, false);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, path), raw.value))
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: testing value ${path} failed`,
          );
        break;
      default:
        throw badRequest(`json patch operation "${op}" is not supported`);
    }
  }
  return doc;
}

function findByKey(list: Json[], key: string, item: JsonObject): number {
  const wanted = keyValue(item, key);
  return list.findIndex((x) => isObject(x) && deepEqual(keyValue(x, key), wanted));
}

function orderBy(list: Json[], order: Json, key: string | undefined): Json[] {
  if (!Array.isArray(order)) return list;
  const rank = (x: Json): number => {
    const idx = order.findIndex((o) =>
      key && isObject(o) && isObject(x) ? deepEqual(keyValue(o, key), keyValue(x, key)) : deepEqual(o, x),
    );
    return idx === -1 ? Number.MAX_SAFE_INTEGER : idx;
  };
  return list
    .map((x, i) => ({ x, i, r: rank(x) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((e) => e.x);
}

/**
 * Kubernetes strategic merge patch for built-in kinds: keyed lists merge item by item, sets
 * union, other lists replace, and the `$`-directives kubectl emits are honoured.
 */
export function strategicMergePatch(
  target: Json | undefined,
  patch: Json,
  kind: string,
  builtin: boolean,
): Json {
  return smpValue(target, patch, kind, builtin, []);
}

function smpValue(
  target: Json | undefined,
  patch: Json,
  kind: string,
  builtin: boolean,
  path: string[],
): Json {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = clone(patch);
    delete rest.$patch;
    return rest;
  }
  if (patch.$patch === 'delete') return null;
  if (isAtomicMap(path) && path.length > 0) return jsonMergePatch(undefined, patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  const orders = new Map<string, Json>();
  const retain = patch.$retainKeys;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$retainKeys' || k === '$patch') continue;
    if (k.startsWith('$setElementOrder/')) {
      orders.set(k.slice('$setElementOrder/'.length), v);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(v))
        result[field] = current.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete result[k];
      continue;
    }
    const childPath = [...path, k];
    if (Array.isArray(v)) {
      result[k] = smpList(result[k], v, kind, builtin, childPath);
    } else {
      const merged = smpValue(result[k], v, kind, builtin, childPath);
      if (merged === null) delete result[k];
      else result[k] = merged;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    if (!Array.isArray(list)) continue;
    const sem = listSemantics(kind, [...path, field], builtin);
    result[field] = orderBy(list, order, sem.type === 'map' ? sem.mergeKey : undefined);
  }
  if (Array.isArray(retain)) {
    for (const k of Object.keys(result)) if (!retain.includes(k)) delete result[k];
  }
  return result;
}

function smpList(
  target: Json | undefined,
  patch: Json[],
  kind: string,
  builtin: boolean,
  path: string[],
): Json[] {
  const sem = listSemantics(kind, path, builtin);
  const current = Array.isArray(target) ? clone(target) : [];
  if (sem.type === 'atomic') return clone(patch).filter((x) => !(isObject(x) && x.$patch !== undefined));
  if (sem.type === 'set') {
    const out = [...current];
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
    return out;
  }
  if (patch.some((x) => isObject(x) && x.$patch === 'replace')) {
    return clone(patch).filter((x) => !(isObject(x) && x.$patch === 'replace'));
  }
  let out = current;
  for (const item of patch) {
    if (!isObject(item)) continue;
    const idx = findByKey(out, sem.mergeKey, item);
    if (item.$patch === 'delete') {
      if (idx !== -1) out = out.filter((_, i) => i !== idx);
      continue;
    }
    if (idx === -1) {
      const fresh = smpValue(undefined, item, kind, builtin, path);
      if (fresh !== null) out.push(fresh);
    } else {
      const merged = smpValue(out[idx], item, kind, builtin, path);
      if (merged === null) out.splice(idx, 1);
      else out[idx] = merged;
    }
  }
  return out;
}
