/**
 * Events as the components record them: a core/v1 Event per (object, reason, message), its count
 * and lastTimestamp bumped when the same thing happens again (the client-go recorder's
 * aggregation), mirrored into events.k8s.io/v1 so both APIs list what happened.
 */
import { ApiError } from './api-error.js';
import type { Api } from './api.js';
import type { JsonObject, KubeObject } from './json.js';
import { str, timestamp } from './json.js';
import { groupVersion } from './resources.js';

export type EventType = 'Normal' | 'Warning';

let sequence = 0n;

/** Records events on behalf of the simulated components. */
export class EventRecorder {
  /** `uid|reason|message` → the recorded core Event's namespace and name. */
  private readonly seen = new Map<string, { namespace: string; name: string; count: number }>();

  constructor(private readonly api: Api) {}

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
    const key = `${uid}|${reason}|${message}`;
    const now = timestamp();
    const coreType = this.api.registry.byKind('v1', 'Event');
    const newType = this.api.registry.byKind('events.k8s.io/v1', 'Event');
    const previous = this.seen.get(key);
    try {
      if (previous && coreType) {
        previous.count++;
        const count = previous.count;
        this.api.controllerWrite(
          coreType,
          previous.namespace,
          previous.name,
          (e) => {
            e.count = count;
            e.lastTimestamp = now;
          },
          'main',
        );
        if (newType)
          this.api.controllerWrite(
            newType,
            previous.namespace,
            previous.name,
            (e) => {
              e.series = { count, lastObservedTime: new Date().toISOString().replace('Z', '000Z') };
            },
            'main',
          );
        return;
      }
      const namespace = str(obj.metadata, 'namespace') ?? 'default';
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
      const opts = { dryRun: false, fieldManager: component };
      if (coreType)
        this.api.create(
          coreType,
          namespace,
          {
            apiVersion: 'v1',
            kind: 'Event',
            metadata: { name, namespace },
            involvedObject: involved,
            reason,
            message,
            source: host ? { component, host } : { component },
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
            type,
            eventTime: null,
            reportingComponent: component,
            reportingInstance: host ?? '',
          },
          opts,
        );
      if (newType)
        this.api.create(
          newType,
          namespace,
          {
            apiVersion: groupVersion('events.k8s.io', 'v1'),
            kind: 'Event',
            metadata: { name, namespace },
            eventTime: new Date().toISOString().replace('Z', '000Z'),
            reportingController: component,
            reportingInstance: host ?? component,
            action: reason,
            reason,
            regarding: involved,
            note: message,
            type,
            deprecatedSource: host ? { component, host } : { component },
            deprecatedFirstTimestamp: now,
            deprecatedLastTimestamp: now,
            deprecatedCount: 1,
          },
          opts,
        );
      this.seen.set(key, { namespace, name, count: 1 });
    } catch (err) {
      // A namespace being deleted refuses new events, as the real one does; nothing to record.
      if (!(err instanceof ApiError)) throw err;
    }
  }

  /** Forgets aggregation state of a deleted object's events. */
  forget(uid: string): void {
    for (const k of [...this.seen.keys()]) if (k.startsWith(`${uid}|`)) this.seen.delete(k);
  }
}
