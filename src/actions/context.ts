/**
 * What every action works with, built once by the CLI (or a test) and passed as the first
 * argument: where it runs (cwd, env, clock), where it reports (progress, interrupt signal), and
 * the external systems it talks to (cluster, registries, package sources, release records).
 * Actions never open these themselves, so a test swaps in another cluster or an in-memory
 * release store without spawning the CLI. The CLI builds one per invocation, in the verb's
 * handler, once its flags (cluster, progress format) are known.
 *
 * Every member that reaches a heavy module (the Kubernetes client, got, the resolver) loads it
 * on first use only: `--help`, `generate` of a local directory and other verbs that never touch
 * a cluster must not pay for it. Only light modules (the release stores) are imported statically.
 */
import type { KubeClient } from '../kube/client.js';
import type { TransportOptions } from '../kube/http.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import type { RegistrySession } from '../registry/session.js';
import type { CreatePackageSourceOptions, ResolvingSource } from '../resolve/create-source.js';
import type { ReleaseStore } from '../release/store.js';
import { createMemoryReleaseStore } from '../release/memory-store.js';

/** kubectl's way of naming a cluster: --kubeconfig, --context, --namespace. */
export interface ClusterAccess {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Opens cluster connections; nothing is sent until the client's first call. */
export interface ClusterConnector {
  /** `deadline` (epoch ms, from --timeout) bounds every request, connection and retries included. */
  open(options?: { deadline?: number }): Promise<KubeClient>;
}

/** Where the revision records of a namespace live. */
export type ReleaseStores = (client: KubeClient, namespace: string) => ReleaseStore;

/** The package-source settings a verb chooses; cwd, env and progress come from the context. */
export type PackageSourceRequest = Omit<CreatePackageSourceOptions, 'cwd' | 'env' | 'progress' | 'session'>;

export interface ActionContext {
  /** Relative paths (package directories, --variables files, the lockfile) resolve against it. */
  readonly cwd: string;
  /** Where KUBECONFIG, STACKANETES_* and proxy settings are read; never process.env directly. */
  readonly env: NodeJS.ProcessEnv;
  now(): Date;
  readonly progress: ProgressSink;
  /** Aborted on SIGINT/SIGTERM: deploy and rollback start no new work and mark their revision. */
  readonly signal?: AbortSignal;
  readonly cluster: ClusterConnector;
  /** The registry session of this invocation: opened on first use, then shared. */
  registry(): Promise<RegistrySession>;
  /** A package source resolving through the registries this context's env configures, with the verb's settings. */
  packageSource(request: PackageSourceRequest): Promise<ResolvingSource>;
  readonly releases: ReleaseStores;
}

export interface ContextOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  progress?: ProgressSink;
  signal?: AbortSignal;
  /** The cluster the verb's flags name (default: KUBECONFIG's current context). */
  cluster?: ClusterAccess;
  /** A registry session to use instead of opening one from `env` (tests). */
  registry?: RegistrySession;
}

/** The Kubernetes API server the access flags select, through the real client. */
export function kubeCluster(access: ClusterAccess, env: NodeJS.ProcessEnv): ClusterConnector {
  return {
    async open(options = {}) {
      const { connect } = await import('../kube/client.js');
      const transport: TransportOptions =
        options.deadline === undefined ? {} : { deadline: options.deadline };
      return connect({ ...access, env }, transport);
    },
  };
}

/** Revision records as Secrets in the namespace (the product's store), stamped by `now`. */
export function secretReleaseStores(now: () => Date = () => new Date()): ReleaseStores {
  return (client, namespace) => {
    // The Secret store's module pulls in zlib and the HTTP transport: loaded on first use, so
    // building a context costs `--help` and a local `generate` nothing.
    let store: Promise<ReleaseStore> | undefined;
    const real = (): Promise<ReleaseStore> =>
      (store ??= import('../release/store.js').then((m) => m.createReleaseStore(client, namespace, now)));
    return {
      list: async (release) => (await real()).list(release),
      create: async (record) => (await real()).create(record),
      setStatus: async (...args) => (await real()).setStatus(...args),
      delete: async (release, revision) => (await real()).delete(release, revision),
    };
  };
}

/** The real context: the cluster of the access flags, the user's registries, Secrets as the release store. */
export function createActionContext(options: ContextOptions): ActionContext {
  const { cwd, env } = options;
  const progress = options.progress ?? silentProgress;
  let session: Promise<RegistrySession> | undefined = options.registry
    ? Promise.resolve(options.registry)
    : undefined;
  const registry = (): Promise<RegistrySession> =>
    (session ??= import('../registry/session.js').then(({ openRegistrySession }) =>
      openRegistrySession({ env, progress }),
    ));
  const now = options.now ?? (() => new Date());
  return {
    cwd,
    env,
    now,
    progress,
    ...(options.signal ? { signal: options.signal } : {}),
    cluster: kubeCluster(options.cluster ?? {}, env),
    registry,
    async packageSource(request) {
      const { createPackageSource } = await import('../resolve/create-source.js');
      // The source asks for the context's session only when a package comes from a registry: a
      // local directory must render even where the user config or the network is broken.
      return createPackageSource({ ...request, cwd, env, progress, session: registry });
    },
    releases: secretReleaseStores(now),
  };
}

export interface MemoryContextOptions extends Partial<Omit<ContextOptions, 'cluster'>> {
  /** The cluster tests talk to (the simulator, usually); a verb that opens none fails saying so. */
  cluster?: ClusterConnector;
  /** Where verbs read and write revision records (default: in memory; `secretReleaseStores()` for the cluster's). */
  releases?: ReleaseStores;
}

/**
 * A context for tests: release records kept in memory (one store per namespace, shared by every
 * verb run with this context), a fixed clock when given, an empty env unless given, and only the
 * cluster and registry the test provides.
 */
export function memoryContext(options: MemoryContextOptions = {}): ActionContext & {
  /** The in-memory store of a namespace, for assertions and seeding. */
  storeOf(namespace: string): ReleaseStore;
} {
  const env = options.env ?? {};
  const now = options.now ?? (() => new Date());
  const stores = new Map<string, ReleaseStore>();
  const storeOf = (namespace: string): ReleaseStore => {
    let store = stores.get(namespace);
    if (!store) stores.set(namespace, (store = createMemoryReleaseStore(namespace, now)));
    return store;
  };
  const real = createActionContext({
    cwd: options.cwd ?? process.cwd(),
    env,
    now,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
  });
  return {
    ...real,
    cluster: options.cluster ?? {
      open: () => Promise.reject(new Error('this test context has no cluster')),
    },
    releases: options.releases ?? ((_client, namespace) => storeOf(namespace)),
    storeOf,
  };
}
