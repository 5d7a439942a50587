/**
 * Field ownership for server-side apply: sets of field paths, in the FieldsV1 shape the real
 * server stores in `metadata.managedFields` (`f:spec: {f:replicas: {}}`, keyed list items as
 * `k:{"name":"x"}`, set members as `v:"x"`, `.` marking a list item itself).
 */
import type { Json, JsonObject } from './json.js';
import { deepEqual, isObject } from './json.js';
import { isAtomicMap, itemKey, listSemantics } from './schema.js';

/** One node of a field set: whether it is owned itself, and the owned paths below it. */
export class FieldNode {
  own = false;
  readonly children = new Map<string, FieldNode>();

  /** The child for a path element, created on demand. */
  at(element: string): FieldNode {
    let node = this.children.get(element);
    if (!node) {
      node = new FieldNode();
      this.children.set(element, node);
    }
    return node;
  }

  /** True when nothing at or below this node is owned. */
  isEmpty(): boolean {
    return !this.own && [...this.children.values()].every((c) => c.isEmpty());
  }

  /** Every owned path (as element arrays), depth first. */
  paths(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.own && prefix.length > 0) out.push(prefix);
    for (const [el, node] of this.children) out.push(...node.paths([...prefix, el]));
    return out;
  }

  /** Whether the exact path is owned. */
  has(path: readonly string[]): boolean {
    return this.find(path)?.own === true;
  }

  /** The node at a path, if present. */
  find(path: readonly string[]): FieldNode | undefined {
    let node: FieldNode | undefined = this.children.get(path[0] ?? '');
    if (path.length === 0) return undefined;
    for (const el of path.slice(1)) {
      node = node?.children.get(el);
      if (!node) return undefined;
    }
    return node;
  }

  /** Whether the path or anything below it is owned. */
  touches(path: readonly string[]): boolean {
    const node = this.find(path);
    return node !== undefined && !node.isEmpty();
  }

  /** Marks a path owned. */
  add(path: readonly string[]): void {
    if (path.length === 0) return;
    let node = this.at(path[0]!);
    for (const el of path.slice(1)) node = node.at(el);
    node.own = true;
  }

  /** Un-owns a path (and, with `deep`, everything below it), dropping emptied nodes. */
  remove(path: readonly string[], deep = false): void {
    const walk = (node: FieldNode, i: number): void => {
      if (i === path.length) {
        node.own = false;
        if (deep) node.children.clear();
        return;
      }
      const next = node.children.get(path[i]!);
      if (!next) return;
      walk(next, i + 1);
      if (next.isEmpty()) node.children.delete(path[i]!);
    };
    walk(this, 0);
  }

  /** Deep copy. */
  copy(): FieldNode {
    const out = new FieldNode();
    out.own = this.own;
    for (const [k, v] of this.children) out.children.set(k, v.copy());
    return out;
  }

  /** The FieldsV1 JSON for this set. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    if (this.own && this.children.size > 0) out['.'] = {};
    for (const [k, v] of [...this.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!v.isEmpty()) out[k] = v.toFieldsV1();
    }
    return out;
  }

  /** Parses FieldsV1 JSON (as stored in managedFields). */
  static fromFieldsV1(json: Json | undefined): FieldNode {
    const node = new FieldNode();
    if (!isObject(json)) return node;
    const keys = Object.keys(json);
    if (keys.length === 0) node.own = true;
    for (const [k, v] of Object.entries(json)) {
      if (k === '.') node.own = true;
      else node.children.set(k, FieldNode.fromFieldsV1(v));
    }
    return node;
  }
}

/** Context for walking an object: its kind and whether built-in list semantics apply. */
export interface WalkContext {
  kind: string;
  builtin: boolean;
}

/** Top-level fields no manager owns (identity and server-managed bookkeeping). */
const unownedTop = new Set(['apiVersion', 'kind', 'status']);
const unownedMetadata = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/**
 * The fields an applied configuration sets: leaves (scalars, atomic lists/maps, empty maps) and
 * keyed-list items. Intermediate maps are not owned themselves, as on the real server.
 * `root` selects what is walked: the main resource (no status) or the status subresource.
 */
export function fieldsOf(obj: JsonObject, ctx: WalkContext, root: 'main' | 'status' = 'main'): FieldNode {
  const set = new FieldNode();
  for (const [k, v] of Object.entries(obj)) {
    if (v === null) continue;
    if (root === 'main' && unownedTop.has(k)) continue;
    if (root === 'status' && k !== 'status') continue;
    if (k === 'metadata' && isObject(v)) {
      const metaNode = new FieldNode();
      for (const [mk, mv] of Object.entries(v)) {
        if (unownedMetadata.has(mk) || mv === null) continue;
        walkValue(mv, ['metadata', mk], metaNode.at(`f:${mk}`), ctx);
      }
      if (!metaNode.isEmpty()) set.children.set('f:metadata', metaNode);
      continue;
    }
    walkValue(v, [k], set.at(`f:${k}`), ctx);
  }
  for (const [k, n] of [...set.children]) if (n.isEmpty()) set.children.delete(k);
  return set;
}

function walkValue(value: Json, path: string[], node: FieldNode, ctx: WalkContext): void {
  if (Array.isArray(value)) {
    const sem = listSemantics(ctx.kind, path, ctx.builtin);
    if (sem.type === 'atomic') node.own = true;
    else if (sem.type === 'set') for (const v of value) node.at(`v:${JSON.stringify(v)}`).own = true;
    else {
      for (const item of value) {
        const itemNode = node.at(`k:${itemKey(item, sem.keys)}`);
        itemNode.own = true;
        if (isObject(item)) walkMap(item, path, itemNode, ctx);
      }
    }
    return;
  }
  if (isObject(value) && !isAtomicMap(path) && Object.keys(value).length > 0) {
    walkMap(value, path, node, ctx);
    if (node.isEmpty()) node.own = true;
    return;
  }
  node.own = true;
}

function walkMap(value: JsonObject, path: string[], node: FieldNode, ctx: WalkContext): void {
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    walkValue(v, [...path, k], node.at(`f:${k}`), ctx);
  }
}

/** Where a path element points inside a parent value. */
type Located =
  { kind: 'field'; parent: JsonObject; key: string } | { kind: 'item'; parent: Json[]; index: number };

/** Field names along a path (list elements dropped), for schema lookups. */
export function schemaPath(path: readonly string[]): string[] {
  return path.filter((el) => el.startsWith('f:')).map((el) => el.slice(2));
}

function locate(
  parent: Json | undefined,
  element: string,
  namesSoFar: string[],
  ctx: WalkContext,
): Located | undefined {
  if (element.startsWith('f:')) {
    if (!isObject(parent)) return undefined;
    const key = element.slice(2);
    return key in parent ? { kind: 'field', parent, key } : undefined;
  }
  if (!Array.isArray(parent)) return undefined;
  if (element.startsWith('k:')) {
    const sem = listSemantics(ctx.kind, namesSoFar, ctx.builtin);
    if (sem.type !== 'map') return undefined;
    const wanted = element.slice(2);
    const index = parent.findIndex((item) => itemKey(item, sem.keys) === wanted);
    return index === -1 ? undefined : { kind: 'item', parent, index };
  }
  if (element.startsWith('v:')) {
    const wanted = JSON.parse(element.slice(2)) as Json;
    const index = parent.findIndex((item) => deepEqual(item, wanted));
    return index === -1 ? undefined : { kind: 'item', parent, index };
  }
  return undefined;
}

function valueOf(loc: Located): Json {
  return loc.kind === 'field' ? loc.parent[loc.key]! : loc.parent[loc.index]!;
}

/** The value at a field path, or undefined when the object does not have it. */
export function valueAt(obj: JsonObject, path: readonly string[], ctx: WalkContext): Json | undefined {
  let cur: Json | undefined = obj;
  const names: string[] = [];
  for (const el of path) {
    if (el.startsWith('f:')) names.push(el.slice(2));
    const loc = locate(cur, el, names, ctx);
    if (!loc) return undefined;
    cur = valueOf(loc);
  }
  return cur;
}

/** Deletes the field or list item a path names (no-op when absent). */
export function removeAt(obj: JsonObject, path: readonly string[], ctx: WalkContext): void {
  let cur: Json | undefined = obj;
  const names: string[] = [];
  let loc: Located | undefined;
  for (const el of path) {
    if (el.startsWith('f:')) names.push(el.slice(2));
    loc = locate(cur, el, names, ctx);
    if (!loc) return;
    cur = valueOf(loc);
  }
  if (!loc) return;
  if (loc.kind === 'field') delete loc.parent[loc.key];
  else loc.parent.splice(loc.index, 1);
}

/** Drops owned paths the object no longer has (after removals, deletes or overwrites). */
export function pruneToObject(set: FieldNode, obj: JsonObject, ctx: WalkContext): void {
  for (const path of set.paths()) if (valueAt(obj, path, ctx) === undefined) set.remove(path, true);
}

/**
 * Fields an update changed: leaves of `next` whose value differs from `prev` (or that are new),
 * and keyed-list items `prev` lacked. These become the updater's, taken from everyone else.
 */
export function changedFields(
  prev: JsonObject | undefined,
  next: JsonObject,
  ctx: WalkContext,
  root: 'main' | 'status',
): FieldNode {
  const all = fieldsOf(next, ctx, root);
  const out = new FieldNode();
  // Maps (Go map and pointer fields) an update creates are owned themselves, shown as `.`.
  for (const path of presencePaths(all)) {
    if (prev && valueAt(prev, path, ctx) !== undefined) continue;
    if (valueAt(next, path, ctx) !== undefined) out.add(path);
  }
  for (const path of all.paths()) {
    const before = prev ? valueAt(prev, path, ctx) : undefined;
    const isItem = path[path.length - 1]!.startsWith('k:') || path[path.length - 1]!.startsWith('v:');
    if (before === undefined) out.add(path);
    else if (!isItem && !deepEqual(before, valueAt(next, path, ctx))) out.add(path);
  }
  return out;
}

/** Fields whose presence is itself a value in the Go types (maps and optional structs). */
const presenceFields = new Set([
  'f:labels',
  'f:annotations',
  'f:data',
  'f:binaryData',
  'f:rollingUpdate',
  'f:resources',
  'f:limits',
  'f:requests',
]);

function presencePaths(set: FieldNode, prefix: string[] = []): string[][] {
  const out: string[][] = [];
  for (const [el, node] of set.children) {
    const path = [...prefix, el];
    if (presenceFields.has(el) && node.children.size > 0) out.push(path);
    out.push(...presencePaths(node, path));
  }
  return out;
}

/** A human path for messages: `.spec.template.spec.containers[name="app"].image`. */
export function describePath(path: readonly string[]): string {
  let out = '';
  for (const el of path) {
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as JsonObject;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}
