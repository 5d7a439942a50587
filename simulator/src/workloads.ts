/**
 * The simulated control plane and nodes: the controllers (Deployment → ReplicaSet → Pods,
 * StatefulSet ordinal Pods and their claims, DaemonSet Pods per matching node, Job Pods, PVC
 * provisioning, namespace contents, CRD establishment), the scheduler, and a kubelet stand-in
 * that starts a Pod only when a real kubelet would. Workload status is computed from the Pods,
 * as the real controllers compute it. Pods take `readinessDelayMs` to start; faults can keep
 * chosen objects' Pods from ever becoming ready or make chosen Jobs' Pods fail.
 */
import { createHash } from 'node:crypto';
import { ApiError } from './api-error.js';
import type { Api, ChangeObserver } from './api.js';
import { EventRecorder } from './events.js';
import type { ImageContracts } from './image-contracts.js';
import type { Json, JsonObject, KubeObject } from './json.js';
import { child, clone, deepEqual, isObject, str, timestamp } from './json.js';
import { startProblems, type ConfigSource, type StartProblems } from './kubelet.js';
import type { ResourceType } from './resources.js';
import { schedule, type SchedulingView } from './scheduler.js';
import { resourceKey } from './store.js';

/** What the simulation reads on every decision (mutable from the Simulator's faults and options). */
export interface ReadinessSettings {
  /** How long a scheduled Pod's containers take to start (Job Pods: to run to completion). */
  readinessDelayMs: number;
  neverReady(kind: string, namespace: string | undefined, name: string): boolean;
  jobFails(namespace: string | undefined, name: string): boolean;
  contracts: ImageContracts;
  /** PEM published in every namespace's kube-root-ca.crt ConfigMap. */
  rootCa: string;
}

const objs = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);

/**
 * Decoded into Go structs, a null field and an absent one are the same and key order is gone
 * (kubectl rollout undo sends the template back reordered, with `creationTimestamp: null`), so
 * templates hash in that canonical form.
 */
function withoutNulls(value: Json | undefined): Json | undefined {
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v) ?? null);
  if (!isObject(value)) return value ?? undefined;
  const out: JsonObject = {};
  for (const k of Object.keys(value).sort()) {
    const kept = withoutNulls(value[k]);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

function hashOf(value: Json | undefined): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(withoutNulls(value) ?? null))
    .digest('hex');
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let out = '';
  for (let i = 0; i < 10; i++) out += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}

function condition(
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  withUpdateTime = false,
): JsonObject {
  const now = timestamp();
  const c: JsonObject = { type, status, reason, message, lastTransitionTime: now };
  if (withUpdateTime) c.lastUpdateTime = now;
  return c;
}

function num(obj: JsonObject | undefined, key: string, fallback: number): number {
  const v = obj?.[key];
  return typeof v === 'number' ? v : fallback;
}

/** Sets counters, leaving zero counters out as the real API's omitempty does. */
function counters(status: JsonObject, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === 0) delete status[k];
    else status[k] = v;
  }
}

/**
 * Sets a condition, keeping lastTransitionTime while its status holds and lastUpdateTime while
 * nothing about it changes (so recomputing an unchanged status writes nothing).
 */
function setCondition(status: JsonObject, c: JsonObject): void {
  const list = Array.isArray(status.conditions) ? status.conditions.filter(isObject) : [];
  const idx = list.findIndex((x) => x.type === c.type);
  const old = idx === -1 ? undefined : list[idx]!;
  if (old && old.status === c.status)
    c.lastTransitionTime = old.lastTransitionTime ?? c.lastTransitionTime ?? null;
  if (
    old &&
    'lastUpdateTime' in c &&
    old.status === c.status &&
    old.reason === c.reason &&
    old.message === c.message
  )
    c.lastUpdateTime = old.lastUpdateTime ?? c.lastUpdateTime ?? null;
  if (idx === -1) list.push(c);
  else list[idx] = c;
  status.conditions = list;
}

function removeCondition(status: JsonObject, type: string): void {
  if (!Array.isArray(status.conditions)) return;
  status.conditions = status.conditions.filter((c) => !(isObject(c) && c.type === type));
  if (status.conditions.length === 0) delete status.conditions;
}

function conditionTrue(o: JsonObject, type: string): boolean {
  const s = isObject(o.status) ? o.status : {};
  return objs(s.conditions).some((c) => c.type === type && c.status === 'True');
}

const podReady = (p: KubeObject): boolean => conditionTrue(p, 'Ready');
const phaseOf = (o: KubeObject): string | undefined =>
  isObject(o.status) ? str(o.status, 'phase') : undefined;
const finished = (p: KubeObject): boolean => ['Succeeded', 'Failed'].includes(phaseOf(p) ?? '');
const nameOf = (o: KubeObject): string => str(o.metadata, 'name') ?? '';
const nsOf = (o: KubeObject): string => str(o.metadata, 'namespace') ?? '';
const uidOf = (o: KubeObject): string => str(o.metadata, 'uid') ?? '';
const specOf = (o: KubeObject): JsonObject => (isObject(o.spec) ? o.spec : {});
const labelsOf = (o: JsonObject): Record<string, string> => {
  const m = isObject(o.metadata) ? o.metadata : {};
  return isObject(m.labels) ? (m.labels as Record<string, string>) : {};
};

function controllerOf(o: KubeObject): JsonObject | undefined {
  return objs(o.metadata.ownerReferences).find((r) => r.controller === true);
}

/** Resolves `25%` or `1` against a replica count (percentages rounded up or down). */
function intOrPercent(value: Json | undefined, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

const tracked = new Set([
  '/pods',
  'apps/replicasets',
  'apps/deployments',
  'apps/statefulsets',
  'apps/daemonsets',
  'batch/jobs',
  '/persistentvolumeclaims',
  '/configmaps',
  '/secrets',
  '/nodes',
  'storage.k8s.io/storageclasses',
  '/namespaces',
]);

type PodState = 'failed' | 'starting' | 'held' | 'running' | 'done';

/** Drives the simulated cluster from every change the API commits. */
export class WorkloadSimulator implements ChangeObserver {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Controller uid → keys (`resource|ns/name`) of the objects it controls. */
  private readonly children = new Map<string, Set<string>>();
  /**
   * Work by tier: Pods, claims and namespaces first, then the controllers of Pods, then
   * Deployments. A controller's status is computed once its Pods have settled instead of once
   * per Pod transition, which keeps status writes (each a full admission round) few.
   */
  private readonly tiers: [Set<string>, Set<string>, Set<string>] = [new Set(), new Set(), new Set()];
  private get queued(): number {
    return this.tiers[0].size + this.tiers[1].size + this.tiers[2].size;
  }
  private draining = false;
  private scheduledDrain: NodeJS.Immediate | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly podStates = new Map<string, PodState>();
  private stopped = false;
  readonly events: EventRecorder;

  constructor(
    private readonly api: Api,
    private readonly settings: ReadinessSettings,
  ) {
    this.events = new EventRecorder(api, (ns) => {
      const namespace = this.find('/namespaces', '', ns);
      return namespace !== undefined && !namespace.metadata.deletionTimestamp;
    });
  }

  // ---- bookkeeping -------------------------------------------------------------------------

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.objects.get(resource);
    if (!b) {
      b = new Map();
      this.objects.set(resource, b);
    }
    return b;
  }

  private find(resource: string, namespace: string, name: string): KubeObject | undefined {
    return this.objects.get(resource)?.get(`${namespace}/${name}`);
  }

  private all(resource: string): KubeObject[] {
    return [...(this.objects.get(resource)?.values() ?? [])];
  }

  private owned(owner: KubeObject, resource: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const key of this.children.get(uidOf(owner)) ?? []) {
      const [res, ref] = key.split('|') as [string, string];
      if (res !== resource) continue;
      const o = this.objects.get(res)?.get(ref);
      if (o) out.push(o);
    }
    return out;
  }

  private type(apiVersion: string, kind: string): ResourceType {
    return this.api.registry.byKind(apiVersion, kind)!;
  }

  private enqueue(work: string): void {
    if (this.stopped) return;
    const kind = work.slice(0, work.indexOf('|'));
    const tier =
      kind === 'Deployment' ? 2 : ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(kind) ? 1 : 0;
    this.tiers[tier].add(work);
    if (!this.draining && !this.scheduledDrain) this.scheduledDrain = setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduledDrain = undefined;
    this.draining = true;
    try {
      // Yield to the HTTP side now and then so a burst of controller work does not stall clients.
      const started = Date.now();
      while (this.queued > 0 && !this.stopped && Date.now() - started < 5) {
        const tier = this.tiers.find((t) => t.size > 0)!;
        const work = tier.values().next().value as string;
        tier.delete(work);
        this.reconcile(work);
      }
    } finally {
      this.draining = false;
    }
    if (this.queued > 0 && !this.stopped) this.scheduledDrain = setImmediate(() => this.drain());
  }

  /** Resolves once no controller work is queued (delayed Pod starts are not waited for). */
  async settled(): Promise<void> {
    while (this.queued > 0 || this.draining || this.scheduledDrain)
      await new Promise((r) => setTimeout(r, 1));
  }

  /** Stops all pending work (the simulator is shutting down). */
  stop(): void {
    this.stopped = true;
    for (const t of this.tiers) t.clear();
    if (this.scheduledDrain) clearImmediate(this.scheduledDrain);
    this.scheduledDrain = undefined;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private later(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  // ---- observer ------------------------------------------------------------------------------

  changed(type: ResourceType, obj: KubeObject): void {
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      this.enqueue(`crd|${nameOf(obj)}`);
      return;
    }
    const resource = resourceKey(type);
    if (!tracked.has(resource)) return;
    const ref = `${nsOf(obj)}/${nameOf(obj)}`;
    const previous = this.objects.get(resource)?.get(ref);
    this.bucket(resource).set(ref, obj);
    const owner = controllerOf(obj);
    const prevOwner = previous ? controllerOf(previous) : undefined;
    if (prevOwner && prevOwner.uid !== owner?.uid)
      this.children.get(String(prevOwner.uid))?.delete(`${resource}|${ref}`);
    if (owner) {
      const set = this.children.get(String(owner.uid)) ?? new Set();
      set.add(`${resource}|${ref}`);
      this.children.set(String(owner.uid), set);
    }
    this.react(resource, obj, owner);
  }

  deleted(type: ResourceType, obj: KubeObject): void {
    const resource = resourceKey(type);
    if (!tracked.has(resource)) return;
    const ref = `${nsOf(obj)}/${nameOf(obj)}`;
    this.objects.get(resource)?.delete(ref);
    const owner = controllerOf(obj);
    if (owner) this.children.get(String(owner.uid))?.delete(`${resource}|${ref}`);
    this.children.delete(uidOf(obj));
    this.events.forget(uidOf(obj));
    if (resource === '/pods') {
      this.cancel(`pod|${ref}`);
      this.podStates.delete(ref);
      this.forEachPending((p) => p.spec !== undefined && !specOf(p).nodeName);
    }
    this.react(resource, obj, owner);
  }

  private react(resource: string, obj: KubeObject, owner: JsonObject | undefined): void {
    const ref = `${nsOf(obj)}/${nameOf(obj)}`;
    const ownerWork = (): void => {
      if (!owner) return;
      const kind = str(owner, 'kind');
      if (['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'Deployment'].includes(kind ?? ''))
        this.enqueue(`${kind}|${nsOf(obj)}/${str(owner, 'name') ?? ''}`);
    };
    switch (resource) {
      case '/pods':
        this.enqueue(`Pod|${ref}`);
        ownerWork();
        return;
      case 'apps/replicasets':
        this.enqueue(`ReplicaSet|${ref}`);
        ownerWork();
        return;
      case 'apps/deployments':
        this.enqueue(`Deployment|${ref}`);
        return;
      case 'apps/statefulsets':
        this.enqueue(`StatefulSet|${ref}`);
        return;
      case 'apps/daemonsets':
        this.enqueue(`DaemonSet|${ref}`);
        return;
      case 'batch/jobs':
        this.enqueue(`Job|${ref}`);
        return;
      case '/persistentvolumeclaims':
        this.enqueue(`PersistentVolumeClaim|${ref}`);
        this.forEachPending((p) => nsOf(p) === nsOf(obj) && !specOf(p).nodeName);
        return;
      case '/configmaps':
      case '/secrets':
        // The kubelet retries pods that could not start: the missing piece may just have arrived.
        this.forEachPending(
          (p) => nsOf(p) === nsOf(obj) && this.podStates.get(`${nsOf(p)}/${nameOf(p)}`) === 'failed',
        );
        return;
      case '/nodes':
        this.forEachPending((p) => !specOf(p).nodeName);
        for (const ds of this.all('apps/daemonsets')) this.enqueue(`DaemonSet|${nsOf(ds)}/${nameOf(ds)}`);
        return;
      case 'storage.k8s.io/storageclasses':
        for (const pvc of this.all('/persistentvolumeclaims'))
          if (phaseOf(pvc) !== 'Bound') this.enqueue(`PersistentVolumeClaim|${nsOf(pvc)}/${nameOf(pvc)}`);
        return;
      case '/namespaces':
        this.enqueue(`Namespace|${nameOf(obj)}`);
        return;
      default:
        return;
    }
  }

  private forEachPending(filter: (p: KubeObject) => boolean): void {
    for (const p of this.all('/pods'))
      if (!finished(p) && !p.metadata.deletionTimestamp && filter(p))
        this.enqueue(`Pod|${nsOf(p)}/${nameOf(p)}`);
  }

  /** Lets a held-back object become ready now (after `faults.release`). */
  release(type: ResourceType, obj: KubeObject): void {
    const ref = `${nsOf(obj)}/${nameOf(obj)}`;
    if (type.kind === 'PersistentVolumeClaim') {
      this.cancel(`pvc|${ref}`);
      this.enqueue(`PersistentVolumeClaim|${ref}`);
      return;
    }
    const stack = [this.find(resourceKey(type), nsOf(obj), nameOf(obj)) ?? obj];
    while (stack.length > 0) {
      const o = stack.pop()!;
      const key = `${nsOf(o)}/${nameOf(o)}`;
      if (o.kind === 'Pod') {
        // Pods still starting start over with the current readinessDelayMs.
        const state = this.podStates.get(key);
        if (state === 'starting' || state === 'held') {
          // Released pods start now, as if their containers finally came up.
          this.cancel(`pod|${key}`);
          this.podStates.set(key, 'starting');
          this.starts.set(key, () => this.start(nsOf(o), nameOf(o)));
          this.enqueue(`start|${key}`);
          continue;
        }
      }
      this.enqueue(`${String(o.kind)}|${key}`);
      for (const resource of ['apps/replicasets', '/pods']) stack.push(...this.owned(o, resource));
    }
  }

  // ---- dispatch ------------------------------------------------------------------------------

  private reconcile(work: string): void {
    const [kind, ref] = work.split('|') as [string, string];
    const slash = ref.indexOf('/');
    const ns = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    try {
      switch (kind) {
        case 'Pod':
          return this.pod(ns, name);
        case 'ReplicaSet':
          return this.replicaSet(ns, name);
        case 'Deployment':
          return this.deployment(ns, name);
        case 'StatefulSet':
          return this.statefulSet(ns, name);
        case 'DaemonSet':
          return this.daemonSet(ns, name);
        case 'Job':
          return this.job(ns, name);
        case 'PersistentVolumeClaim':
          return this.claim(ns, name);
        case 'Namespace':
          return this.namespace(ref);
        case 'crd':
          return this.crd(ref);
        case 'start':
          return this.runStart(ref);
        default:
          return;
      }
    } catch (err) {
      // A controller losing a race with a user's write (or a namespace being deleted) retries on
      // the next change, as the real ones do.
      if (!(err instanceof ApiError)) throw err;
    }
  }

  private create(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    body: JsonObject,
    manager: string,
  ): KubeObject {
    return this.api.create(this.type(apiVersion, kind), namespace, body, {
      dryRun: false,
      fieldManager: manager,
    });
  }

  private remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
    this.api.delete(this.type(apiVersion, kind), namespace, name, {
      dryRun: false,
      propagationPolicy: 'Background',
    });
  }

  /**
   * Stores a Pod as the kubelet and the scheduler change it (binding, status), straight into the
   * store: these are the bulk of a cluster's writes, and going through admission, validation and
   * managedFields bookkeeping for each made the simulator several times slower under a stack
   * deploy. Pods keep the managedFields of their creation.
   */
  private putPod(current: KubeObject, change: (o: KubeObject) => void): void {
    const ns = nsOf(current);
    if (!this.find('/pods', ns, nameOf(current))) return;
    const next = {
      ...current,
      metadata: { ...current.metadata },
      spec: clone(specOf(current)),
    } as KubeObject;
    next.status = clone(isObject(current.status) ? current.status : {});
    change(next);
    const type = this.type('v1', 'Pod');
    this.changed(type, this.api.store.put(resourceKey(type), next));
  }

  /** Writes a recomputed status only when it differs from the stored one. */
  private writeStatus(
    apiVersion: string,
    kind: string,
    current: KubeObject,
    compute: (status: JsonObject) => void,
  ): void {
    const status = clone(isObject(current.status) ? current.status : {});
    compute(status);
    if (deepEqual(status, current.status ?? {})) return;
    if (kind === 'Pod') {
      this.putPod(current, (o) => (o.status = status));
      return;
    }
    this.api.controllerWrite(
      this.type(apiVersion, kind),
      nsOf(current) || undefined,
      nameOf(current),
      (o) => {
        o.status = status;
      },
    );
  }

  private ownerRef(owner: KubeObject, apiVersion: string, kind: string): JsonObject {
    return {
      apiVersion,
      kind,
      name: nameOf(owner),
      uid: uidOf(owner),
      controller: true,
      blockOwnerDeletion: true,
    };
  }

  private podFromTemplate(
    owner: KubeObject,
    apiVersion: string,
    kind: string,
    template: JsonObject,
    meta: { name?: string; generateName?: string; labels?: Record<string, string> },
  ): JsonObject {
    const tmeta = isObject(template.metadata) ? template.metadata : {};
    const metadata: JsonObject = {
      ...(meta.name ? { name: meta.name } : { generateName: meta.generateName ?? `${nameOf(owner)}-` }),
      namespace: nsOf(owner),
      labels: { ...(isObject(tmeta.labels) ? tmeta.labels : {}), ...(meta.labels ?? {}) },
      ownerReferences: [this.ownerRef(owner, apiVersion, kind)],
    };
    if (isObject(tmeta.annotations)) metadata.annotations = clone(tmeta.annotations);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata,
      spec: clone(isObject(template.spec) ? template.spec : {}),
    };
  }

  /** Whether the object or any controller above it was told never to become ready. */
  private heldBack(obj: KubeObject): boolean {
    let o: KubeObject | undefined = obj;
    for (let depth = 0; o && depth < 4; depth++) {
      if (this.settings.neverReady(String(o.kind), nsOf(o) || undefined, nameOf(o))) return true;
      const owner = controllerOf(o);
      if (!owner) return false;
      const resource = {
        ReplicaSet: 'apps/replicasets',
        Deployment: 'apps/deployments',
        StatefulSet: 'apps/statefulsets',
        DaemonSet: 'apps/daemonsets',
        Job: 'batch/jobs',
      }[str(owner, 'kind') ?? ''];
      o = resource ? this.find(resource, nsOf(o), str(owner, 'name') ?? '') : undefined;
    }
    return false;
  }

  // ---- scheduler and kubelet -----------------------------------------------------------------

  private schedulingView(): SchedulingView {
    const bound = this.all('/pods').filter((p) => !finished(p) && specOf(p).nodeName);
    return {
      nodes: this.all('/nodes').sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : 1)),
      podsOn: (node) => bound.filter((p) => specOf(p).nodeName === node),
      podsIn: (ns) => bound.filter((p) => nsOf(p) === ns),
      claimPhase: (ns, name) => {
        const pvc = this.find('/persistentvolumeclaims', ns, name);
        return pvc ? (phaseOf(pvc) ?? 'Pending') : undefined;
      },
    };
  }

  private readonly configSource: ConfigSource = {
    configMap: (ns, name) => {
      const cm = this.find('/configmaps', ns, name);
      if (!cm) return undefined;
      const data = new Map<string, string>();
      for (const [k, v] of Object.entries(isObject(cm.data) ? cm.data : {})) data.set(k, String(v));
      for (const [k, v] of Object.entries(isObject(cm.binaryData) ? cm.binaryData : {}))
        data.set(k, Buffer.from(String(v), 'base64').toString());
      return data;
    },
    secret: (ns, name) => {
      const s = this.find('/secrets', ns, name);
      if (!s) return undefined;
      const data = new Map<string, string>();
      for (const [k, v] of Object.entries(isObject(s.data) ? s.data : {}))
        data.set(k, Buffer.from(String(v), 'base64').toString());
      return data;
    },
  };

  private pod(ns: string, name: string): void {
    const pod = this.find('/pods', ns, name);
    if (!pod || pod.metadata.deletionTimestamp || finished(pod)) return;
    const spec = specOf(pod);
    const node = str(spec, 'nodeName');
    const key = `${ns}/${name}`;
    if (!node) {
      const placement = schedule(pod, this.schedulingView());
      if ('node' in placement) {
        this.putPod(pod, (o) => (child(o, 'spec').nodeName = placement.node));
        this.events.record(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${ns}/${name} to ${placement.node}`,
          'default-scheduler',
        );
      } else {
        this.writeStatus('v1', 'Pod', pod, (s) => {
          s.phase = 'Pending';
          setCondition(s, condition('PodScheduled', 'False', 'Unschedulable', placement.unschedulable));
        });
        this.events.record(pod, 'Warning', 'FailedScheduling', placement.unschedulable, 'default-scheduler');
      }
      return;
    }
    const state = this.podStates.get(key);
    if (state === 'starting' || state === 'running' || state === 'done') return;
    if (state === 'held') {
      if (this.heldBack(pod)) return;
      this.podStates.set(key, 'starting');
      this.afterDelay(key, () => this.start(ns, name));
      return;
    }
    const problems = startProblems(pod, this.configSource, this.settings.contracts);
    if (problems.mount || problems.containers.size > 0) {
      this.podStates.set(key, 'failed');
      this.fail(pod, problems, node);
      return;
    }
    this.podStates.set(key, 'starting');
    if (this.settings.readinessDelayMs > 0)
      this.writeStatus('v1', 'Pod', pod, (s) => this.podStatus(pod, s, 'creating'));
    this.afterDelay(key, () => this.start(ns, name));
  }

  private afterDelay(key: string, fn: () => void): void {
    const delay = this.settings.readinessDelayMs;
    if (delay === 0) {
      this.enqueue(`start|${key}`);
      this.starts.set(key, fn);
    } else this.later(`pod|${key}`, delay, fn);
  }

  private readonly starts = new Map<string, () => void>();

  private node(pod: KubeObject): KubeObject | undefined {
    return this.find('/nodes', '', str(specOf(pod), 'nodeName') ?? '');
  }

  private addresses(pod: KubeObject, s: JsonObject): void {
    const node = this.node(pod);
    const addresses = node && isObject(node.status) ? objs(node.status.addresses) : [];
    const hostIP =
      str(
        addresses.find((a) => a.type === 'InternalIP'),
        'address',
      ) ?? '172.18.0.2';
    s.hostIP = hostIP;
    s.hostIPs = [{ ip: hostIP }];
    const octets = createHash('sha1').update(uidOf(pod)).digest();
    const podIP =
      specOf(pod).hostNetwork === true ? hostIP : `10.244.${octets[0]! % 250}.${(octets[1]! % 250) + 2}`;
    s.podIP = podIP;
    s.podIPs = [{ ip: podIP }];
  }

  /** The status of a pod whose containers are all in one situation. */
  private podStatus(
    pod: KubeObject,
    s: JsonObject,
    how: 'creating' | 'ready' | 'unready' | 'succeeded' | 'failed',
  ): void {
    const spec = specOf(pod);
    const now = timestamp();
    const containers = objs(spec.containers);
    const inits = objs(spec.initContainers);
    const running = how === 'ready' || how === 'unready';
    const done = how === 'succeeded' || how === 'failed';
    s.phase =
      how === 'creating' ? 'Pending' : running ? 'Running' : how === 'succeeded' ? 'Succeeded' : 'Failed';
    this.addresses(pod, s);
    if (!s.startTime) s.startTime = now;
    const names = containers.map((c) => str(c, 'name') ?? '').join(' ');
    setCondition(s, condition('PodReadyToStartContainers', how === 'creating' ? 'False' : 'True', '', ''));
    setCondition(
      s,
      condition('Initialized', how === 'creating' && inits.length > 0 ? 'False' : 'True', '', ''),
    );
    const ready = how === 'ready';
    const notReadyReason = done ? 'PodCompleted' : 'ContainersNotReady';
    const notReadyMessage = done ? '' : `containers with unready status: [${names}]`;
    setCondition(
      s,
      ready
        ? condition('Ready', 'True', '', '')
        : condition('Ready', 'False', notReadyReason, notReadyMessage),
    );
    setCondition(
      s,
      ready
        ? condition('ContainersReady', 'True', '', '')
        : condition('ContainersReady', 'False', notReadyReason, notReadyMessage),
    );
    setCondition(s, condition('PodScheduled', 'True', '', ''));
    for (const c of objs(s.conditions)) {
      if (c.reason === '') delete c.reason;
      if (c.message === '') delete c.message;
      c.lastProbeTime = null;
    }
    const state = (): JsonObject =>
      how === 'creating'
        ? { waiting: { reason: 'ContainerCreating' } }
        : running
          ? { running: { startedAt: now } }
          : {
              terminated: {
                exitCode: how === 'succeeded' ? 0 : 1,
                reason: how === 'succeeded' ? 'Completed' : 'Error',
                startedAt: now,
                finishedAt: now,
              },
            };
    const imageId = (image: string): string =>
      `docker.io/library/${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
    if (inits.length > 0)
      s.initContainerStatuses = inits.map((c) => ({
        name: c.name ?? '',
        image: c.image ?? '',
        imageID: how === 'creating' ? '' : imageId(String(c.image ?? '')),
        ready: how !== 'creating',
        started: false,
        restartCount: 0,
        state: (how === 'creating'
          ? { waiting: { reason: 'PodInitializing' } }
          : {
              terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now },
            }) as JsonObject,
      }));
    s.containerStatuses = containers.map((c) => ({
      name: c.name ?? '',
      image: c.image ?? '',
      imageID: how === 'creating' ? '' : imageId(String(c.image ?? '')),
      ready,
      started: running,
      restartCount: 0,
      state: state(),
    }));
    s.qosClass = s.qosClass ?? 'BestEffort';
  }

  private fail(pod: KubeObject, problems: StartProblems, node: string): void {
    const spec = specOf(pod);
    const uid = uidOf(pod);
    const crashing = [...problems.containers.values()].some((p) => p.reason === 'CrashLoopBackOff');
    this.writeStatus('v1', 'Pod', pod, (s) => {
      this.podStatus(pod, s, 'creating');
      if (crashing) s.phase = 'Running';
      const initNames = new Set(objs(spec.initContainers).map((c) => str(c, 'name')));
      for (const list of ['initContainerStatuses', 'containerStatuses']) {
        for (const cs of objs(s[list])) {
          const p = problems.containers.get(str(cs, 'name') ?? '');
          if (problems.mount) {
            cs.state = {
              waiting: {
                reason:
                  list === 'containerStatuses' && initNames.size > 0
                    ? 'PodInitializing'
                    : 'ContainerCreating',
              },
            };
            continue;
          }
          if (!p) continue;
          const [reason, message] = [p.reason, p.message];
          cs.state = { waiting: { reason, message } };
          if (reason === 'CrashLoopBackOff') {
            cs.restartCount = 1;
            cs.started = false;
            const now = timestamp();
            cs.lastState = {
              terminated: {
                exitCode: 1,
                reason: 'Error',
                message: message.slice(message.indexOf('): ') + 3),
                startedAt: now,
                finishedAt: now,
              },
            };
          }
        }
      }
    });
    if (problems.mount) {
      this.events.record(pod, 'Warning', 'FailedMount', problems.mount, 'kubelet', node);
      return;
    }
    for (const [container, p] of problems.containers) {
      if (p.reason === 'InvalidImageName') {
        this.events.record(pod, 'Warning', 'InspectFailed', p.message, 'kubelet', node);
        this.events.record(pod, 'Warning', 'Failed', 'Error: InvalidImageName', 'kubelet', node);
      } else if (p.reason === 'CreateContainerConfigError') {
        this.events.record(pod, 'Warning', 'Failed', `Error: ${p.message}`, 'kubelet', node);
      } else {
        const missing = p.message.slice(p.message.indexOf('): ') + 3);
        this.events.record(pod, 'Normal', 'Started', `Started container ${container}`, 'kubelet', node);
        this.events.record(
          pod,
          'Warning',
          'BackOff',
          `Back-off restarting failed container ${container} in pod ${nameOf(pod)}_${nsOf(pod)}(${uid}): ${missing}`,
          'kubelet',
          node,
        );
      }
    }
  }

  private start(ns: string, name: string): void {
    const pod = this.find('/pods', ns, name);
    const key = `${ns}/${name}`;
    if (!pod || finished(pod) || pod.metadata.deletionTimestamp) return;
    const node = str(specOf(pod), 'nodeName') ?? '';
    const owner = controllerOf(pod);
    const job = owner && owner.kind === 'Job' ? str(owner, 'name') : undefined;
    const held = this.heldBack(pod);
    if (this.podStates.get(key) !== 'held')
      for (const c of objs(specOf(pod).containers)) {
        const cname = str(c, 'name') ?? '';
        this.events.record(
          pod,
          'Normal',
          'Pulled',
          `Container image "${str(c, 'image') ?? ''}" already present on machine`,
          'kubelet',
          node,
        );
        this.events.record(pod, 'Normal', 'Created', `Created container: ${cname}`, 'kubelet', node);
        this.events.record(pod, 'Normal', 'Started', `Started container ${cname}`, 'kubelet', node);
      }
    let how: 'ready' | 'unready' | 'succeeded' | 'failed';
    if (held) how = 'unready';
    else if (job !== undefined) how = this.settings.jobFails(ns, job) ? 'failed' : 'succeeded';
    else how = 'ready';
    this.podStates.set(key, held ? 'held' : how === 'ready' ? 'running' : 'done');
    this.writeStatus('v1', 'Pod', pod, (s) => this.podStatus(pod, s, how));
  }

  // ---- controllers ---------------------------------------------------------------------------

  private replicaSet(ns: string, name: string): void {
    const rs = this.find('apps/replicasets', ns, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const spec = specOf(rs);
    const want = num(spec, 'replicas', 1);
    const pods = this.owned(rs, '/pods').filter((p) => !p.metadata.deletionTimestamp && !finished(p));
    if (pods.length < want) {
      const template = isObject(spec.template) ? spec.template : {};
      for (let i = pods.length; i < want; i++) {
        const created = this.create(
          'v1',
          'Pod',
          ns,
          this.podFromTemplate(rs, 'apps/v1', 'ReplicaSet', template, {}),
          'kube-controller-manager',
        );
        this.events.record(
          rs,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${nameOf(created)}`,
          'replicaset-controller',
        );
      }
      return;
    }
    if (pods.length > want) {
      const victims = [...pods]
        .sort(
          (a, b) =>
            Number(podReady(a)) - Number(podReady(b)) ||
            (String(b.metadata.creationTimestamp) < String(a.metadata.creationTimestamp) ? -1 : 1),
        )
        .slice(0, pods.length - want);
      for (const p of victims) {
        this.remove('v1', 'Pod', ns, nameOf(p));
        this.events.record(
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${nameOf(p)}`,
          'replicaset-controller',
        );
      }
      return;
    }
    const ready = pods.filter(podReady).length;
    this.writeStatus('apps/v1', 'ReplicaSet', rs, (s) => {
      s.replicas = pods.length;
      counters(s, { fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready });
      s.observedGeneration = num(rs.metadata, 'generation', 1);
    });
  }

  private deployment(ns: string, name: string): void {
    const d = this.find('apps/deployments', ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const spec = specOf(d);
    const desired = num(spec, 'replicas', 1);
    const template = isObject(spec.template) ? spec.template : {};
    const hash = hashOf(template);
    const revisionOf = (rs: KubeObject): number =>
      Number(
        (isObject(rs.metadata.annotations) ? rs.metadata.annotations : {})[
          'deployment.kubernetes.io/revision'
        ] ?? 0,
      );
    const rss = this.owned(d, 'apps/replicasets').filter((r) => !r.metadata.deletionTimestamp);
    const maxRevision = Math.max(0, ...rss.map(revisionOf));
    let newRs = rss.find((r) => labelsOf(r)['pod-template-hash'] === hash);
    const old = rss.filter((r) => r !== newRs);
    const specReplicas = (r: KubeObject): number => num(specOf(r), 'replicas', 0);
    const available = (r: KubeObject): number =>
      num(isObject(r.status) ? r.status : {}, 'availableReplicas', 0);
    const strategy = isObject(spec.strategy) ? spec.strategy : {};
    const recreate = strategy.type === 'Recreate';
    const ru = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
    const maxSurge = recreate ? 0 : intOrPercent(ru.maxSurge, desired, true, '25%');
    let maxUnavailable = recreate ? desired : intOrPercent(ru.maxUnavailable, desired, false, '25%');
    if (!recreate && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
    const paused = spec.paused === true;
    const newName = newRs ? nameOf(newRs) : `${name}-${hash}`;
    const scale = (rs: KubeObject, to: number): void => {
      const from = specReplicas(rs);
      if (from === to) return;
      this.api.controllerWrite(
        this.type('apps/v1', 'ReplicaSet'),
        ns,
        nameOf(rs),
        (o) => {
          child(o, 'spec').replicas = to;
          const a = child(o.metadata, 'annotations');
          a['deployment.kubernetes.io/desired-replicas'] = String(desired);
          a['deployment.kubernetes.io/max-replicas'] = String(desired + maxSurge);
        },
        'main',
      );
      this.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${to > from ? 'up' : 'down'} replica set ${nameOf(rs)} from ${from} to ${to}`,
        'deployment-controller',
      );
    };

    if (!paused) {
      const oldPods = old.reduce((n, r) => n + this.owned(r, '/pods').length, 0);
      const totalSpec = rss.reduce((n, r) => n + specReplicas(r), 0);
      let target: number;
      if (recreate) target = old.some((r) => specReplicas(r) > 0) || oldPods > 0 ? 0 : desired;
      else {
        const current = newRs ? specReplicas(newRs) : 0;
        target =
          current >= desired
            ? desired
            : Math.min(desired, current + Math.max(0, desired + maxSurge - totalSpec));
      }
      if (!newRs) {
        const tmeta = isObject(template.metadata) ? template.metadata : {};
        const labels = { ...(isObject(tmeta.labels) ? tmeta.labels : {}), 'pod-template-hash': hash };
        const selector = clone(isObject(spec.selector) ? spec.selector : {});
        child(selector, 'matchLabels')['pod-template-hash'] = hash;
        const rsTemplate = clone(template);
        child(rsTemplate, 'metadata').labels = clone(labels);
        const body: JsonObject = {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: newName,
            namespace: ns,
            labels,
            annotations: {
              ...(isObject(d.metadata.annotations)
                ? Object.fromEntries(
                    Object.entries(d.metadata.annotations).filter(
                      ([k]) =>
                        k !== 'kubectl.kubernetes.io/last-applied-configuration' &&
                        k !== 'deployment.kubernetes.io/revision',
                    ),
                  )
                : {}),
              'deployment.kubernetes.io/desired-replicas': String(desired),
              'deployment.kubernetes.io/max-replicas': String(desired + maxSurge),
              'deployment.kubernetes.io/revision': String(maxRevision + 1),
            },
            ownerReferences: [this.ownerRef(d, 'apps/v1', 'Deployment')],
          },
          spec: {
            replicas: target,
            selector,
            template: rsTemplate,
            ...(spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
          },
        };
        newRs = this.create('apps/v1', 'ReplicaSet', ns, body, 'kube-controller-manager');
        if (target > 0)
          this.events.record(
            d,
            'Normal',
            'ScalingReplicaSet',
            `Scaled up replica set ${newName} from 0 to ${target}`,
            'deployment-controller',
          );
      } else {
        if (revisionOf(newRs) < maxRevision) {
          // A rollback to an older template (kubectl rollout undo) makes its ReplicaSet the newest revision.
          const previous = revisionOf(newRs);
          this.api.controllerWrite(
            this.type('apps/v1', 'ReplicaSet'),
            ns,
            nameOf(newRs),
            (o) => {
              const a = child(o.metadata, 'annotations');
              const history = [a['deployment.kubernetes.io/revision-history'], String(previous)]
                .filter((x) => x)
                .join(',');
              a['deployment.kubernetes.io/revision'] = String(maxRevision + 1);
              a['deployment.kubernetes.io/revision-history'] = history;
            },
            'main',
          );
          return;
        }
        scale(newRs, target);
      }
      // Old ReplicaSets shrink as far as availability allows (all at once under Recreate).
      const minAvailable = desired - maxUnavailable;
      const newUnavailable = newRs ? Math.max(0, specReplicas(newRs) - available(newRs)) : 0;
      let budget = recreate
        ? Number.MAX_SAFE_INTEGER
        : Math.max(0, rss.reduce((n, r) => n + available(r), 0) - minAvailable - newUnavailable);
      for (const r of [...old].sort((a, b) => revisionOf(a) - revisionOf(b))) {
        const unavailableHere = Math.max(0, specReplicas(r) - available(r));
        const cut = Math.min(specReplicas(r), unavailableHere + budget);
        if (cut <= 0) continue;
        budget -= Math.max(0, cut - unavailableHere);
        scale(r, specReplicas(r) - cut);
      }
      const limit = num(spec, 'revisionHistoryLimit', 10);
      const idle = old
        .filter((r) => specReplicas(r) === 0 && this.owned(r, '/pods').length === 0)
        .sort((a, b) => revisionOf(a) - revisionOf(b));
      for (const r of idle.slice(0, Math.max(0, idle.length - limit)))
        this.remove('apps/v1', 'ReplicaSet', ns, nameOf(r));
    }

    const current = this.owned(d, 'apps/replicasets').filter((r) => !r.metadata.deletionTimestamp);
    const st = (r: KubeObject): JsonObject => (isObject(r.status) ? r.status : {});
    const latest = current.find((r) => labelsOf(r)['pod-template-hash'] === hash);
    const replicas = current.reduce((n, r) => n + num(st(r), 'replicas', 0), 0);
    const updated = latest ? num(st(latest), 'replicas', 0) : 0;
    const ready = current.reduce((n, r) => n + num(st(r), 'readyReplicas', 0), 0);
    const availableAll = current.reduce((n, r) => n + num(st(r), 'availableReplicas', 0), 0);
    const totalSpec = current.reduce((n, r) => n + specReplicas(r), 0);
    const complete =
      updated === desired &&
      replicas === desired &&
      availableAll === desired &&
      latest !== undefined &&
      num(st(latest), 'availableReplicas', 0) === desired;
    const revision = latest ? String(revisionOf(latest)) : undefined;
    if (
      revision &&
      (isObject(d.metadata.annotations) ? d.metadata.annotations : {})[
        'deployment.kubernetes.io/revision'
      ] !== revision
    ) {
      this.api.controllerWrite(
        this.type('apps/v1', 'Deployment'),
        ns,
        name,
        (o) => {
          child(o.metadata, 'annotations')['deployment.kubernetes.io/revision'] = revision;
        },
        'main',
      );
      return;
    }
    this.writeStatus('apps/v1', 'Deployment', d, (s) => {
      s.observedGeneration = num(d.metadata, 'generation', 1);
      counters(s, {
        replicas,
        updatedReplicas: updated,
        readyReplicas: ready,
        availableReplicas: availableAll,
        unavailableReplicas: Math.max(0, Math.max(totalSpec, desired) - availableAll),
      });
      setCondition(
        s,
        availableAll >= desired - maxUnavailable
          ? condition(
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.',
              true,
            )
          : condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
              true,
            ),
      );
      if (paused)
        setCondition(
          s,
          condition('Progressing', 'Unknown' as 'True', 'DeploymentPaused', 'Deployment is paused', true),
        );
      else
        setCondition(
          s,
          complete
            ? condition(
                'Progressing',
                'True',
                'NewReplicaSetAvailable',
                `ReplicaSet "${newName}" has successfully progressed.`,
                true,
              )
            : condition(
                'Progressing',
                'True',
                'ReplicaSetUpdated',
                `ReplicaSet "${newName}" is progressing.`,
                true,
              ),
        );
      // Available first, as the deployment controller orders them.
      const list = objs(s.conditions);
      s.conditions = [
        ...list.filter((c) => c.type === 'Available'),
        ...list.filter((c) => c.type !== 'Available'),
      ];
    });
  }

  private statefulSet(ns: string, name: string): void {
    const sts = this.find('apps/statefulsets', ns, name);
    if (!sts || sts.metadata.deletionTimestamp) return;
    const spec = specOf(sts);
    const want = num(spec, 'replicas', 1);
    const template = isObject(spec.template) ? spec.template : {};
    const updateRevision = `${name}-${hashOf(template)}`;
    const parallel = spec.podManagementPolicy === 'Parallel';
    const pods = new Map<number, KubeObject>();
    for (const p of this.owned(sts, '/pods')) {
      const m = /-(\d+)$/.exec(nameOf(p));
      if (m) pods.set(Number(m[1]), p);
    }
    const revisionOf = (p: KubeObject): string => labelsOf(p)['controller-revision-hash'] ?? '';
    const healthy = (p: KubeObject): boolean => podReady(p) && !p.metadata.deletionTimestamp;
    for (let i = 0; i < want; i++) {
      const p = pods.get(i);
      if (!p) {
        for (const t of objs(spec.volumeClaimTemplates)) {
          const claim = `${str(t.metadata as JsonObject, 'name') ?? ''}-${name}-${i}`;
          if (this.find('/persistentvolumeclaims', ns, claim)) continue;
          const tmeta = isObject(t.metadata) ? t.metadata : {};
          const selectorLabels =
            isObject(spec.selector) && isObject(spec.selector.matchLabels) ? spec.selector.matchLabels : {};
          this.create(
            'v1',
            'PersistentVolumeClaim',
            ns,
            {
              apiVersion: 'v1',
              kind: 'PersistentVolumeClaim',
              metadata: {
                name: claim,
                namespace: ns,
                labels: { ...(isObject(tmeta.labels) ? tmeta.labels : {}), ...selectorLabels },
              },
              spec: clone(isObject(t.spec) ? t.spec : {}),
            },
            'kube-controller-manager',
          );
          this.events.record(
            sts,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${claim} Pod ${name}-${i} in StatefulSet ${name} success`,
            'statefulset-controller',
          );
        }
        const body = this.podFromTemplate(sts, 'apps/v1', 'StatefulSet', template, {
          name: `${name}-${i}`,
          labels: {
            'controller-revision-hash': updateRevision,
            'statefulset.kubernetes.io/pod-name': `${name}-${i}`,
            'apps.kubernetes.io/pod-index': String(i),
          },
        });
        const podSpec = child(body, 'spec');
        podSpec.hostname = `${name}-${i}`;
        if (str(spec, 'serviceName')) podSpec.subdomain = str(spec, 'serviceName')!;
        const claims = objs(spec.volumeClaimTemplates).map(
          (t) => str(t.metadata as JsonObject, 'name') ?? '',
        );
        podSpec.volumes = [
          ...objs(podSpec.volumes).filter((v) => !claims.includes(str(v, 'name') ?? '')),
          ...claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: `${c}-${name}-${i}` } })),
        ];
        this.create('v1', 'Pod', ns, body, 'kube-controller-manager');
        this.events.record(
          sts,
          'Normal',
          'SuccessfulCreate',
          `create Pod ${name}-${i} in StatefulSet ${name} successful`,
          'statefulset-controller',
        );
        if (!parallel) return;
        continue;
      }
      if (!parallel && !healthy(p)) break;
    }
    for (const [i, p] of [...pods.entries()].sort((a, b) => b[0] - a[0])) {
      if (i < want) continue;
      this.remove('v1', 'Pod', ns, nameOf(p));
      this.events.record(
        sts,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${nameOf(p)} in StatefulSet ${name} successful`,
        'statefulset-controller',
      );
      if (!parallel) return;
    }
    const live = [...pods.entries()].filter(([i]) => i < want).map(([, p]) => p);
    const strategy = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
    if (strategy.type !== 'OnDelete' && live.length === want && live.every(healthy)) {
      const partition = isObject(strategy.rollingUpdate) ? num(strategy.rollingUpdate, 'partition', 0) : 0;
      const stale = [...pods.entries()]
        .filter(([i, p]) => i < want && i >= partition && revisionOf(p) !== updateRevision)
        .sort((a, b) => b[0] - a[0])[0];
      if (stale) {
        this.remove('v1', 'Pod', ns, nameOf(stale[1]));
        return;
      }
    }
    const ready = live.filter(podReady).length;
    const updated = live.filter((p) => revisionOf(p) === updateRevision).length;
    this.writeStatus('apps/v1', 'StatefulSet', sts, (s) => {
      s.observedGeneration = num(sts.metadata, 'generation', 1);
      s.updateRevision = updateRevision;
      if (s.currentRevision === undefined || (updated === want && ready === want))
        s.currentRevision = updateRevision;
      const currentRevision = String(s.currentRevision);
      s.replicas = live.length;
      counters(s, {
        readyReplicas: ready,
        availableReplicas: ready,
        currentReplicas: live.filter((p) => revisionOf(p) === currentRevision).length,
        updatedReplicas: updated,
      });
      s.collisionCount = 0;
    });
  }

  private daemonSet(ns: string, name: string): void {
    const ds = this.find('apps/daemonsets', ns, name);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const spec = specOf(ds);
    const template = isObject(spec.template) ? spec.template : {};
    const hash = hashOf(template);
    const view = this.schedulingView();
    // A node is eligible when the pod would fit there ignoring what already runs on it.
    // The scheduler only reads the probe, so it shares the template's spec.
    const probe = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probe', namespace: ns },
      spec: isObject(template.spec) ? template.spec : {},
    } as KubeObject;
    const eligible = view.nodes.filter((n) => {
      return (
        'node' in
        schedule(probe, {
          ...view,
          nodes: [n],
          podsOn: () => [],
          podsIn: () => [],
          claimPhase: () => 'Bound',
        })
      );
    });
    const pods = this.owned(ds, '/pods').filter((p) => !p.metadata.deletionTimestamp);
    const target = (p: KubeObject): string => {
      const terms = objs(
        isObject(specOf(p).affinity) && isObject((specOf(p).affinity as JsonObject).nodeAffinity)
          ? ((
              ((specOf(p).affinity as JsonObject).nodeAffinity as JsonObject)
                .requiredDuringSchedulingIgnoredDuringExecution as JsonObject | undefined
            )?.nodeSelectorTerms ?? [])
          : [],
      );
      const field = objs(terms[0]?.matchFields).find((f) => f.key === 'metadata.name');
      return (
        (Array.isArray(field?.values) ? String(field.values[0]) : undefined) ??
        str(specOf(p), 'nodeName') ??
        ''
      );
    };
    const eligibleNames = new Set(eligible.map(nameOf));
    let acted = false;
    for (const node of eligible) {
      if (pods.some((p) => target(p) === nameOf(node))) continue;
      const body = this.podFromTemplate(ds, 'apps/v1', 'DaemonSet', template, {
        labels: {
          'controller-revision-hash': hash,
          'pod-template-generation': String(num(ds.metadata, 'generation', 1)),
        },
      });
      const podSpec = child(body, 'spec');
      const affinity = child(podSpec, 'affinity');
      affinity.nodeAffinity = {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nameOf(node)] }] },
          ],
        },
      };
      const created = this.create('v1', 'Pod', ns, body, 'kube-controller-manager');
      this.events.record(
        ds,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${nameOf(created)}`,
        'daemonset-controller',
      );
      acted = true;
    }
    for (const p of pods) {
      if (eligibleNames.has(target(p))) continue;
      this.remove('v1', 'Pod', ns, nameOf(p));
      this.events.record(
        ds,
        'Normal',
        'SuccessfulDelete',
        `Deleted pod: ${nameOf(p)}`,
        'daemonset-controller',
      );
      acted = true;
    }
    if (acted) return;
    const strategy = isObject(spec.updateStrategy) ? spec.updateStrategy : {};
    if (strategy.type !== 'OnDelete' && pods.every(podReady)) {
      const stale = pods.find((p) => labelsOf(p)['controller-revision-hash'] !== hash);
      if (stale) {
        this.remove('v1', 'Pod', ns, nameOf(stale));
        this.events.record(
          ds,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${nameOf(stale)}`,
          'daemonset-controller',
        );
        return;
      }
    }
    const scheduled = pods.filter((p) => specOf(p).nodeName).length;
    const ready = pods.filter(podReady).length;
    this.writeStatus('apps/v1', 'DaemonSet', ds, (s) => {
      s.observedGeneration = num(ds.metadata, 'generation', 1);
      s.desiredNumberScheduled = eligible.length;
      s.currentNumberScheduled = scheduled;
      s.numberMisscheduled = 0;
      s.numberReady = ready;
      counters(s, {
        updatedNumberScheduled: pods.filter((p) => labelsOf(p)['controller-revision-hash'] === hash).length,
        numberAvailable: ready,
        numberUnavailable: Math.max(0, eligible.length - ready),
      });
    });
  }

  private job(ns: string, name: string): void {
    const job = this.find('batch/jobs', ns, name);
    if (!job || job.metadata.deletionTimestamp) return;
    if (conditionTrue(job, 'Complete') || conditionTrue(job, 'Failed')) return;
    const spec = specOf(job);
    const pods = this.owned(job, '/pods');
    const active = pods.filter((p) => !finished(p) && !p.metadata.deletionTimestamp);
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phaseOf(p) === 'Failed').length;
    const completions = num(spec, 'completions', 1);
    const backoffLimit = num(spec, 'backoffLimit', 6);
    if (spec.suspend === true) {
      for (const p of active) this.remove('v1', 'Pod', ns, nameOf(p));
      this.writeStatus('batch/v1', 'Job', job, (s) => {
        delete s.active;
        setCondition(s, condition('Suspended', 'True', 'JobSuspended', 'Job suspended'));
      });
      return;
    }
    const base = (s: JsonObject): void => {
      if (!s.startTime) s.startTime = timestamp();
      removeCondition(s, 'Suspended');
      s.terminating = 0;
      s.uncountedTerminatedPods = {};
      s.ready = active.filter(podReady).length;
      counters(s, { active: active.length, succeeded, failed });
    };
    if (failed > backoffLimit) {
      for (const p of active) this.remove('v1', 'Pod', ns, nameOf(p));
      this.writeStatus('batch/v1', 'Job', job, (s) => {
        base(s);
        delete s.active;
        s.ready = 0;
        const message = 'Job has reached the specified backoff limit';
        setCondition(s, condition('FailureTarget', 'True', 'BackoffLimitExceeded', message));
        setCondition(s, condition('Failed', 'True', 'BackoffLimitExceeded', message));
      });
      this.events.record(
        job,
        'Warning',
        'BackoffLimitExceeded',
        'Job has reached the specified backoff limit',
        'job-controller',
      );
      return;
    }
    if (succeeded >= completions) {
      this.writeStatus('batch/v1', 'Job', job, (s) => {
        base(s);
        delete s.active;
        s.ready = 0;
        s.completionTime = timestamp();
        const message = 'Reached expected number of succeeded pods';
        setCondition(s, condition('SuccessCriteriaMet', 'True', 'CompletionsReached', message));
        setCondition(s, condition('Complete', 'True', 'CompletionsReached', message));
      });
      this.events.record(job, 'Normal', 'Completed', 'Job completed', 'job-controller');
      return;
    }
    const wanted = Math.min(num(spec, 'parallelism', 1), completions - succeeded);
    const template = isObject(spec.template) ? spec.template : {};
    for (let i = active.length; i < wanted; i++) {
      const created = this.create(
        'v1',
        'Pod',
        ns,
        this.podFromTemplate(job, 'batch/v1', 'Job', template, {}),
        'kube-controller-manager',
      );
      this.events.record(
        job,
        'Normal',
        'SuccessfulCreate',
        `Created pod: ${nameOf(created)}`,
        'job-controller',
      );
    }
    if (active.length < wanted) return;
    this.writeStatus('batch/v1', 'Job', job, base);
  }

  private claim(ns: string, name: string): void {
    const pvc = this.find('/persistentvolumeclaims', ns, name);
    if (!pvc || phaseOf(pvc) === 'Bound' || pvc.metadata.deletionTimestamp) return;
    if (this.settings.neverReady('PersistentVolumeClaim', ns, name)) return;
    const spec = specOf(pvc);
    const classes = this.all('storage.k8s.io/storageclasses');
    const className =
      typeof spec.storageClassName === 'string'
        ? spec.storageClassName
        : str(
            classes.find(
              (c) =>
                (isObject(c.metadata.annotations) ? c.metadata.annotations : {})[
                  'storageclass.kubernetes.io/is-default-class'
                ] === 'true',
            )?.metadata,
            'name',
          );
    if (className === '' || className === undefined) {
      this.events.record(
        pvc,
        'Normal',
        'FailedBinding',
        'no persistent volumes available for this claim and no storage class is set',
        'persistentvolume-controller',
      );
      return;
    }
    if (!classes.some((c) => nameOf(c) === className)) {
      this.events.record(
        pvc,
        'Warning',
        'ProvisioningFailed',
        `storageclass.storage.k8s.io "${String(className)}" not found`,
        'persistentvolume-controller',
      );
      return;
    }
    const key = `pvc|${ns}/${name}`;
    if (this.timers.has(key)) return;
    const bind = (): void => {
      const current = this.find('/persistentvolumeclaims', ns, name);
      if (
        !current ||
        phaseOf(current) === 'Bound' ||
        this.settings.neverReady('PersistentVolumeClaim', ns, name)
      )
        return;
      const type = this.type('v1', 'PersistentVolumeClaim');
      this.api.controllerWrite(
        type,
        ns,
        name,
        (o) => {
          child(o, 'spec').volumeName = `pvc-${uidOf(o)}`;
          const annotations = child(o.metadata, 'annotations');
          annotations['pv.kubernetes.io/bind-completed'] = 'yes';
          annotations['pv.kubernetes.io/bound-by-controller'] = 'yes';
          annotations['volume.kubernetes.io/storage-provisioner'] = String(
            classes.find((c) => nameOf(c) === className)?.provisioner ?? '',
          );
        },
        'main',
      );
      this.api.controllerWrite(type, ns, name, (o) => {
        const s = specOf(o);
        const requests = isObject(s.resources) && isObject(s.resources.requests) ? s.resources.requests : {};
        o.status = {
          phase: 'Bound',
          accessModes: s.accessModes ?? [],
          capacity: { storage: requests.storage ?? '1Gi' },
        };
      });
    };
    if (this.settings.readinessDelayMs === 0) bind();
    else this.later(key, this.settings.readinessDelayMs, bind);
  }

  private namespace(name: string): void {
    const ns = this.find('/namespaces', '', name);
    if (!ns) return;
    if (ns.metadata.deletionTimestamp) {
      this.terminating(ns);
      return;
    }
    if (!this.api.store.get('/serviceaccounts', name, 'default'))
      this.create(
        'v1',
        'ServiceAccount',
        name,
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } },
        'kube-controller-manager',
      );
    if (!this.api.store.get('/configmaps', name, 'kube-root-ca.crt'))
      this.create(
        'v1',
        'ConfigMap',
        name,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'kube-root-ca.crt',
            namespace: name,
            annotations: {
              'kubernetes.io/description':
                'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
            },
          },
          data: { 'ca.crt': this.settings.rootCa },
        },
        'kube-controller-manager',
      );
  }

  /** The namespace controller's account of a deletion in progress, as `kubectl get ns -o yaml` shows it. */
  private terminating(ns: KubeObject): void {
    const name = nameOf(ns);
    const remaining = new Map<string, number>();
    for (const [resource, o] of this.api.store.entries()) {
      if (str(o.metadata, 'namespace') !== name) continue;
      const plural = resource.slice(resource.indexOf('/') + 1);
      const group = resource.slice(0, resource.indexOf('/'));
      const label = `${plural}.${group}`;
      remaining.set(label, (remaining.get(label) ?? 0) + 1);
    }
    const summary = [...remaining.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([r, n]) => `${r} has ${n} resource instances`)
      .join(', ');
    // Straight into the store, as the deletion itself was: an update through admission would
    // finish the deletion of an object with a deletionTimestamp and no metadata finalizers.
    const s = clone(isObject(ns.status) ? ns.status : {});
    {
      s.phase = 'Terminating';
      const c = (type: string, status: 'True' | 'False', reason: string, message: string): void =>
        setCondition(s, condition(type, status, reason, message));
      c(
        'NamespaceDeletionDiscoveryFailure',
        'False',
        'ResourcesDiscovered',
        'All resources successfully discovered',
      );
      c(
        'NamespaceDeletionGroupVersionParsingFailure',
        'False',
        'ParsedGroupVersions',
        'All legacy kube types successfully parsed',
      );
      c(
        'NamespaceDeletionContentFailure',
        'False',
        'ContentDeleted',
        'All content successfully deleted, may be waiting on finalization',
      );
      if (summary)
        c(
          'NamespaceContentRemaining',
          'True',
          'SomeResourcesRemain',
          `Some resources are remaining: ${summary}`,
        );
      else c('NamespaceContentRemaining', 'False', 'ContentRemoved', 'All content successfully removed');
      c(
        'NamespaceFinalizersRemaining',
        'False',
        'ContentHasNoFinalizers',
        'All content-preserving finalizers finished',
      );
    }
    if (deepEqual(s, ns.status)) return;
    const type = this.type('v1', 'Namespace');
    this.bucket('/namespaces').set(`/${name}`, this.api.store.put(resourceKey(type), { ...ns, status: s }));
  }

  private crd(name: string): void {
    const type = this.type('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    const crd = this.api.store.get(resourceKey(type), undefined, name.replace(/^\//, ''));
    if (!crd) return;
    const status = isObject(crd.status) ? crd.status : {};
    const established = objs(status.conditions).some((c) => c.type === 'Established' && c.status === 'True');
    if (established && num(status, 'observedGeneration', -1) === num(crd.metadata, 'generation', 1)) return;
    this.api.controllerWrite(type, undefined, nameOf(crd), (o) => {
      const s = child(o, 'status');
      const spec = specOf(o);
      s.acceptedNames = spec.names ?? {};
      const versions = objs(spec.versions);
      const storage = versions.find((v) => v.storage === true);
      const stored = Array.isArray(s.storedVersions) ? s.storedVersions : [];
      if (storage && !stored.includes(storage.name ?? '')) stored.push(storage.name ?? '');
      s.storedVersions = stored;
      setCondition(s, condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'));
      setCondition(
        s,
        condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'),
      );
    });
  }

  /** Runs a zero-delay pod start queued by `afterDelay`. */
  runStart(key: string): void {
    const fn = this.starts.get(key);
    this.starts.delete(key);
    fn?.();
  }
}
