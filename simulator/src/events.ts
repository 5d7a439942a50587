/**
 * Events as the components record them: a core/v1 Event per (object, reason, message), its count
 * and lastTimestamp bumped when the same thing happens again (the client-go recorder's
 * aggregation), mirrored into events.k8s.io/v1 so both APIs list what happened. Events go
 * straight into the store (no admission, validation or managedFields): a cluster writes more of
 * them than of anything else, and a namespace being deleted gets none.
 */
import { randomUUID } from 'node:crypto';
import type { Api } from './api.js';
import type { JsonObject, KubeObject } from './json.js';
import { str, timestamp } from './json.js';
import { resourceKey } from './store.js';

export type EventType = 'Normal' | 'Warning';

let sequence = 0n;

const microTime = (): string => new Date().toISOString().replace('Z', '000Z');

/** Records events on behalf of the simulated components. */
export class EventRecorder {
  /** `uid|reason|message` → the stored pair, for aggregation. */
  private readonly seen = new Map<string, { core: KubeObject; next: KubeObject }>();

  constructor(
    private readonly api: Api,
    /** Whether events may be written into a namespace (it exists and is not terminating). */
    private readonly writable: (namespace: string) => boolean,
  ) {}

  /** Records that `reason` happened to `obj`, as `component` (e.g. `kubelet`, `default-scheduler`). */
  record(
    obj: KubeObject,
    type: EventType,
    reason: string,
    message: string,
    component: string,
    host?: string,
  ): void {
    const uid = str(obj.metadata, 'uid') ?? '';
    const namespace = str(obj.metadata, 'namespace') ?? 'default';
    if (!this.writable(namespace)) return;
    const coreType = this.api.registry.byKind('v1', 'Event');
    const newType = this.api.registry.byKind('events.k8s.io/v1', 'Event');
    if (!coreType || !newType) return;
    const key = `${uid}|${reason}|${message}`;
    const now = timestamp();
    const previous = this.seen.get(key);
    if (
      previous &&
      this.api.store.get(resourceKey(coreType), namespace, String(previous.core.metadata.name))
    ) {
      const count = Number(previous.core.count ?? 1) + 1;
      previous.core = this.api.store.put(resourceKey(coreType), {
        ...previous.core,
        count,
        lastTimestamp: now,
      });
      previous.next = this.api.store.put(resourceKey(newType), {
        ...previous.next,
        series: { count, lastObservedTime: microTime() },
      });
      return;
    }
    const name = `${str(obj.metadata, 'name') ?? ''}.${(BigInt(Date.now()) * 1000000n + sequence++).toString(16)}`;
    const involved: JsonObject = {
      kind: String(obj.kind ?? ''),
      namespace: str(obj.metadata, 'namespace') ?? '',
      name: str(obj.metadata, 'name') ?? '',
      uid,
      apiVersion: String(obj.apiVersion ?? ''),
      resourceVersion: str(obj.metadata, 'resourceVersion') ?? '',
    };
    if (!involved.namespace) delete involved.namespace;
    const metadata = (): JsonObject => ({ name, namespace, uid: randomUUID(), creationTimestamp: now });
    const source: JsonObject = host ? { component, host } : { component };
    const core = this.api.store.put(resourceKey(coreType), {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: metadata(),
      involvedObject: involved,
      reason,
      message,
      source,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? '',
    });
    const next = this.api.store.put(resourceKey(newType), {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: metadata(),
      eventTime: microTime(),
      reportingController: component,
      reportingInstance: host ?? component,
      action: reason,
      reason,
      regarding: involved,
      note: message,
      type,
      deprecatedSource: source,
      deprecatedFirstTimestamp: now,
      deprecatedLastTimestamp: now,
      deprecatedCount: 1,
    });
    this.seen.set(key, { core, next });
  }

  /** Forgets aggregation state of a deleted object's events. */
  forget(uid: string): void {
    for (const k of [...this.seen.keys()]) if (k.startsWith(`${uid}|`)) this.seen.delete(k);
  }
}
