/**
 * Waiting for objects to become ready, by polling with backoff: one LIST per kind and namespace
 * per round rather than a GET per object, starting fast (most objects in the simulator and in
 * small clusters are ready within a second) and slowing down to once every two seconds.
 */
import type { KubeObject } from '../render/types.js';
import type { KubeClient } from './client.js';
import { sleep } from './http.js';
import { objectKey, refOf, type ObjectRef } from './objects.js';
import { readiness, describeConditions, type Readiness } from './readiness.js';

export interface NotReady {
  ref: ObjectRef;
  reason: string;
  conditions: string;
  failed: boolean;
}

export interface WaitOptions {
  deadline: number;
  onProgress?: (pending: number, first: NotReady | undefined) => void;
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

/** Resolves with the objects still not ready at the deadline (or failed for good); empty when all are ready. */
export async function waitReady(
  client: KubeClient,
  current: readonly KubeObject[],
  options: WaitOptions,
): Promise<NotReady[]> {
  const state = new Map<string, { ref: ObjectRef; object: KubeObject | undefined; r: Readiness }>();
  for (const o of current) state.set(objectKey(refOf(o)), { ref: refOf(o), object: o, r: readiness(o) });
  let interval = 100;
  for (;;) {
    const pending = [...state.values()].filter((s) => !s.r.ready);
    const failed = pending.filter((s) => s.r.failed);
    if (pending.length === 0) return [];
    const report = (): NotReady[] =>
      pending.map((s) => ({
        ref: s.ref,
        reason: s.r.reason,
        conditions: s.object ? describeConditions(s.object) : '',
        failed: s.r.failed,
      }));
    if (failed.length > 0 || Date.now() >= options.deadline) return report();
    options.onProgress?.(pending.length, report()[0]);
    await sleep(Math.min(interval, Math.max(0, options.deadline - Date.now())));
    interval = Math.min(interval * 2, 2000);
    const groups = new Map<string, ObjectRef>();
    for (const s of pending)
      groups.set(`${s.ref.apiVersion}\u0000${s.ref.kind}\u0000${s.ref.namespace ?? ''}`, s.ref);
    await Promise.all(
      [...groups.values()].map(async (g) => {
        const wanted = pending.filter(
          (s) =>
            s.ref.apiVersion === g.apiVersion && s.ref.kind === g.kind && s.ref.namespace === g.namespace,
        );
        const items =
          wanted.length === 1
            ? [await client.get(g)].filter((o): o is KubeObject => o !== undefined)
            : await client.list(g.apiVersion, g.kind, g.namespace);
        const byKey = new Map(items.map((o) => [objectKey(refOf(o)), o]));
        for (const s of wanted) {
          const key = objectKey(s.ref);
          const object = byKey.get(key);
          state.set(key, {
            ref: s.ref,
            object,
            r: object
              ? readiness(object)
              : s.object
                ? vanished(s.object)
                : { ready: false, failed: false, reason: 'not found' },
          });
        }
      }),
    );
  }
}
