/**
 * Simulated controllers (there are no kubelets): after a configurable delay, workloads report
 * the status their real controllers would (Deployments available, StatefulSets and DaemonSets
 * ready, Jobs complete or failed, PVCs bound, CRDs established). Faults can keep chosen objects
 * from ever becoming ready or make chosen Jobs fail.
 */
import { createHash } from 'node:crypto';
import type { Api, ChangeObserver } from './api.js';
import type { Json, JsonObject, KubeObject } from './json.js';
import { child, isObject, str, timestamp } from './json.js';
import type { ResourceType } from './resources.js';
import { resourceKey } from './store.js';

/** What the simulation needs to know about readiness, read on every change. */
export interface ReadinessSettings {
  readinessDelayMs: number;
  /** Simulated node count (DaemonSets schedule one pod per node). */
  nodes: number;
  neverReady(kind: string, namespace: string | undefined, name: string): boolean;
  jobFails(namespace: string | undefined, name: string): boolean;
}

function hashOf(value: Json | undefined): string {
  const hex = createHash('sha256')
    .update(JSON.stringify(value ?? null))
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

function num(obj: JsonObject, key: string, fallback: number): number {
  const v = obj[key];
  return typeof v === 'number' ? v : fallback;
}

/** Sets counters, leaving zero counters out as the real API's omitempty does. */
function counters(status: JsonObject, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === 0) delete status[k];
    else status[k] = v;
  }
}

/** Keeps a condition's lastTransitionTime when its status did not change. */
function setCondition(status: JsonObject, c: JsonObject): void {
  const list = Array.isArray(status.conditions) ? status.conditions.filter(isObject) : [];
  const idx = list.findIndex((x) => x.type === c.type);
  if (idx !== -1 && list[idx]!.status === c.status)
    c.lastTransitionTime = list[idx]!.lastTransitionTime ?? c.lastTransitionTime ?? null;
  if (idx === -1) list.push(c);
  else list[idx] = c;
  status.conditions = list;
}

/** Drives simulated status for every change the API commits. */
export class WorkloadSimulator implements ChangeObserver {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private stopped = false;

  constructor(
    private readonly api: Api,
    private readonly settings: ReadinessSettings,
  ) {}

  private key(type: ResourceType, obj: KubeObject): string {
    return `${resourceKey(type)}/${str(obj.metadata, 'namespace') ?? ''}/${str(obj.metadata, 'name') ?? ''}`;
  }

  /** Resolves once no zero-delay controller work is pending (the "observed" writes are done). */
  async settled(): Promise<void> {
    while (this.immediate > 0) await new Promise((r) => setTimeout(r, 1));
  }

  private immediate = 0;
  private readonly zero = new Set<NodeJS.Timeout>();

  private schedule(key: string, delayMs: number, fn: () => void): void {
    if (this.stopped) return;
    if (delayMs === 0) this.immediate++;
    const t = setTimeout(() => {
      if (this.zero.delete(t)) this.immediate--;
      const list = this.timers.get(key)?.filter((x) => x !== t) ?? [];
      if (list.length > 0) this.timers.set(key, list);
      else this.timers.delete(key);
      fn();
    }, delayMs);
    t.unref();
    if (delayMs === 0) this.zero.add(t);
    this.timers.set(key, [...(this.timers.get(key) ?? []), t]);
  }

  private cancel(key: string): void {
    for (const t of this.timers.get(key) ?? []) {
      clearTimeout(t);
      if (this.zero.delete(t)) this.immediate--;
    }
    this.timers.delete(key);
  }

  /** Stops all pending status changes (the simulator is shutting down). */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }

  /** Makes a held-back object ready now (after `faults.release`). */
  release(type: ResourceType, obj: KubeObject): void {
    const ns = str(obj.metadata, 'namespace');
    const name = str(obj.metadata, 'name') ?? '';
    const key = this.key(type, obj);
    const write = (fn: (o: KubeObject) => void, sub: 'status' | 'main' = 'status'): void =>
      this.api.controllerWrite(type, ns, name, fn, sub);
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(type.kind))
      this.schedule(key, 0, () => write((o) => this.ready(type.kind, o)));
    else if (type.kind === 'Job')
      this.schedule(key, 0, () => write((o) => this.finishJob(o, this.settings.jobFails(ns, name))));
    else {
      const copy = JSON.parse(JSON.stringify(obj)) as KubeObject;
      copy.status = {};
      this.changed(type, copy);
    }
  }

  deleted(type: ResourceType, obj: KubeObject): void {
    this.cancel(this.key(type, obj));
  }

  changed(type: ResourceType, obj: KubeObject): void {
    const ns = str(obj.metadata, 'namespace');
    const name = str(obj.metadata, 'name') ?? '';
    const generation = num(obj.metadata, 'generation', 1);
    const status = isObject(obj.status) ? obj.status : {};
    const observed = typeof status.observedGeneration === 'number' ? status.observedGeneration : 0;
    const key = this.key(type, obj);
    const neverReady = this.settings.neverReady(type.kind, ns, name);
    const write = (fn: (o: KubeObject) => void, sub: 'status' | 'main' = 'status'): void =>
      this.api.controllerWrite(type, ns, name, fn, sub);
    const later = (fn: () => void): void => this.schedule(key, this.settings.readinessDelayMs, fn);
    const soon = (fn: () => void): void => this.schedule(key, 0, fn);

    switch (type.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet': {
        if (observed === generation) return;
        this.cancel(key);
        // The ready write is scheduled from the progressing one, not beside it: Node runs expired
        // timers list by list (one list per delay), so under load a 0 ms timer can run after a
        // longer one and would leave a finished rollout looking unfinished.
        soon(() => {
          write((o) => this.progressing(type.kind, o));
          if (!neverReady) later(() => write((o) => this.ready(type.kind, o)));
        });
        return;
      }
      case 'Job': {
        if (status.startTime !== undefined) return;
        soon(() => {
          write((o) => {
            const s = child(o, 'status');
            const spec = isObject(o.spec) ? o.spec : {};
            s.startTime = timestamp();
            counters(s, { active: num(spec, 'parallelism', 1) });
            s.ready = 0;
            s.terminating = 0;
            s.uncountedTerminatedPods = {};
          });
          // chained for the same reason as the workloads' ready write
          if (!neverReady) later(() => write((o) => this.finishJob(o, this.settings.jobFails(ns, name))));
        });
        return;
      }
      case 'PersistentVolumeClaim': {
        if (status.phase === 'Bound' || neverReady) return;
        later(() => {
          write((o) => {
            const spec = child(o, 'spec');
            spec.volumeName = `pvc-${str(o.metadata, 'uid') ?? ''}`;
            const annotations = child(o.metadata, 'annotations');
            annotations['pv.kubernetes.io/bind-completed'] = 'yes';
          }, 'main');
          write((o) => {
            const spec = isObject(o.spec) ? o.spec : {};
            const requests =
              isObject(spec.resources) && isObject(spec.resources.requests) ? spec.resources.requests : {};
            o.status = {
              phase: 'Bound',
              accessModes: spec.accessModes ?? [],
              capacity: { storage: requests.storage ?? '1Gi' },
            };
          });
        });
        return;
      }
      case 'Pod': {
        if (status.phase === 'Running' || neverReady) return;
        later(() =>
          write((o) => {
            const s = child(o, 'status');
            s.phase = 'Running';
            s.startTime = timestamp();
            s.podIP = '10.244.0.10';
            s.hostIP = '172.18.0.2';
            for (const t of ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'])
              setCondition(s, condition(t, 'True', '', ''));
            const containers =
              isObject(o.spec) && Array.isArray(o.spec.containers) ? o.spec.containers.filter(isObject) : [];
            s.containerStatuses = containers.map((c) => ({
              name: c.name ?? '',
              image: c.image ?? '',
              imageID: '',
              ready: true,
              started: true,
              restartCount: 0,
              state: { running: { startedAt: timestamp() } },
            }));
          }),
        );
        return;
      }
      case 'CustomResourceDefinition': {
        const conditions = Array.isArray(status.conditions) ? status.conditions : [];
        if (
          conditions.some((c) => isObject(c) && c.type === 'Established' && c.status === 'True') &&
          observed === generation
        )
          return;
        soon(() =>
          write((o) => {
            const s = child(o, 'status');
            const spec = isObject(o.spec) ? o.spec : {};
            s.acceptedNames = spec.names ?? {};
            const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
            const storage = versions.find((v) => v.storage === true);
            const stored = Array.isArray(s.storedVersions) ? s.storedVersions : [];
            if (storage && !stored.includes(storage.name ?? '')) stored.push(storage.name ?? '');
            s.storedVersions = stored;
            setCondition(s, condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'));
            setCondition(
              s,
              condition(
                'Established',
                'True',
                'InitialNamesAccepted',
                'the initial names have been accepted',
              ),
            );
          }),
        );
        return;
      }
      default:
        return;
    }
  }

  /** Status right after a new generation is observed: the rollout has started, nothing new is ready. */
  private progressing(kind: string, o: KubeObject): void {
    const spec = isObject(o.spec) ? o.spec : {};
    const s = child(o, 'status');
    const generation = num(o.metadata, 'generation', 1);
    const replicas = kind === 'DaemonSet' ? this.settings.nodes : num(spec, 'replicas', 1);
    const revision = `${str(o.metadata, 'name') ?? ''}-${hashOf(spec.template)}`;
    s.observedGeneration = generation;
    switch (kind) {
      case 'Deployment': {
        const ready = num(s, 'readyReplicas', 0);
        counters(s, {
          replicas,
          updatedReplicas: 0,
          readyReplicas: ready,
          availableReplicas: num(s, 'availableReplicas', 0),
          unavailableReplicas: Math.max(replicas - ready, 0),
        });
        setCondition(
          s,
          condition(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${revision}" is progressing.`,
            true,
          ),
        );
        if (
          !Array.isArray(s.conditions) ||
          !s.conditions.some((c) => isObject(c) && c.type === 'Available')
        ) {
          setCondition(
            s,
            condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
              true,
            ),
          );
        }
        break;
      }
      case 'StatefulSet':
        s.updateRevision = revision;
        if (s.currentRevision === undefined) s.currentRevision = revision;
        counters(s, {
          replicas,
          updatedReplicas: 0,
          currentReplicas: num(s, 'currentReplicas', 0),
          readyReplicas: num(s, 'readyReplicas', 0),
          availableReplicas: num(s, 'availableReplicas', 0),
        });
        s.collisionCount = 0;
        break;
      case 'DaemonSet':
        s.desiredNumberScheduled = replicas;
        s.currentNumberScheduled = replicas;
        s.numberMisscheduled = 0;
        s.numberReady = num(s, 'numberReady', 0);
        counters(s, {
          updatedNumberScheduled: 0,
          numberAvailable: num(s, 'numberAvailable', 0),
          numberUnavailable: replicas - num(s, 'numberAvailable', 0),
        });
        break;
      default:
        counters(s, {
          replicas,
          readyReplicas: num(s, 'readyReplicas', 0),
          availableReplicas: num(s, 'availableReplicas', 0),
        });
        s.fullyLabeledReplicas = replicas;
    }
  }

  /** Status once the rollout of the observed generation has finished. */
  private ready(kind: string, o: KubeObject): void {
    const spec = isObject(o.spec) ? o.spec : {};
    const s = child(o, 'status');
    const replicas = kind === 'DaemonSet' ? this.settings.nodes : num(spec, 'replicas', 1);
    const revision = `${str(o.metadata, 'name') ?? ''}-${hashOf(spec.template)}`;
    s.observedGeneration = num(o.metadata, 'generation', 1);
    switch (kind) {
      case 'Deployment':
        counters(s, {
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          unavailableReplicas: 0,
        });
        setCondition(
          s,
          condition(
            'Available',
            'True',
            'MinimumReplicasAvailable',
            'Deployment has minimum availability.',
            true,
          ),
        );
        setCondition(
          s,
          condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${revision}" has successfully progressed.`,
            true,
          ),
        );
        break;
      case 'StatefulSet':
        s.currentRevision = revision;
        s.updateRevision = revision;
        counters(s, {
          replicas,
          updatedReplicas: replicas,
          currentReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        });
        break;
      case 'DaemonSet':
        s.desiredNumberScheduled = replicas;
        s.currentNumberScheduled = replicas;
        s.numberReady = replicas;
        counters(s, { updatedNumberScheduled: replicas, numberAvailable: replicas, numberUnavailable: 0 });
        break;
      default:
        counters(s, { replicas, readyReplicas: replicas, availableReplicas: replicas });
    }
  }

  private finishJob(o: KubeObject, fail: boolean): void {
    const spec = isObject(o.spec) ? o.spec : {};
    const s = child(o, 'status');
    delete s.active;
    s.ready = 0;
    s.terminating = 0;
    s.uncountedTerminatedPods = {};
    if (fail) {
      counters(s, { failed: num(spec, 'backoffLimit', 6) + 1 });
      setCondition(
        s,
        condition(
          'FailureTarget',
          'True',
          'BackoffLimitExceeded',
          'Job has reached the specified backoff limit',
        ),
      );
      setCondition(
        s,
        condition('Failed', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit'),
      );
    } else {
      counters(s, { succeeded: num(spec, 'completions', 1) });
      s.completionTime = timestamp();
      setCondition(
        s,
        condition(
          'SuccessCriteriaMet',
          'True',
          'CompletionsReached',
          'Reached expected number of succeeded pods',
        ),
      );
      setCondition(
        s,
        condition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      );
    }
  }
}
