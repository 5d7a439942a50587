/**
 * Following objects until they are ready. One watch per kind and namespace, shared by everything
 * that waits on that kind, started from the resourceVersion of the objects just applied, so a
 * ready object is noticed as soon as the server says so. When a watch cannot be opened or fails
 * (410 Expired, a proxy that cuts streams, a server without watch), that kind falls back to
 * polling with backoff: one LIST (or GET, for one object) per round, 100 ms doubling to 2 s.
 */
import type { KubeObject } from '../model/types.js';
import type { KubeClient } from './client.js';
import type { KubeStream } from './http.js';
import { objectKey, refOf, type ObjectRef } from './objects.js';
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
  stream?: KubeStream;
  /** The resourceVersion the current watch started from. */
  from?: number;
  polling: boolean;
  running: boolean;
}

/**
 * How often waited objects are read again while a watch runs: one LIST per kind and namespace
 * still waited for. On the simulator a watch was seen to miss a Job's completion now and then,
 * which cost a whole --timeout before this existed.
 */
const RESYNC_MS = 1000;

function version(object: KubeObject | undefined): number {
  const rv = Number(object?.metadata.resourceVersion);
  return Number.isFinite(rv) ? rv : NaN;
}

export function createTracker(
  client: KubeClient,
  options: { deadline?: number; signal?: AbortSignal; now?: () => number },
): ReadinessTracker {
  const now = options.now ?? Date.now;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const groups = new Map<string, Group>();
  let closed = false;

  const settle = (group: Group, key: string, w: Waiter): void => {
    group.waiters.delete(key);
    w.resolve({ ready: w.r.ready, failed: w.r.failed, reason: w.r.reason, object: w.object });
    if (group.waiters.size === 0 && group.stream) {
      group.stream.close();
      delete group.stream;
    }
  };
  const observe = (group: Group, object: KubeObject | undefined, key: string, deleted?: KubeObject): void => {
    const w = group.waiters.get(key);
    if (!w) return;
    // An older copy than we hold, or the deletion of an earlier object of the same name (a
    // replaced Job): neither says anything about the object waited for.
    const seen = object ?? deleted;
    if (seen && version(seen) < version(w.object)) return;
    if (
      deleted &&
      deleted.metadata.uid &&
      w.object.metadata.uid &&
      deleted.metadata.uid !== w.object.metadata.uid
    )
      return;
    w.r = object ? readiness(object) : vanished(w.object);
    if (object) w.object = object;
    if (w.r.ready || w.r.failed) settle(group, key, w);
  };

  const poll = async (group: Group): Promise<void> => {
    group.polling = true;
    for (let interval = 100; group.waiters.size > 0 && !closed; interval = Math.min(interval * 2, 2000)) {
      await pause(Math.min(interval, Math.max(0, deadline - now())));
      if (closed || group.waiters.size === 0) break;
      const keys = [...group.waiters.keys()];
      const items =
        keys.length === 1
          ? [await client.get((group.waiters.get(keys[0] as string) as Waiter).ref)].filter(
              (o): o is KubeObject => o !== undefined,
            )
          : await client.list(group.apiVersion, group.kind, group.namespace);
      const byKey = new Map(items.map((o) => [objectKey(refOf(o)), o]));
      for (const key of keys) observe(group, byKey.get(key), key);
    }
    group.polling = false;
  };

  /**
   * Reads the waited objects again every few seconds while a watch runs, as informers resync: a
   * watch that silently missed an event (a proxy, a server dropping it under load) then costs a
   * few seconds instead of the whole --timeout.
   */
  const resync = async (group: Group): Promise<void> => {
    while (!closed && group.waiters.size > 0 && group.running) {
      await pause(Math.min(RESYNC_MS, Math.max(0, deadline - now())));
      if (closed || group.waiters.size === 0 || !group.running) break;
      try {
        const items = await client.list(group.apiVersion, group.kind, group.namespace);
        const byKey = new Map(items.map((o) => [objectKey(refOf(o)), o]));
        for (const key of [...group.waiters.keys()]) {
          const o = byKey.get(key);
          if (o) observe(group, o, key);
        }
      } catch {
        // the watch or the poll fallback still decides
      }
    }
  };

  const run = async (group: Group, from: number): Promise<void> => {
    group.running = true;
    void resync(group);
    let resume = from;
    try {
      while (group.waiters.size > 0 && !closed) {
        let last = resume;
        group.from = resume;
        const stream = await client.watch(
          group.apiVersion,
          group.kind,
          group.namespace,
          Number.isFinite(resume) ? String(resume) : undefined,
          (type, object) => {
            const rv = version(object);
            if (Number.isFinite(rv)) last = Math.max(last, rv);
            if (type === 'DELETED') observe(group, undefined, objectKey(refOf(object)), object);
            else observe(group, object, objectKey(refOf(object)));
          },
        );
        if (group.waiters.size === 0 || closed) {
          stream.close();
          break;
        }
        group.stream = stream;
        await stream.done;
        delete group.stream;
        resume = last; // the server ended the watch (its timeout): resume where it left off
      }
    } catch {
      delete group.stream;
      if (!closed && group.waiters.size > 0) await poll(group);
    } finally {
      group.running = false;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const cutAll = (): void => {
    closed = true;
    if (timer) clearTimeout(timer);
    for (const group of groups.values()) {
      for (const [key, w] of [...group.waiters]) settle(group, key, w);
      group.stream?.close();
    }
  };
  const armTimer = (): void => {
    if (timer || closed || !Number.isFinite(deadline)) return;
    timer = setTimeout(cutAll, Math.max(0, deadline - now()));
  };
  options.signal?.addEventListener('abort', cutAll, { once: true });

  return {
    wait(object) {
      const r = readiness(object);
      if (r.ready || r.failed || closed) return Promise.resolve({ ...r, object });
      armTimer();
      const ref = refOf(object);
      const key = objectKey(ref);
      const groupKey = `${object.apiVersion}\u0000${object.kind}\u0000${ref.namespace ?? ''}`;
      let group = groups.get(groupKey);
      if (!group) {
        group = {
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: ref.namespace,
          waiters: new Map(),
          polling: false,
          running: false,
        };
        groups.set(groupKey, group);
      }
      const g = group;
      return new Promise<WaitOutcome>((resolve) => {
        const existing = g.waiters.get(key);
        if (existing) {
          // Two parts of the deploy wait for the same object: both get the same answer.
          const first = existing.resolve;
          existing.resolve = (o) => {
            first(o);
            resolve(o);
          };
          return;
        }
        g.waiters.set(key, { ref, object, r, since: now(), resolve });
        if (g.polling) return;
        if (!g.running) {
          void run(g, version(object));
        } else if (!(version(object) >= (g.from ?? NaN))) {
          // The watch started after this object's version: read it once in case it changed between.
          void client.get(ref).then(
            (o) => observe(g, o, key),
            () => {},
          );
        }
      });
    },
    waiting() {
      const out: NotReady[] = [];
      for (const group of groups.values())
        for (const w of group.waiters.values())
          out.push({
            ref: w.ref,
            reason: w.r.reason,
            conditions: describeConditions(w.object),
            failed: w.r.failed,
            since: w.since,
          });
      return out.sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
    },
    close: cutAll,
  };
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
