/**
 * Following objects until they are ready. One watch per kind and namespace, shared by everything
 * that waits on that kind, started from the resourceVersion of the objects just applied, so a
 * ready object is noticed as soon as the server says so. When a watch cannot be opened or fails
 * (410 Expired, a proxy that cuts streams, a server without watch), that kind falls back to
 * polling with backoff: one LIST (or GET, for one object) per round, 100 ms doubling to 2 s.
 */
import type { KubeObject } from '../model/types.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeStream } from '../kube/http.js';
import { objectKey, refOf, type ObjectRef } from '../kube/objects.js';
import { readiness, describeConditions, type Readiness } from './readiness.js';

export interface NotReady {
  ref: ObjectRef;
  reason: string;
  conditions: string;
  failed: boolean;
  /** When deploy started waiting for it (epoch ms). */
  since?: number;
}

/** How a wait ended: ready, failed for good, or cut short (deadline, interruption). */
export interface WaitOutcome {
  ready: boolean;
  failed: boolean;
  reason: string;
  object: KubeObject | undefined;
}

export interface ReadinessTracker {
  /** Resolves when `object` is ready, failed for good, or the wait is cut short. */
  wait(object: KubeObject): Promise<WaitOutcome>;
  /** What is being waited for now, with the reason and since when (for progress and reports). */
  waiting(): NotReady[];
  /** Ends every wait (they resolve not ready) and closes the watches. */
  close(): void;
}

/**
 * An object deleted while we waited for it cannot become ready until it is applied again, so it
 * fails at once instead of at the timeout. A Job with ttlSecondsAfterFinished is the usual case:
 * the TTL controller removed it before its result could be read.
 */
function vanished(last: KubeObject): Readiness {
  const ttl = (last.spec as { ttlSecondsAfterFinished?: unknown } | undefined)?.ttlSecondsAfterFinished;
  return {
    ready: false,
    failed: true,
    reason:
      last.kind === 'Job' && typeof ttl === 'number'
        ? `deleted while waiting for it, by its ttlSecondsAfterFinished (${ttl}) before its result could be read: raise it`
        : 'deleted while waiting for it',
  };
}

interface Waiter {
  ref: ObjectRef;
  object: KubeObject;
  r: Readiness;
  since: number;
  resolve: (outcome: WaitOutcome) => void;
}

interface Group {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  waiters: Map<string, Waiter>;
  /**
   * The last state the watch delivered for every object of the group, waited for or not. Deploy
   * starts waiting for an object only once its whole step is applied, so the event that makes it
   * ready (a Job completing at once) often arrives before its wait: this is where the wait finds it.
   */
  seen: Map<string, { object: KubeObject; deleted: boolean }>;
  stream?: KubeStream;
  /** The resourceVersion the current watch started from. */
  from?: number;
  polling: boolean;
  running: boolean;
}

/**
 * How often waited objects are read again while a watch runs: one LIST per kind and namespace
 * still waited for. Only a safety net for a watch that silently loses an event (a proxy, a server
 * dropping it under load): readiness itself comes from the watch.
 */
const RESYNC_MS = 15_000;

function version(object: KubeObject | undefined): number {
  const rv = Number(object?.metadata.resourceVersion);
  return Number.isFinite(rv) ? rv : NaN;
}

/** One watch (or poll) per kind and namespace, shared by every wait on that kind. */
class Tracker implements ReadinessTracker {
  private readonly groups = new Map<string, Group>();
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly deadline: number;

  constructor(
    private readonly client: KubeClient,
    options: { deadline?: number; signal?: AbortSignal; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  wait(object: KubeObject): Promise<WaitOutcome> {
    const r = readiness(object);
    if (r.ready || r.failed || this.closed) return Promise.resolve({ ...r, object });
    this.armTimer();
    const ref = refOf(object);
    const key = objectKey(ref);
    const group = this.groupOf(object, ref);
    return new Promise<WaitOutcome>((resolve) => {
      const existing = group.waiters.get(key);
      if (existing) {
        // Two parts of the deploy wait for the same object: both get the same answer.
        const first = existing.resolve;
        existing.resolve = (o) => {
          first(o);
          resolve(o);
        };
        return;
      }
      group.waiters.set(key, { ref, object, r, since: this.now(), resolve });
      if (group.polling) return;
      if (!group.running) {
        void this.run(group, version(object));
        return;
      }
      const seen = group.seen.get(key);
      if (seen?.deleted) this.observe(group, undefined, key, seen.object);
      else if (seen) this.observe(group, seen.object, key);
      if (group.waiters.has(key) && !(version(object) >= (group.from ?? NaN))) {
        // The watch started after this object's version: read it once in case it changed between.
        void this.client.get(ref).then(
          (o) => this.observe(group, o, key),
          () => {},
        );
      }
    });
  }

  waiting(): NotReady[] {
    const out: NotReady[] = [];
    for (const group of this.groups.values())
      for (const w of group.waiters.values())
        out.push({
          ref: w.ref,
          reason: w.r.reason,
          conditions: describeConditions(w.object),
          failed: w.r.failed,
          since: w.since,
        });
    return out.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const group of this.groups.values()) {
      for (const [key, w] of [...group.waiters]) this.settle(group, key, w);
      group.stream?.close();
    }
  }

  private groupOf(object: KubeObject, ref: ObjectRef): Group {
    const groupKey = `${object.apiVersion}\u0000${object.kind}\u0000${ref.namespace ?? ''}`;
    let group = this.groups.get(groupKey);
    if (!group) {
      group = {
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: ref.namespace,
        waiters: new Map(),
        seen: new Map(),
        polling: false,
        running: false,
      };
      this.groups.set(groupKey, group);
    }
    return group;
  }

  private armTimer(): void {
    if (this.timer || this.closed || !Number.isFinite(this.deadline)) return;
    this.timer = setTimeout(() => this.close(), Math.max(0, this.deadline - this.now()));
  }

  private settle(group: Group, key: string, w: Waiter): void {
    group.waiters.delete(key);
    w.resolve({ ready: w.r.ready, failed: w.r.failed, reason: w.r.reason, object: w.object });
    if (group.waiters.size === 0 && group.stream) {
      group.stream.close();
      delete group.stream;
    }
  }

  private observe(group: Group, object: KubeObject | undefined, key: string, deleted?: KubeObject): void {
    const w = group.waiters.get(key);
    if (!w) return;
    // An older copy than we hold, or the deletion of an earlier object of the same name (a
    // replaced Job): neither says anything about the object waited for.
    const seen = object ?? deleted;
    if (seen && version(seen) < version(w.object)) return;
    if (deleted?.metadata.uid && w.object.metadata.uid && deleted.metadata.uid !== w.object.metadata.uid)
      return;
    w.r = object ? readiness(object) : vanished(w.object);
    if (object) w.object = object;
    if (w.r.ready || w.r.failed) this.settle(group, key, w);
  }

  /** Reads the waited objects every round, 100 ms doubling to 2 s, after a watch failed. */
  private async poll(group: Group): Promise<void> {
    group.polling = true;
    for (
      let interval = 100;
      group.waiters.size > 0 && !this.closed;
      interval = Math.min(interval * 2, 2000)
    ) {
      await pause(Math.min(interval, Math.max(0, this.deadline - this.now())));
      if (this.closed || group.waiters.size === 0) break;
      const keys = [...group.waiters.keys()];
      const items =
        keys.length === 1
          ? [await this.client.get((group.waiters.get(keys[0] as string) as Waiter).ref)].filter(
              (o): o is KubeObject => o !== undefined,
            )
          : await this.client.list(group.apiVersion, group.kind, group.namespace);
      const byKey = new Map(items.map((o) => [objectKey(refOf(o)), o]));
      for (const key of keys) this.observe(group, byKey.get(key), key);
    }
    group.polling = false;
  }

  /** Reads the waited objects again now and then while a watch runs, as informers resync. */
  private async resync(group: Group): Promise<void> {
    while (!this.closed && group.waiters.size > 0 && group.running) {
      // Unref'd: a resync never keeps the process alive once deploy is done.
      await pause(Math.min(RESYNC_MS, Math.max(0, this.deadline - this.now())), false);
      if (this.closed || group.waiters.size === 0 || !group.running) break;
      try {
        const items = await this.client.list(group.apiVersion, group.kind, group.namespace);
        const byKey = new Map(items.map((o) => [objectKey(refOf(o)), o]));
        for (const key of [...group.waiters.keys()]) {
          const o = byKey.get(key);
          if (o) this.observe(group, o, key);
        }
      } catch {
        // the watch or the poll fallback still decides
      }
    }
  }

  private async run(group: Group, from: number): Promise<void> {
    group.running = true;
    void this.resync(group);
    let resume = from;
    try {
      while (group.waiters.size > 0 && !this.closed) {
        group.from = resume;
        const watched = { last: resume };
        const stream = await this.client.watch(
          group.apiVersion,
          group.kind,
          group.namespace,
          Number.isFinite(resume) ? String(resume) : undefined,
          (type, object) => this.onEvent(group, watched, type, object),
        );
        if (group.waiters.size === 0 || this.closed) {
          stream.close();
          break;
        }
        group.stream = stream;
        await stream.done;
        delete group.stream;
        resume = watched.last; // the server ended the watch (its timeout): resume where it left off
      }
    } catch {
      delete group.stream;
      if (!this.closed && group.waiters.size > 0) await this.poll(group);
    } finally {
      group.running = false;
    }
  }

  private onEvent(
    group: Group,
    watched: { last: number },
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    object: KubeObject,
  ): void {
    const rv = version(object);
    if (Number.isFinite(rv)) watched.last = Math.max(watched.last, rv);
    const key = objectKey(refOf(object));
    const deleted = type === 'DELETED';
    group.seen.set(key, { object, deleted });
    if (deleted) this.observe(group, undefined, key, object);
    else this.observe(group, object, key);
  }
}

export function createTracker(
  client: KubeClient,
  options: { deadline?: number; signal?: AbortSignal; now?: () => number },
): ReadinessTracker {
  return new Tracker(client, options);
}

function pause(ms: number, holdProcess = true): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (!holdProcess) timer.unref();
  });
}

/**
 * Waits for every object of `current` with one tracker; resolves with those not ready at the
 * deadline (or failed for good), empty when all are ready.
 */
export async function waitReady(
  client: KubeClient,
  current: readonly KubeObject[],
  options: { deadline: number; signal?: AbortSignal },
): Promise<NotReady[]> {
  const tracker = createTracker(client, options);
  try {
    const outcomes = await Promise.all(current.map((o) => tracker.wait(o)));
    return outcomes.flatMap((o, i) =>
      o.ready
        ? []
        : [
            {
              ref: refOf(current[i] as KubeObject),
              reason: o.reason,
              conditions: o.object ? describeConditions(o.object) : '',
              failed: o.failed,
            },
          ],
    );
  } finally {
    tracker.close();
  }
}
