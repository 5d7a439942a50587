/**
 * Server-side apply and managedFields bookkeeping: merging an applied configuration into the live
 * object, conflict detection between field managers, removal of fields a manager stopped
 * applying, and ownership transfer on ordinary updates (operation `Update`).
 */
import { ApiError } from './api-error.js';
import {
  FieldNode,
  changedFields,
  describePath,
  fieldsOf,
  pruneToObject,
  removeAt,
  valueAt,
  type WalkContext,
} from './fieldset.js';
import type { Json, JsonObject } from './json.js';
import { clone, deepEqual, isObject, str, timestamp } from './json.js';
import { isAtomicMap, itemKey, listSemantics } from './schema.js';

/** One managedFields entry with its field set parsed. */
export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldNode;
}

/** The entries stored on an object. */
export function readManaged(obj: JsonObject | undefined): ManagedEntry[] {
  const metadata = obj && isObject(obj.metadata) ? obj.metadata : {};
  const raw = Array.isArray(metadata.managedFields) ? metadata.managedFields : [];
  return raw.filter(isObject).map((e) => ({
    manager: str(e, 'manager') ?? '',
    operation: str(e, 'operation') === 'Apply' ? 'Apply' : 'Update',
    apiVersion: str(e, 'apiVersion') ?? '',
    time: str(e, 'time') ?? timestamp(),
    ...(str(e, 'subresource') ? { subresource: str(e, 'subresource') } : {}),
    fields: FieldNode.fromFieldsV1(e.fieldsV1),
  }));
}

function sameIdentity(
  a: ManagedEntry,
  b: { manager: string; operation: string; subresource?: string },
): boolean {
  return (
    a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '')
  );
}

/**
 * Writes entries back onto the object: sets pruned to fields the object has, empty entries
 * dropped, and an entry whose set did not change keeps its old timestamp (so no-op writes stay
 * no-ops).
 */
export function writeManaged(
  obj: JsonObject,
  entries: ManagedEntry[],
  previous: ManagedEntry[],
  ctx: WalkContext,
): void {
  const out: Json[] = [];
  for (const e of entries) {
    pruneToObject(e.fields, obj, ctx);
    if (e.fields.isEmpty()) continue;
    const fieldsV1 = e.fields.toFieldsV1();
    const before = previous.find((p) => sameIdentity(p, e));
    const time =
      before && deepEqual(before.fields.toFieldsV1(), fieldsV1) && before.apiVersion === e.apiVersion
        ? before.time
        : e.time;
    const entry: JsonObject = {
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time,
      fieldsType: 'FieldsV1',
      fieldsV1,
    };
    if (e.subresource) entry.subresource = e.subresource;
    out.push(entry);
  }
  const metadata = obj.metadata as JsonObject;
  if (out.length > 0) metadata.managedFields = out;
  else delete metadata.managedFields;
}

/** Merges an applied value into a live one with apply semantics (keyed lists by key, atomics replaced). */
function mergeApplied(live: Json | undefined, applied: Json, path: string[], ctx: WalkContext): Json {
  if (Array.isArray(applied)) {
    const sem = listSemantics(ctx.kind, path, ctx.builtin);
    const current = Array.isArray(live) ? live : [];
    if (sem.type === 'atomic') return clone(applied);
    if (sem.type === 'set') {
      const out = clone(current);
      for (const v of applied) if (!out.some((x) => deepEqual(x, v))) out.push(clone(v));
      return out;
    }
    const out = clone(current);
    for (const item of applied) {
      const key = itemKey(item, sem.keys);
      const idx = out.findIndex((x) => itemKey(x, sem.keys) === key);
      if (idx === -1) out.push(clone(item));
      else out[idx] = mergeApplied(out[idx], item, path, ctx);
    }
    return out;
  }
  if (isObject(applied) && !isAtomicMap(path)) {
    const out: JsonObject = isObject(live) ? clone(live) : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) continue;
      out[k] = mergeApplied(out[k], v, [...path, k], ctx);
    }
    return out;
  }
  return clone(applied);
}

/** Options of one apply request. */
export interface ApplyRequest {
  manager: string;
  force: boolean;
  apiVersion: string;
  ctx: WalkContext;
  /** The main resource or the status subresource. */
  root: 'main' | 'status';
}

/** The result of merging an apply: the new object (not yet defaulted) and the new entries. */
export interface ApplyResult {
  object: JsonObject;
  entries: ManagedEntry[];
}

/**
 * Server-side apply of `applied` onto `live` (undefined when creating). Throws a 409 listing the
 * conflicting fields and their managers when another manager owns a field with a different value
 * and force is off; with force the applier takes those fields over.
 */
export function applyConfiguration(
  live: JsonObject | undefined,
  applied: JsonObject,
  req: ApplyRequest,
): ApplyResult {
  const { ctx } = req;
  const entries = readManaged(live).map((e) => ({ ...e, fields: e.fields.copy() }));
  const identity = {
    manager: req.manager,
    operation: 'Apply' as const,
    ...(req.root === 'status' ? { subresource: 'status' } : {}),
  };
  const appliedSet = fieldsOf(applied, ctx, req.root);
  const mine = entries.find((e) => sameIdentity(e, identity));
  const previousSet = mine?.fields ?? new FieldNode();

  if (live) {
    const conflicts = new Map<ManagedEntry, string[][]>();
    for (const path of appliedSet.paths()) {
      const appliedValue = valueAt(applied, path, ctx);
      const last = path[path.length - 1]!;
      if (last.startsWith('k:') || last.startsWith('v:')) continue;
      const liveValue = valueAt(live, path, ctx);
      if (liveValue === undefined || deepEqual(liveValue, appliedValue)) continue;
      for (const e of entries) {
        if (e === mine || !e.fields.has(path)) continue;
        conflicts.set(e, [...(conflicts.get(e) ?? []), path]);
      }
    }
    if (conflicts.size > 0 && !req.force) throw conflictError(conflicts);
    for (const [e, paths] of conflicts) for (const p of paths) e.fields.remove(p);
  }

  let object = mergeApplied(live ?? {}, stripNulls(applied), [], ctx) as JsonObject;
  object = clone(object);
  for (const path of previousSet.paths()) {
    if (appliedSet.has(path)) continue;
    if (appliedSet.touches(path)) continue;
    const ownedElsewhere = entries.some((e) => e !== mine && e.fields.touches(path));
    if (!ownedElsewhere) removeAt(object, path, ctx);
  }

  const now = timestamp();
  const next = entries.filter((e) => e !== mine);
  next.push({ ...identity, apiVersion: req.apiVersion, time: now, fields: appliedSet });
  return { object, entries: sortEntries(next, entries) };
}

/** Keeps entries in their previous order, new ones at the end (as the real server lists them). */
function sortEntries(next: ManagedEntry[], previous: ManagedEntry[]): ManagedEntry[] {
  const rank = (e: ManagedEntry): number => {
    const i = previous.findIndex((p) => sameIdentity(p, e));
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...next].sort((a, b) => rank(a) - rank(b));
}

function stripNulls(value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    out[k] = isObject(v) ? stripNulls(v) : v;
  }
  return out;
}

/** A 409 from apply that also carries the conflicting field paths (for the last-applied upgrade). */
export class ApplyConflict extends ApiError {
  constructor(
    message: string,
    causes: { type: string; message: string; field: string }[],
    readonly paths: string[][],
  ) {
    super(409, 'Conflict', message, { causes });
  }
}

function conflictError(conflicts: Map<ManagedEntry, string[][]>): ApplyConflict {
  const count = [...conflicts.values()].reduce((n, p) => n + p.length, 0);
  const who = (e: ManagedEntry): string =>
    e.operation === 'Update' ? `"${e.manager}" using ${e.apiVersion}` : `"${e.manager}"`;
  const parts = [...conflicts].map(([e, paths]) =>
    paths.length === 1
      ? `conflict with ${who(e)}: ${describePath(paths[0]!)}`
      : `conflicts with ${who(e)}:\n${paths.map((p) => `- ${describePath(p)}`).join('\n')}`,
  );
  const causes = [...conflicts].flatMap(([e, paths]) =>
    paths.map((p) => ({
      type: 'FieldManagerConflict',
      message: `conflict with ${who(e)}`,
      field: describePath(p),
    })),
  );
  return new ApplyConflict(
    `Apply failed with ${count} conflict${count === 1 ? '' : 's'}: ${parts.join('\n')}`,
    causes,
    [...conflicts.values()].flat(),
  );
}

/**
 * Ownership after an ordinary write (create/update/patch) by `manager`: fields it changed become
 * its own (operation Update) and stop being anyone else's.
 */
export function recordUpdate(
  prev: JsonObject | undefined,
  next: JsonObject,
  manager: string,
  apiVersion: string,
  ctx: WalkContext,
  root: 'main' | 'status',
): ManagedEntry[] {
  const entries = readManaged(prev).map((e) => ({ ...e, fields: e.fields.copy() }));
  const changed = changedFields(prev, next, ctx, root);
  if (changed.isEmpty()) return entries;
  for (const e of entries) for (const p of changed.paths()) e.fields.remove(p);
  const identity = {
    manager,
    operation: 'Update' as const,
    ...(root === 'status' ? { subresource: 'status' } : {}),
  };
  const mine = entries.find((e) => sameIdentity(e, identity));
  if (mine) {
    for (const p of changed.paths()) mine.fields.add(p);
    mine.time = timestamp();
    mine.apiVersion = apiVersion;
    return entries;
  }
  return [...entries, { ...identity, apiVersion, time: timestamp(), fields: changed }];
}
