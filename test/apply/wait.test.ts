/**
 * Following readiness without a cluster: a shared watch notices a ready object at once, a watch
 * that cannot be opened falls back to polling, and closing the tracker ends every wait.
 */
import type { KubeClient } from '../../src/kube/client.js';
import { KubeApiError } from '../../src/kube/http.js';
import { createTracker } from '../../src/apply/wait.js';
import type { KubeObject } from '../../src/model/types.js';

const job = (name: string, rv: number, complete: boolean): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'ns', resourceVersion: String(rv) },
  spec: {},
  status: complete ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
});

type WatchEvent = 'MODIFIED' | 'DELETED';

/** A client whose watch the test drives: `emit` delivers an event to the tracker's open watch. */
function drivenWatch(rest: { get?: () => Promise<unknown>; list?: () => Promise<unknown> } = {}): {
  client: KubeClient;
  emit(type: WatchEvent, object: KubeObject): void;
} {
  let deliver: (type: WatchEvent, object: KubeObject) => void = () => {};
  const client = {
    watch: async (
      _v: string,
      _k: string,
      _ns: string | undefined,
      _from: string | undefined,
      onEvent: typeof deliver,
    ) => {
      deliver = onEvent;
      return { done: new Promise<void>(() => {}), close: () => {} };
    },
    ...rest,
  } as unknown as KubeClient;
  return { client, emit: (type, object) => deliver(type, object) };
}

describe('readiness tracker', () => {
  it('follows objects with one watch per kind, started from the version the apply returned', async () => {
    const watches: { from: string | undefined; emit: (t: 'MODIFIED', o: KubeObject) => void }[] = [];
    let gets = 0;
    const client = {
      watch: async (
        _v: string,
        _k: string,
        _ns: string | undefined,
        from: string | undefined,
        onEvent: (t: 'MODIFIED', o: KubeObject) => void,
      ) => {
        watches.push({ from, emit: onEvent });
        let close: () => void = () => {};
        return { done: new Promise<void>((resolve) => (close = resolve)), close: () => close() };
      },
      get: async () => {
        gets++;
        return undefined;
      },
    } as unknown as KubeClient;
    const tracker = createTracker(client, {});
    const a = tracker.wait(job('a', 5, false));
    const b = tracker.wait(job('b', 6, false));
    await new Promise((r) => setTimeout(r, 10));
    expect(watches.map((w) => w.from)).toEqual(['5']);
    expect(tracker.waiting().map((n) => n.ref.name)).toEqual(['a', 'b']);
    const started = Date.now();
    watches[0]?.emit('MODIFIED', job('b', 8, true));
    expect((await b).ready).toBe(true);
    watches[0]?.emit('MODIFIED', job('a', 9, true));
    expect((await a).ready).toBe(true);
    expect(Date.now() - started).toBeLessThan(50);
    expect(gets).toBe(0);
    tracker.close();
  });

  it('ignores the deletion of an earlier object of the same name (a replaced Job) but fails on the deletion of the one waited for', async () => {
    const { client, emit } = drivenWatch();
    const tracker = createTracker(client, {});
    const withUid = (o: KubeObject, uid: string): KubeObject => ({ ...o, metadata: { ...o.metadata, uid } });
    const waiting = tracker.wait(withUid(job('j', 20, false), 'new'));
    await new Promise((r) => setTimeout(r, 5));
    emit('DELETED', withUid(job('j', 15, false), 'old')); // the old Job, gone before the new one existed
    emit('DELETED', withUid(job('j', 21, false), 'other')); // same name, another object
    expect(tracker.waiting().map((n) => n.ref.name)).toEqual(['j']);
    emit('DELETED', withUid(job('j', 22, false), 'new'));
    const outcome = await waiting;
    expect(outcome.failed).toBe(true);
    expect(outcome.reason).toBe('deleted while waiting for it');
    tracker.close();
  });

  it('falls back to polling when the watch fails, and ends waits when closed', async () => {
    let reads = 0;
    const client = {
      watch: async () => {
        throw new KubeApiError(405, 'MethodNotAllowed', 'watch is not allowed', undefined);
      },
      get: async () => {
        reads++;
        return job('a', 10 + reads, reads >= 2);
      },
      list: async () => [],
    } as unknown as KubeClient;
    const tracker = createTracker(client, {});
    const outcome = await tracker.wait(job('a', 1, false));
    expect(outcome.ready).toBe(true);
    expect(reads).toBe(2);

    const never = tracker.wait(job('b', 1, false));
    tracker.close();
    const cut = await never;
    expect(cut.ready).toBe(false);
    expect(cut.failed).toBe(false);
  });
  it('notices a completion the shared watch delivered before the wait for that object began', async () => {
    // One Job's wait opened the watch; another Job, applied in the same step, completed and its
    // event arrived before deploy started waiting for it (waits begin once the whole step is applied).
    let reads = 0;
    const { client, emit } = drivenWatch({
      get: async () => {
        reads++;
        return undefined;
      },
      list: async () => {
        reads++;
        return [];
      },
    });
    const tracker = createTracker(client, { deadline: Date.now() + 500 });
    const first = tracker.wait(job('first', 5, false));
    await new Promise((r) => setTimeout(r, 5));
    emit('MODIFIED', job('second', 8, true)); // nobody waits for it yet
    // Without the watch's memory this wait could only end by the 500 ms deadline (not ready) or
    // by reading the Job (reads > 0): ready with no read proves the remembered event answered it.
    const second = await tracker.wait(job('second', 7, false));
    expect(second.ready).toBe(true);
    expect(reads).toBe(0);
    emit('MODIFIED', job('first', 9, true));
    expect((await first).ready).toBe(true);
    tracker.close();
  });
});
