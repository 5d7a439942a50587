/**
 * The Kubernetes client every cluster action uses: addressing by apiVersion/kind through
 * discovery, server-side apply (field manager `stackanetes`, force), dry-run, lists with
 * pagination, deletes. Errors carry the object they concern, so messages name it.
 */
import { ClusterError, describeCause } from '../errors.js';
import type { KubeObject } from '../model/types.js';
import { loadClusterTarget, type ClusterFlags, type ClusterTarget } from './config.js';
import { Discovery, type ResourceInfo } from './discovery.js';
import {
  createTransport,
  isApiError,
  KubeApiError,
  type KubeStream,
  type KubeTransport,
  type TransportOptions,
} from './http.js';
import { describeRef, FIELD_MANAGER, type ObjectRef } from './objects.js';

export interface ListOptions {
  labelSelector?: string;
}

export interface ApplyOptions {
  dryRun?: boolean;
  /** Take over fields another manager owns (we always do: the package is the desired state). */
  force?: boolean;
}

export interface KubeClient {
  readonly target: ClusterTarget;
  readonly transport: KubeTransport;
  /** The resource for a kind, or undefined when the cluster does not serve it (yet). */
  resource(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  /** Like `resource`, falling back to another served version of the group (for objects recorded under an old one). */
  resourceInAnyVersion(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    options?: ListOptions,
  ): Promise<KubeObject[]>;
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /**
   * Creates an object. `retry` resends after a failure that may have reached the server; the
   * caller must then treat 409 AlreadyExists as possibly its own earlier attempt.
   */
  create(object: KubeObject, options?: { retry?: boolean }): Promise<KubeObject>;
  mergePatch(ref: ObjectRef, patch: unknown): Promise<KubeObject>;
  /**
   * Watches a collection from `resourceVersion` (events after it), handing each ADDED, MODIFIED
   * or DELETED object to `onEvent`; an ERROR event (410 Expired) rejects `done`.
   */
  watch(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    resourceVersion: string | undefined,
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): Promise<KubeStream>;
  /** Deletes with background propagation; false when it was already gone. */
  delete(ref: ObjectRef, options?: { propagation?: 'Background' | 'Foreground' }): Promise<boolean>;
  close(): void;
}

/** Connects to the cluster the flags select (nothing is sent until the first call). */
export function connect(flags: ClusterFlags, options: TransportOptions = {}): KubeClient {
  const target = loadClusterTarget(flags);
  return createClient(target, createTransport(target, options));
}

/** Turns a discovered kind into API paths; throws the one-line error for kinds the cluster lacks. */
class Paths {
  constructor(
    private readonly target: ClusterTarget,
    private readonly discovery: Discovery,
  ) {}

  async need(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const info = await this.discovery.resolve(apiVersion, kind);
    if (!info) {
      throw new ClusterError(`the cluster at ${this.target.server} does not serve ${kind} in ${apiVersion}`, {
        hint: 'install the CustomResourceDefinition or API that provides it, or fix apiVersion/kind',
      });
    }
    return info;
  }

  collection(info: ResourceInfo, namespace: string | undefined): string {
    const base = info.apiVersion.includes('/') ? `/apis/${info.apiVersion}` : `/api/${info.apiVersion}`;
    return info.namespaced && namespace
      ? `${base}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`
      : `${base}/${info.plural}`;
  }

  async object(ref: ObjectRef): Promise<string> {
    const info = await this.need(ref.apiVersion, ref.kind);
    if (info.namespaced && !ref.namespace) {
      throw new ClusterError(`${describeRef(ref)} is namespaced but has no namespace`);
    }
    return `${this.collection(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
  }
}

/** Rethrows an API error with the verb and the object it concerns in front of its message. */
function wrap(ref: ObjectRef, verb: string, err: unknown): never {
  if (err instanceof KubeApiError) {
    throw new KubeApiError(
      err.status,
      err.reason,
      `${verb} ${describeRef(ref)}: ${err.message}`,
      err.details,
    );
  }
  throw err;
}

/** Every page of a list, items stamped with the apiVersion/kind a real API server leaves out of them. */
async function listAll(
  transport: KubeTransport,
  path: string,
  apiVersion: string,
  kind: string,
  options: ListOptions,
): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const page = await transport.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
      method: 'GET',
      path,
      query: { labelSelector: options.labelSelector, limit: 500, continue: token },
      idempotent: true,
    });
    for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
    token = page.metadata?.continue || undefined;
  } while (token);
  return items;
}

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** See KubeClient.watch: the stream of one collection, ERROR events turned into a rejected `done`. */
function watchCollection(
  transport: KubeTransport,
  path: string,
  apiVersion: string,
  kind: string,
  resourceVersion: string | undefined,
  onEvent: (type: WatchEventType, object: KubeObject) => void,
): KubeStream {
  let failure: KubeApiError | undefined;
  const query = {
    watch: 1,
    resourceVersion,
    allowWatchBookmarks: true,
    // The server ends a watch after this; the caller resumes from the last version seen.
    timeoutSeconds: 300,
  };
  const stream = transport.stream({ path, query }, (line) => {
    let event: { type?: string; object?: KubeObject & { code?: number; reason?: string; message?: string } };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      return;
    }
    const o = event.object;
    if (!o) return;
    if (event.type === 'ERROR') {
      failure ??= new KubeApiError(o.code ?? 500, o.reason ?? 'Error', o.message ?? 'watch error', o);
      stream.close();
      return;
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
      onEvent(event.type, { ...o, apiVersion, kind });
  });
  return {
    done: stream.done.then(() => {
      if (failure) throw failure;
    }),
    close: () => stream.close(),
  };
}

export function createClient(target: ClusterTarget, transport: KubeTransport): KubeClient {
  const discovery = new Discovery(transport);
  const paths = new Paths(target, discovery);
  const need = (apiVersion: string, kind: string) => paths.need(apiVersion, kind);
  const collectionPath = (info: ResourceInfo, namespace: string | undefined) =>
    paths.collection(info, namespace);
  const objectPath = (ref: ObjectRef) => paths.object(ref);

  return {
    target,
    transport,
    resource: (apiVersion, kind) => discovery.resolve(apiVersion, kind),
    resourceInAnyVersion: (apiVersion, kind) => discovery.resolveAnyVersion(apiVersion, kind),
    async get(ref) {
      const path = await objectPath(ref);
      try {
        return await transport.request<KubeObject>({ method: 'GET', path, idempotent: true });
      } catch (err) {
        if (isApiError(err, 404)) return undefined;
        return wrap(ref, 'reading', err);
      }
    },
    async list(apiVersion, kind, namespace, options = {}) {
      const info = await need(apiVersion, kind);
      return listAll(transport, collectionPath(info, namespace), apiVersion, kind, options);
    },
    async apply(object, options = {}) {
      const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
      if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
      const path = await objectPath(ref);
      try {
        return await transport.request<KubeObject>({
          method: 'PATCH',
          path,
          query: {
            fieldManager: FIELD_MANAGER,
            force: options.force ?? true,
            dryRun: options.dryRun ? 'All' : undefined,
          },
          body: object,
          contentType: 'application/apply-patch+yaml',
          idempotent: true, // applying the same configuration twice yields the same object
        });
      } catch (err) {
        return wrap(ref, options.dryRun ? 'dry-run applying' : 'applying', err);
      }
    },
    async create(object, options = {}) {
      const info = await need(object.apiVersion, object.kind);
      try {
        return await transport.request<KubeObject>({
          method: 'POST',
          path: collectionPath(info, object.metadata.namespace),
          query: { fieldManager: FIELD_MANAGER },
          body: object,
          idempotent: options.retry ?? false,
        });
      } catch (err) {
        return wrap({ ...object, name: object.metadata.name }, 'creating', err);
      }
    },
    async mergePatch(ref, patch) {
      const path = await objectPath(ref);
      try {
        return await transport.request<KubeObject>({
          method: 'PATCH',
          path,
          query: { fieldManager: FIELD_MANAGER },
          body: patch,
          contentType: 'application/merge-patch+json',
          idempotent: true,
        });
      } catch (err) {
        return wrap(ref, 'patching', err);
      }
    },
    async watch(apiVersion, kind, namespace, resourceVersion, onEvent) {
      const info = await need(apiVersion, kind);
      return watchCollection(
        transport,
        collectionPath(info, namespace),
        apiVersion,
        kind,
        resourceVersion,
        onEvent,
      );
    },
    async delete(ref, options = {}) {
      const path = await objectPath(ref);
      try {
        await transport.request({
          method: 'DELETE',
          path,
          body: {
            kind: 'DeleteOptions',
            apiVersion: 'v1',
            propagationPolicy: options.propagation ?? 'Background',
          },
          idempotent: true, // a retried delete that already happened answers 404, which means done
        });
        return true;
      } catch (err) {
        if (isApiError(err, 404)) return false;
        return wrap(ref, 'deleting', err);
      }
    },
    close: () => transport.close(),
  };
}

/** Turns an API error into the one-line user error, naming the object it concerns. */
export function clusterFailure(err: unknown): Error {
  if (err instanceof KubeApiError) {
    if (err.status === 403) {
      return new ClusterError(`forbidden: ${err.message}`, {
        cause: err,
        hint: 'the kubeconfig user needs RBAC permissions for this namespace and kind',
      });
    }
    return new ClusterError(err.message, { cause: err });
  }
  return err instanceof Error ? err : new ClusterError(describeCause(err));
}
