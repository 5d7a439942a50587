/**
 * The simulator's object store: objects per resource, one global resourceVersion counter (as
 * etcd's revision), and a bounded event history so watches can resume from a resourceVersion.
 */
import type { KubeObject } from './json.js';
import { clone, str } from './json.js';
import type { ResourceType } from './resources.js';

/** A watch event as sent on the wire. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The resource the object belongs to (`group/plural`). */
  resource: string;
  /** The resourceVersion the event happened at. */
  rv: number;
  object: KubeObject;
  /** The object as it was before the event (history only, for reads at an older resourceVersion). */
  before?: KubeObject;
}

/** Something listening to the store's changes. */
export type Listener = (event: WatchEvent) => void;

/** A resource type's storage key (versions of one CRD kind share storage). */
export function resourceKey(type: Pick<ResourceType, 'group' | 'plural'>): string {
  return `${type.group}/${type.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** How many events watches can resume from by default before answering 410 Gone. */
const defaultHistoryLimit = 5000;

/** Objects, the resourceVersion counter, events and listeners. */
export class ObjectStore {
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private readonly history: WatchEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private revision = 1;

  /** `historyLimit`: how many events a watch can resume from (older resourceVersions get 410). */
  constructor(private readonly historyLimit = defaultHistoryLimit) {}

  /** The current resourceVersion (what a list reports). */
  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resourceVersion a watch can resume from. */
  get oldestResumable(): number {
    return this.history[0]?.rv ?? this.revision;
  }

  private bucket(resource: string): Map<string, KubeObject> {
    let b = this.data.get(resource);
    if (!b) {
      b = new Map();
      this.data.set(resource, b);
    }
    return b;
  }

  /** A copy of one object, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.data.get(resource)?.get(objectKey(namespace, name));
    return obj ? clone(obj) : undefined;
  }

  /** Copies of the objects of a resource (in one namespace, or all), sorted by namespace/name. */
  list(resource: string, namespace?: string): KubeObject[] {
    const b = this.data.get(resource);
    if (!b) return [];
    return [...b.entries()]
      .filter(([, o]) => namespace === undefined || str(o.metadata, 'namespace') === namespace)
      .sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0))
      .map(([, o]) => clone(o));
  }

  /** Every stored object with its resource key (for namespace deletion and garbage collection). */
  *entries(): Generator<[string, KubeObject]> {
    for (const [resource, b] of this.data) for (const o of b.values()) yield [resource, o];
  }

  /** Stores an object at the next resourceVersion and announces it; returns the stored copy. */
  put(resource: string, obj: KubeObject): KubeObject {
    const name = str(obj.metadata, 'name') ?? '';
    const namespace = str(obj.metadata, 'namespace');
    const b = this.bucket(resource);
    const key = objectKey(namespace, name);
    const old = b.get(key);
    const type = old ? 'MODIFIED' : 'ADDED';
    this.revision++;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(this.revision);
    b.set(key, stored);
    this.emit({ type, resource, rv: this.revision, object: clone(stored) }, old);
    return clone(stored);
  }

  /** Removes an object (announcing DELETED at a new resourceVersion); returns what was removed. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const b = this.data.get(resource);
    const key = objectKey(namespace, name);
    const obj = b?.get(key);
    if (!b || !obj) return undefined;
    b.delete(key);
    this.revision++;
    const gone = clone(obj);
    gone.metadata.resourceVersion = String(this.revision);
    this.emit({ type: 'DELETED', resource, rv: this.revision, object: clone(gone) }, obj);
    return gone;
  }

  /** Forgets every object of a resource silently (a CRD's kinds after the CRD is gone). */
  dropResource(resource: string): void {
    for (const o of this.list(resource))
      this.remove(resource, str(o.metadata, 'namespace'), str(o.metadata, 'name') ?? '');
    this.data.delete(resource);
  }

  /** Events after `rv` for a resource, or undefined when history no longer reaches back that far. */
  eventsSince(resource: string, rv: number): WatchEvent[] | undefined {
    if (this.compacted(rv)) return undefined;
    return this.history
      .filter((e) => e.rv > rv && e.resource === resource)
      .map((e) => ({ type: e.type, resource: e.resource, rv: e.rv, object: clone(e.object) }));
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether `rv` lies before the oldest change the history still holds (etcd would have compacted it). */
  compacted(rv: number): boolean {
    return rv < this.oldestResumable - 1 && this.history.length >= this.historyLimit;
  }

  /**
   * The objects of a resource as they were at `rv` (sorted like `list`), rolled back from the
   * current state through the history; undefined when `rv` is compacted.
   */
  listAt(resource: string, rv: number, namespace?: string): KubeObject[] | undefined {
    if (this.compacted(rv)) return undefined;
    const state = new Map<string, KubeObject>();
    for (const o of this.data.get(resource)?.values() ?? [])
      state.set(objectKey(str(o.metadata, 'namespace'), str(o.metadata, 'name') ?? ''), o);
    for (let i = this.history.length - 1; i >= 0 && this.history[i]!.rv > rv; i--) {
      const e = this.history[i]!;
      if (e.resource !== resource) continue;
      const key = objectKey(str(e.object.metadata, 'namespace'), str(e.object.metadata, 'name') ?? '');
      if (e.before) state.set(key, e.before);
      else state.delete(key);
    }
    return [...state.entries()]
      .filter(([, o]) => namespace === undefined || str(o.metadata, 'namespace') === namespace)
      .sort(([a], [b2]) => (a < b2 ? -1 : a > b2 ? 1 : 0))
      .map(([, o]) => clone(o));
  }

  private emit(event: WatchEvent, before?: KubeObject): void {
    this.history.push(before ? { ...event, before } : event);
    if (this.history.length > this.historyLimit) this.history.shift();
    for (const l of [...this.listeners]) l(event);
  }
}
