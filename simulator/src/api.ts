/**
 * The API operations (create, get, list, update, patch, apply, delete) with the real server's
 * semantics, independent of HTTP: admission bookkeeping (uid, generation, timestamps),
 * optimistic concurrency, defaulting, validation, managedFields, dry-run, namespaces and
 * garbage collection. The HTTP layer only decodes requests and encodes answers.
 */
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ApiError, alreadyExists, badRequest, invalid, notFound, staleConflict } from './api-error.js';
import { allocateClusterIp, allocateValues, applyDefaults } from './defaults.js';
import { fieldsOf, type FieldNode, type WalkContext } from './fieldset.js';
import type { Json, JsonObject, KubeObject } from './json.js';
import { child, clone, deepEqual, isObject, str, timestamp } from './json.js';
import {
  ApplyConflict,
  applyConfiguration,
  readManaged,
  recordUpdate,
  writeManaged,
  type ManagedEntry,
} from './managed-fields.js';
import { jsonMergePatch, jsonPatch, strategicMergePatch } from './patch.js';
import type { ResourceRegistry, ResourceType } from './resources.js';
import { builtinResources, groupVersion } from './resources.js';
import { labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { ObjectStore, resourceKey } from './store.js';
import { storedForm } from './stored-form.js';
import { decodeError, validateObject } from './validate.js';

/** Options every write carries (from the query string and headers). */
export interface WriteOptions {
  dryRun: boolean;
  /** `fieldManager`; defaults to the user agent's product name, as on the real server. */
  fieldManager?: string;
  force?: boolean;
  userAgent?: string;
}

/** Options of a delete (query string or DeleteOptions body). */
export interface DeleteOptions extends WriteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Options of a list. */
export interface ListOptions {
  labelSelector?: string | null;
  fieldSelector?: string | null;
  limit?: number;
  continueToken?: string | null;
  resourceVersion?: string | null;
  resourceVersionMatch?: string | null;
}

/** The patch formats, by content type. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** What the workload simulation is told about committed changes. */
export interface ChangeObserver {
  changed(type: ResourceType, obj: KubeObject): void;
  deleted(type: ResourceType, obj: KubeObject): void;
}

/** Which part of an object a write addresses. */
export type Subresource = 'main' | 'status';

const builtinKinds = new Set(builtinResources.map((t) => `${t.group}/${t.kind}`));

function walkContext(type: ResourceType): WalkContext {
  return { kind: type.kind, builtin: builtinKinds.has(`${type.group}/${type.kind}`) && !type.crdName };
}

function nameOf(obj: JsonObject): string {
  return str(isObject(obj.metadata) ? obj.metadata : {}, 'name') ?? '';
}

function defaultManager(opts: WriteOptions): string {
  if (opts.fieldManager) return opts.fieldManager;
  const ua = opts.userAgent ?? '';
  const product = ua.split('/')[0]?.trim();
  return product ? product : 'unknown';
}

function withoutMetaAndStatus(obj: JsonObject): JsonObject {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest as JsonObject;
}

const lastAppliedKey = 'kubectl.kubernetes.io/last-applied-configuration';

function fieldsOfLastApplied(annotation: string, ctx: WalkContext): FieldNode | undefined {
  try {
    const parsed = JSON.parse(annotation) as Json;
    return isObject(parsed) ? fieldsOf(parsed, ctx) : undefined;
  } catch {
    return undefined;
  }
}

const randomSuffixChars = 'bcdfghjklmnpqrstvwxz2456789';

/** The simulated API server's state and operations. */
export class Api {
  readonly store: ObjectStore;
  private clusterIps = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  observer: ChangeObserver | undefined;
  /**
   * How long a deleted namespace stays Terminating before its contents and then itself go (the
   * real namespace controller is asynchronous: `kubectl delete -f` of a file listing the
   * Namespace first still deletes the rest one by one).
   */
  namespaceDeletionDelayMs = 50;

  /** Cancels pending namespace finalization (the simulator is stopping). */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  constructor(
    readonly registry: ResourceRegistry,
    watchHistory?: number,
  ) {
    this.store = new ObjectStore(watchHistory);
  }

  /** Decodes a request body (JSON, or YAML for apply patches and YAML uploads). */
  static decodeBody(raw: string, contentType: string): Json {
    if (raw.trim() === '') throw badRequest('the request body is empty');
    try {
      if (contentType.includes('yaml')) return parseYaml(raw) as Json;
      return JSON.parse(raw) as Json;
    } catch (err) {
      throw badRequest(`error decoding request body (${contentType}): ${(err as Error).message}`);
    }
  }

  private checkTypeMeta(type: ResourceType, body: JsonObject, requireTypeMeta: boolean): void {
    const expected = groupVersion(type.group, type.version);
    const apiVersion = str(body, 'apiVersion');
    const kind = str(body, 'kind');
    if (requireTypeMeta && (!apiVersion || !kind)) {
      throw badRequest(
        `apiVersion and kind must be set in an apply configuration (expected ${expected}, ${type.kind})`,
      );
    }
    if (apiVersion && apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${apiVersion}) does not match the expected API version (${expected})`,
      );
    }
    if (kind && kind !== type.kind)
      throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${type.kind})`);
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, body: JsonObject): void {
    const metadata = isObject(body.metadata) ? body.metadata : {};
    const bodyNs = str(metadata, 'namespace');
    if (type.namespaced && bodyNs && namespace && bodyNs !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
  }

  private requireNamespace(namespace: string | undefined, creating: boolean): void {
    if (namespace === undefined) return;
    const ns = this.store.get('/namespaces', undefined, namespace);
    if (!ns)
      throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, {
        name: namespace,
        kind: 'namespaces',
      });
    if (creating && isObject(ns.metadata) && ns.metadata.deletionTimestamp) {
      throw new ApiError(
        403,
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        { name: namespace, kind: 'namespaces' },
      );
    }
  }

  /** GET of one object. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.store.get(resourceKey(type), namespace, name);
    if (!obj) throw notFound(type.plural, type.group, name);
    return this.present(type, obj);
  }

  /** Objects are stored once per CRD kind; each served version answers with its own apiVersion. */
  private present(type: ResourceType, obj: KubeObject): KubeObject {
    obj.apiVersion = groupVersion(type.group, type.version);
    return obj;
  }

  /** LIST with selectors and pagination; `resourceVersion` is the store's at list time. */
  list(
    type: ResourceType,
    namespace: string | undefined,
    opts: ListOptions,
  ): { items: KubeObject[]; resourceVersion: string; continueToken?: string } {
    const labelMatch = parseLabelSelector(opts.labelSelector);
    const fieldMatch = parseFieldSelector(opts.fieldSelector);
    const at = this.listVersion(opts);
    const source =
      at === undefined
        ? this.store.list(resourceKey(type), namespace)
        : this.store.listAt(resourceKey(type), at, namespace);
    if (!source) throw new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
    let items = source
      .filter((o) => labelMatch(labelsOf(o)) && fieldMatch(o))
      .map((o) => this.present(type, o));
    let start = 0;
    if (opts.continueToken) {
      const decoded = Number(Buffer.from(opts.continueToken, 'base64url').toString());
      if (!Number.isInteger(decoded) || decoded < 0)
        throw new ApiError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      start = decoded;
    }
    const resourceVersion = String(at ?? this.store.resourceVersion);
    if (opts.limit && opts.limit > 0) {
      const page = items.slice(start, start + opts.limit);
      const next =
        start + opts.limit < items.length
          ? Buffer.from(String(start + opts.limit)).toString('base64url')
          : undefined;
      items = page;
      return next ? { items, resourceVersion, continueToken: next } : { items, resourceVersion };
    }
    return { items: items.slice(start), resourceVersion };
  }

  /**
   * The resourceVersion a list must be served at (`resourceVersionMatch=Exact`), or undefined for
   * the current state; versions newer than the store answer 504 as the real server does after
   * waiting for them.
   */
  private listVersion(opts: ListOptions): number | undefined {
    const match = opts.resourceVersionMatch;
    const rvText = opts.resourceVersion;
    if (!match) return undefined;
    if (!rvText)
      throw badRequest(
        'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
      );
    if (match !== 'Exact' && match !== 'NotOlderThan')
      throw badRequest(
        `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
      );
    const rv = Number(rvText);
    if (!Number.isInteger(rv) || rv < 0) throw badRequest(`invalid resource version: ${rvText}`);
    if (rv > this.store.resourceVersion) {
      throw new ApiError(
        504,
        'Timeout',
        `Too large resource version: ${rv}, current: ${this.store.resourceVersion}`,
        {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        },
      );
    }
    if (match === 'Exact') {
      if (rv === 0) throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
      return rv;
    }
    return undefined;
  }

  /** POST: creates an object; `dryRun` returns it without storing. */
  create(type: ResourceType, namespace: string | undefined, body: Json, opts: WriteOptions): KubeObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    this.checkTypeMeta(type, body, false);
    this.checkNamespace(type, namespace, body);
    const obj = clone(body) as KubeObject;
    const metadata = isObject(obj.metadata) ? obj.metadata : {};
    obj.metadata = metadata;
    if (!str(metadata, 'name') && str(metadata, 'generateName')) {
      let suffix = '';
      for (let i = 0; i < 5; i++)
        suffix += randomSuffixChars[Math.floor(Math.random() * randomSuffixChars.length)];
      metadata.name = `${str(metadata, 'generateName')}${suffix}`;
    }
    const incomingManaged =
      Array.isArray(metadata.managedFields) && metadata.managedFields.length > 0
        ? readManaged(obj)
        : undefined;
    return this.commit(type, namespace, undefined, obj, opts, 'main', incomingManaged);
  }

  /** PUT of the main resource or its status. */
  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: Json,
    opts: WriteOptions,
    sub: Subresource,
  ): KubeObject {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    this.checkTypeMeta(type, body, false);
    this.checkNamespace(type, namespace, body);
    if (nameOf(body) !== name) {
      throw badRequest(
        `the name of the object (${nameOf(body)}) does not match the name on the URL (${name})`,
      );
    }
    const prev = this.store.get(resourceKey(type), namespace, name);
    if (!prev) throw notFound(type.plural, type.group, name);
    return this.updateFrom(type, namespace, prev, clone(body) as KubeObject, opts, sub);
  }

  private updateFrom(
    type: ResourceType,
    namespace: string | undefined,
    prev: KubeObject,
    next: KubeObject,
    opts: WriteOptions,
    sub: Subresource,
  ): KubeObject {
    const name = nameOf(prev);
    const wantedRv = str(isObject(next.metadata) ? next.metadata : {}, 'resourceVersion');
    if (wantedRv && wantedRv !== str(prev.metadata, 'resourceVersion'))
      throw staleConflict(type.plural, type.group, name);
    let candidate = next;
    if (sub === 'status') {
      candidate = clone(prev);
      if (next.status !== undefined) candidate.status = next.status;
      else delete candidate.status;
    }
    const prevManaged = prev.metadata.managedFields;
    const nextManaged = isObject(candidate.metadata) ? candidate.metadata.managedFields : undefined;
    let explicit: ManagedEntry[] | undefined;
    if (sub === 'main' && Array.isArray(nextManaged) && !deepEqual(prevManaged, nextManaged)) {
      // A client replacing managedFields outright (kubectl's client-side → server-side migration
      // does) gets exactly what it sent; `[{}]` clears them.
      explicit =
        nextManaged.length === 1 && isObject(nextManaged[0]) && Object.keys(nextManaged[0]).length === 0
          ? []
          : readManaged(candidate);
    }
    return this.commit(type, namespace, prev, candidate, opts, sub, explicit);
  }

  /** PATCH in any of the four formats, on the main resource or its status. */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType,
    body: Json,
    opts: WriteOptions,
    sub: Subresource,
  ): KubeObject {
    const prev = this.store.get(resourceKey(type), namespace, name);
    if (patchType === 'apply') return this.apply(type, namespace, name, prev, body, opts, sub);
    if (!prev) throw notFound(type.plural, type.group, name);
    const ctx = walkContext(type);
    let patched: Json;
    switch (patchType) {
      case 'json':
        patched = jsonPatch(prev, body);
        break;
      case 'merge':
        if (!isObject(body)) throw badRequest('a merge patch must be a JSON object');
        patched = jsonMergePatch(prev, body);
        break;
      case 'strategic':
        if (!ctx.builtin) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
          );
        }
        if (!isObject(body)) throw badRequest('a strategic merge patch must be a JSON object');
        patched = strategicMergePatch(prev, body, type.kind, true);
        break;
    }
    if (!isObject(patched)) throw badRequest('the patch did not produce an object');
    if (nameOf(patched) !== name)
      throw badRequest(`the patch changed the object's name to "${nameOf(patched)}"`);
    return this.updateFrom(type, namespace, prev, patched as KubeObject, opts, sub);
  }

  private apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    prev: KubeObject | undefined,
    body: Json,
    opts: WriteOptions,
    sub: Subresource,
  ): KubeObject {
    if (!opts.fieldManager) {
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager',
            },
          ],
        },
      );
    }
    if (!isObject(body)) throw badRequest('an apply configuration must be an object');
    this.checkTypeMeta(type, body, true);
    this.checkNamespace(type, namespace, body);
    if (nameOf(body) !== name)
      throw badRequest(
        `the name of the object (${nameOf(body)}) does not match the name on the URL (${name})`,
      );
    const ctx = walkContext(type);
    const apiVersion = groupVersion(type.group, type.version);
    if (!prev && sub === 'status') throw notFound(type.plural, type.group, name);
    const wantedRv = str(isObject(body.metadata) ? body.metadata : {}, 'resourceVersion');
    if (prev && wantedRv && wantedRv !== str(prev.metadata, 'resourceVersion'))
      throw staleConflict(type.plural, type.group, name);
    if (!prev && wantedRv) throw notFound(type.plural, type.group, name);
    const applied = clone(body);
    if (isObject(applied.metadata)) {
      delete applied.metadata.resourceVersion;
      delete applied.metadata.managedFields;
    }
    const request = { manager: opts.fieldManager, force: opts.force === true, apiVersion, ctx, root: sub };
    const lastApplied = prev
      ? str(isObject(prev.metadata.annotations) ? prev.metadata.annotations : {}, lastAppliedKey)
      : undefined;
    let result;
    try {
      result = applyConfiguration(prev, applied, request);
    } catch (err) {
      // The real server lets `kubectl` take over fields a client-side apply recorded in the
      // last-applied annotation, so moving from `kubectl apply` to `--server-side` needs no force.
      if (!(err instanceof ApplyConflict) || opts.fieldManager !== 'kubectl' || lastApplied === undefined)
        throw err;
      const allowed = fieldsOfLastApplied(lastApplied, ctx);
      if (!allowed || !err.paths.every((p) => allowed.has(p))) throw err;
      result = applyConfiguration(prev, applied, { ...request, force: true });
    }
    let candidate = result.object as KubeObject;
    if (prev && sub === 'status') {
      // The status subresource ignores everything but status, as on the real server.
      const merged = candidate;
      candidate = clone(prev);
      if (merged.status === undefined) delete candidate.status;
      else candidate.status = merged.status;
    }
    if (opts.fieldManager === 'kubectl' && lastApplied !== undefined && sub === 'main') {
      // ... and keeps that annotation in step with what was applied.
      const annotation = clone(applied);
      if (isObject(annotation.metadata) && isObject(annotation.metadata.annotations)) {
        delete annotation.metadata.annotations[lastAppliedKey];
        if (Object.keys(annotation.metadata.annotations).length === 0) delete annotation.metadata.annotations;
      }
      child(candidate.metadata, 'annotations')[lastAppliedKey] = `${JSON.stringify(annotation)}\n`;
    }
    if (!prev) return this.commit(type, namespace, undefined, candidate, opts, 'main', result.entries);
    return this.commit(type, namespace, prev, candidate, opts, sub, result.entries);
  }

  /**
   * The shared tail of every write: system metadata, Secret stringData, defaulting, validation,
   * generation, managedFields, then (unless dry-run or a no-op) storing at a new resourceVersion.
   */
  private commit(
    type: ResourceType,
    namespace: string | undefined,
    prev: KubeObject | undefined,
    candidate: KubeObject,
    opts: WriteOptions,
    sub: Subresource,
    entries: ManagedEntry[] | undefined,
  ): KubeObject {
    const ctx = walkContext(type);
    const apiVersion = groupVersion(type.group, type.version);
    const problem = decodeError(type, candidate);
    if (problem) throw badRequest(problem);
    const obj = clone(storedForm(type, candidate) as KubeObject);
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
    const metadata: JsonObject = isObject(obj.metadata) ? obj.metadata : {};
    obj.metadata = metadata;
    const name = str(metadata, 'name') ?? '';
    if (type.namespaced) metadata.namespace = namespace ?? '';
    else delete metadata.namespace;
    if (!prev) {
      if (!name)
        throw invalid(type.kind, type.group, name, [
          { field: 'metadata.name', type: 'FieldValueRequired', detail: 'name or generateName is required' },
        ]);
      if (type.namespaced) this.requireNamespace(namespace, true);
      if (this.store.get(resourceKey(type), namespace, name))
        throw alreadyExists(type.plural, type.group, name);
      metadata.uid = randomUUID();
      metadata.creationTimestamp = timestamp();
      delete metadata.resourceVersion;
      delete metadata.deletionTimestamp;
      if (type.hasGeneration) metadata.generation = 1;
      else delete metadata.generation;
      if (type.hasStatus) delete obj.status;
    } else {
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'generation', 'resourceVersion']) {
        if (prev.metadata[k] === undefined) delete metadata[k];
        else metadata[k] = prev.metadata[k]!;
      }
      if (type.hasStatus && sub === 'main') {
        if (prev.status === undefined) delete obj.status;
        else obj.status = clone(prev.status);
      }
    }
    if (type.kind === 'Secret') mergeStringData(obj);
    const uid = str(metadata, 'uid') ?? '';
    applyDefaults(obj);
    const previousEntries = readManaged(prev);
    const finalEntries = entries ?? recordUpdate(prev, obj, defaultManager(opts), apiVersion, ctx, sub);
    allocateValues(obj, prev, { uid, nextClusterIp: () => allocateClusterIp(this.clusterIps++) });
    const errors = validateObject(obj, prev, type.crdName ? type.schema : undefined);
    if (errors.length > 0) throw invalid(type.kind, type.group, name, errors);

    if (prev && type.hasGeneration && !deepEqual(withoutMetaAndStatus(prev), withoutMetaAndStatus(obj))) {
      metadata.generation = (typeof prev.metadata.generation === 'number' ? prev.metadata.generation : 0) + 1;
    }
    writeManaged(obj, finalEntries, previousEntries, ctx);

    if (prev && deepEqual(prev, obj)) return this.present(type, prev);
    if (prev && metadata.deletionTimestamp && !hasFinalizers(obj) && !opts.dryRun) {
      this.finishDeletion(type, obj, 'Background');
      return this.present(type, obj);
    }
    if (opts.dryRun) return this.present(type, obj);
    const stored = this.store.put(resourceKey(type), obj);
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io')
      this.registry.registerCrd(stored);
    this.observer?.changed(type, stored);
    return this.present(type, stored);
  }

  /**
   * Writes status on behalf of a simulated controller (manager `kube-controller-manager`,
   * subresource status); `mutate` edits a copy of the stored object's status. No-op when absent.
   */
  controllerWrite(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (obj: KubeObject) => void,
    sub: Subresource = 'status',
  ): void {
    const prev = this.store.get(resourceKey(type), namespace, name);
    if (!prev) return;
    const next = clone(prev);
    mutate(next);
    try {
      this.commit(
        type,
        namespace,
        prev,
        next,
        { dryRun: false, fieldManager: 'kube-controller-manager' },
        sub,
        undefined,
      );
    } catch (err) {
      // A controller losing a race with a user's write simply tries again on the next change.
      if (!(err instanceof ApiError)) throw err;
    }
  }

  /** The autoscaling/v1 Scale view of a workload (the `/scale` subresource). */
  getScale(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return toScale(this.get(type, namespace, name));
  }

  /**
   * PUT or PATCH of `/scale`: the new `spec.replicas` lands in the workload (what `kubectl scale`
   * and autoscalers do); answers the new Scale.
   */
  writeScale(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    patchType: PatchType | 'put',
    body: Json,
    opts: WriteOptions,
  ): KubeObject {
    const prev = this.store.get(resourceKey(type), namespace, name);
    if (!prev) throw notFound(type.plural, type.group, name);
    const scale = toScale(clone(prev));
    let next: Json;
    if (patchType === 'put') next = body;
    else if (patchType === 'json') next = jsonPatch(scale, body);
    else if (patchType === 'apply')
      throw new ApiError(415, 'UnsupportedMediaType', 'apply is not simulated for the scale subresource');
    else next = jsonMergePatch(scale, body);
    if (!isObject(next) || !isObject(next.spec) || typeof next.spec.replicas !== 'number') {
      throw invalid('Scale', 'autoscaling', name, [
        { field: 'spec.replicas', type: 'FieldValueRequired', detail: '' },
      ]);
    }
    const wantedRv = str(isObject(next.metadata) ? next.metadata : {}, 'resourceVersion');
    if (wantedRv && wantedRv !== str(prev.metadata, 'resourceVersion'))
      throw staleConflict(type.plural, type.group, name);
    const workload = clone(prev);
    child(workload, 'spec').replicas = next.spec.replicas;
    return toScale(this.updateFrom(type, namespace, prev, workload, opts, 'main'));
  }

  /** DELETE of one object, with preconditions, propagation policy, finalizers and dry-run. */
  delete(type: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions): JsonObject {
    const prev = this.store.get(resourceKey(type), namespace, name);
    if (!prev) throw notFound(type.plural, type.group, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== prev.metadata.uid) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(prev.metadata.uid)}`,
        { name, group: type.group, kind: type.plural },
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== prev.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(prev.metadata.resourceVersion)}`,
        { name, group: type.group, kind: type.plural },
      );
    }
    const success: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: type.group, kind: type.plural, uid: str(prev.metadata, 'uid') ?? '' },
    };
    const terminating = (): KubeObject => {
      const next = clone(prev);
      if (!next.metadata.deletionTimestamp) next.metadata.deletionTimestamp = timestamp();
      next.metadata.deletionGracePeriodSeconds = 0;
      return next;
    };
    if (type.kind === 'Namespace' && type.group === '') {
      const next = terminating();
      next.status = { ...(isObject(next.status) ? next.status : {}), phase: 'Terminating' };
      if (opts.dryRun) return this.present(type, next);
      const stored = prev.metadata.deletionTimestamp ? prev : this.store.put(resourceKey(type), next);
      if (stored !== prev) this.observer?.changed(type, stored);
      // Contents go first, then the namespace itself, after the response (as the namespace
      // controller does), so clients see Terminating and then the deletion.
      if (!prev.metadata.deletionTimestamp) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          for (const [resource, obj] of [...this.store.entries()]) {
            if (resource === '/namespaces' || str(obj.metadata, 'namespace') !== name) continue;
            const t = this.typeForResource(resource);
            if (t) this.finishDeletion(t, obj, 'Background');
          }
          this.store.remove('/namespaces', undefined, name);
        }, this.namespaceDeletionDelayMs);
        timer.unref();
        this.timers.add(timer);
      }
      return this.present(type, stored);
    }
    if (hasFinalizers(prev) || opts.propagationPolicy === 'Foreground') {
      if (opts.dryRun) return this.present(type, terminating());
      if (opts.propagationPolicy === 'Foreground') this.deleteDependents(prev, 'Foreground');
      if (!hasFinalizers(prev)) {
        this.finishDeletion(type, prev, 'Foreground');
        return success;
      }
      const stored = prev.metadata.deletionTimestamp
        ? prev
        : this.store.put(resourceKey(type), terminating());
      return this.present(type, stored);
    }
    if (opts.dryRun) return success;
    this.finishDeletion(type, prev, opts.propagationPolicy ?? 'Background');
    return success;
  }

  /** DELETE on a collection: every matching object, one by one. */
  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    list: ListOptions,
    opts: DeleteOptions,
  ): JsonObject {
    const { items } = this.list(type, namespace, list);
    for (const o of items) this.delete(type, str(o.metadata, 'namespace'), nameOf(o), opts);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { group: type.group, kind: type.plural },
    };
  }

  /** The stored type for a storage key (the first served version). */
  typeForResource(resource: string): ResourceType | undefined {
    return this.registry.all().find((t) => resourceKey(t) === resource);
  }

  private deleteDependents(owner: KubeObject, policy: 'Foreground' | 'Background' | 'Orphan'): void {
    const uid = str(owner.metadata, 'uid');
    for (const [resource, obj] of [...this.store.entries()]) {
      const refs = Array.isArray(obj.metadata.ownerReferences) ? obj.metadata.ownerReferences : [];
      if (!refs.some((r) => isObject(r) && r.uid === uid)) continue;
      const t = this.typeForResource(resource);
      if (!t) continue;
      if (policy === 'Orphan') {
        this.controllerWrite(
          t,
          str(obj.metadata, 'namespace'),
          nameOf(obj),
          (o) => {
            const remaining = (
              Array.isArray(o.metadata.ownerReferences) ? o.metadata.ownerReferences : []
            ).filter((r) => !(isObject(r) && r.uid === uid));
            if (remaining.length > 0) o.metadata.ownerReferences = remaining;
            else delete o.metadata.ownerReferences;
          },
          'main',
        );
      } else {
        const current = this.store.get(resource, str(obj.metadata, 'namespace'), nameOf(obj));
        if (current) this.finishDeletion(t, current, policy);
      }
    }
  }

  /** Removes an object for good: its dependents per policy, CRD-served kinds, and observers. */
  private finishDeletion(
    type: ResourceType,
    obj: KubeObject,
    policy: 'Foreground' | 'Background' | 'Orphan',
  ): void {
    this.deleteDependents(obj, policy);
    const removed = this.store.remove(resourceKey(type), str(obj.metadata, 'namespace'), nameOf(obj));
    if (!removed) return;
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      const gone = this.registry.unregisterCrd(nameOf(obj));
      for (const t of gone) this.store.dropResource(resourceKey(t));
    }
    this.observer?.deleted(type, removed);
  }
}

function toScale(obj: KubeObject): KubeObject {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const selector =
    isObject(spec.selector) && isObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name ?? '',
      namespace: m.namespace ?? '',
      uid: m.uid ?? '',
      resourceVersion: m.resourceVersion ?? '',
      creationTimestamp: m.creationTimestamp ?? null,
    },
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}

function hasFinalizers(obj: KubeObject): boolean {
  return Array.isArray(obj.metadata.finalizers) && obj.metadata.finalizers.length > 0;
}

/** Secrets: `stringData` is write-only, merged into base64 `data` (over any same key). */
function mergeStringData(obj: KubeObject): void {
  const data: JsonObject = isObject(obj.data) ? obj.data : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 === 1) {
      throw badRequest(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0 (data.${k})`,
      );
    }
  }
  if (isObject(obj.stringData)) {
    for (const [k, v] of Object.entries(obj.stringData))
      data[k] = Buffer.from(String(v ?? '')).toString('base64');
    delete obj.stringData;
  }
  if (Object.keys(data).length > 0) obj.data = data;
  else delete obj.data;
}
