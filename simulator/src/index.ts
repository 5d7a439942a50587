/**
 * A local Kubernetes API simulator for tests and the demo (in the spirit of kwok): discovery,
 * OpenAPI, CRUD, selectors, resourceVersion conflicts, server-side apply with managedFields,
 * patches, dry-run, defaulting, watch, simulated Nodes, scheduler, controllers and a kubelet
 * stand-in (readiness comes from Pods), Events, image start contracts and fault injection, over
 * real HTTP(S) so kubectl and client-node talk to it as to a cluster.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Api } from './api.js';
import { Faults } from './faults.js';
import type { KubeObject } from './json.js';
import { writeKubeconfigFile, type KubeconfigOptions } from './kubeconfig.js';
import { RequestLog, type RequestFilter, type RequestRecord } from './requests.js';
import { ResourceRegistry, groupVersion } from './resources.js';
import { HttpFrontend } from './server.js';
import { resourceKey } from './store.js';
import { createSelfSignedCert } from './tls.js';
import { WorkloadSimulator } from './workloads.js';
import { defaultFixturePath, genericFixture, loadFixture } from './cluster-fixture.js';
import { ImageContracts, type ImageContract } from './image-contracts.js';
import { bootstrapRbac } from './system-objects.js';

export type { RequestFilter, RequestRecord, RequestVerb } from './requests.js';
export type { KubeObject, Json, JsonObject } from './json.js';
import type { JsonObject } from './json.js';
export type { KubeconfigOptions } from './kubeconfig.js';
export { Faults } from './faults.js';
export { ImageContracts, kollaContract } from './image-contracts.js';
export type { ImageContract, ContainerView, FileLookup } from './image-contracts.js';

/** How to start a simulator. Every field is optional. */
export interface SimulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with a throwaway self-signed certificate (needs the openssl binary). */
  tls?: boolean;
  /** Require `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** How long a scheduled Pod takes to start (a Job's Pod: to finish) and a PVC to bind (default 0). */
  readinessDelayMs?: number;
  /** Initial fault settings (all mutable later on `simulator.faults`). */
  latencyMs?: number;
  errorRate?: number;
  errorStatuses?: number[];
  timeoutRate?: number;
  /** Seed of the fault PRNG (default 1), so random faults repeat run to run. */
  seed?: number;
  /**
   * The cluster's Nodes and StorageClasses: a fixture file (see simulator/clusters/), or a
   * count of unlabelled worker nodes. Default: clusters/default.yaml (3 control-plane, 2 compute).
   */
  cluster?: string | number;
  /** Same as a numeric `cluster` (kept for callers that only want N plain nodes). */
  nodes?: number;
  /** Image start contracts in force from the start (more can be added on `imageContracts`). */
  imageContracts?: ImageContract[];
  /** How long a deleted namespace stays Terminating before it and its contents go (default 50). */
  namespaceDeletionDelayMs?: number;
  /** How many events watches can resume from; older resourceVersions get 410 Expired (default 5000). */
  watchHistory?: number;
}

/** Read access to stored objects, for assertions that should not go through HTTP. */
export interface SimulatorStore {
  /** One object by apiVersion/kind/name (namespace for namespaced kinds), or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined;
  /** All objects of a kind (in one namespace, or everywhere). */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[];
  /** The current global resourceVersion. */
  readonly resourceVersion: number;
}

/** The request log and counters. */
export interface SimulatorRequests {
  /** How many requests match (all requests without a filter). */
  count(filter?: RequestFilter): number;
  /** The matching records. */
  find(filter?: RequestFilter): RequestRecord[];
  /** Forgets the log. */
  reset(): void;
  /** Every request since start or the last reset. */
  readonly log: readonly RequestRecord[];
}

/** Fault controls: the Faults settings plus releasing a never-ready object. */
export interface SimulatorFaults extends Faults {
  /** Lets a never-ready object become ready now (as if its pods finally started). */
  release(kind: string, namespace: string | undefined, name: string): void;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  /** The self-signed certificate (PEM) when started with tls. */
  readonly caCert: string | undefined;
  /** Writes a kubeconfig whose current context points here. */
  writeKubeconfig(path: string, opts?: KubeconfigOptions): Promise<void>;
  readonly requests: SimulatorRequests;
  readonly faults: SimulatorFaults;
  /** How long Pods take to start and claims to bind; applies to Pods scheduled afterwards. */
  readinessDelayMs: number;
  /** The image start contracts the kubelet stand-in enforces (mutable). */
  readonly imageContracts: ImageContracts;
  readonly store: SimulatorStore;
  /**
   * Resolves once the simulated controllers have no immediate work left (status "observed"
   * writes after a change are done); readiness after `readinessDelayMs` is not waited for.
   */
  settled(): Promise<void>;
  /** Stops serving: ends watches and hanging requests, cancels timers, closes the port. */
  stop(): Promise<void>;
}

const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * What kube-root-ca.crt publishes when the simulator serves plain HTTP: a PEM-framed note, since
 * there is no certificate authority to publish.
 */
const plainHttpCa = `-----BEGIN CERTIFICATE-----\n${Buffer.from('stackanetes simulator: plain HTTP, no certificate authority').toString('base64')}\n-----END CERTIFICATE-----\n`;

/** A fixture Node's status completed with what a healthy kubelet reports. */
function nodeStatus(node: KubeObject): JsonObject {
  const given = (node.status ?? {}) as JsonObject;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    ...given,
    conditions: [
      cond(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
      ),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: '',
      containerRuntimeVersion: 'containerd://1.7.24',
      kernelVersion: '6.8.0',
      kubeProxyVersion: 'v1.32.0',
      kubeletVersion: 'v1.32.0',
      machineID: '',
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04 LTS',
      systemUUID: '',
    },
  };
}

/** Starts a simulator on 127.0.0.1 and resolves once it accepts connections. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const registry = new ResourceRegistry();
  const api = new Api(registry, options.watchHistory);
  const log = new RequestLog();
  const faults = new Faults(options.seed ?? 1) as SimulatorFaults;
  faults.latencyMs = options.latencyMs ?? 0;
  faults.errorRate = options.errorRate ?? 0;
  faults.timeoutRate = options.timeoutRate ?? 0;
  if (options.errorStatuses) faults.errorStatuses = [...options.errorStatuses];
  const settings = { readinessDelayMs: options.readinessDelayMs ?? 0 };
  const clusterOption = options.cluster ?? options.nodes;
  const fixture =
    typeof clusterOption === 'number'
      ? genericFixture(clusterOption)
      : loadFixture(clusterOption ?? defaultFixturePath());
  const cert = options.tls ? await createSelfSignedCert() : undefined;
  const contracts = new ImageContracts();
  for (const c of options.imageContracts ?? []) contracts.add(c);
  const workloads = new WorkloadSimulator(api, {
    get readinessDelayMs() {
      return settings.readinessDelayMs;
    },
    neverReady: (kind, ns, name) => faults.isNeverReady(kind, ns, name),
    jobFails: (ns, name) => faults.jobFails(ns, name),
    contracts,
    rootCa: cert?.cert ?? plainHttpCa,
  });
  api.observer = workloads;
  if (options.namespaceDeletionDelayMs !== undefined)
    api.namespaceDeletionDelayMs = options.namespaceDeletionDelayMs;
  faults.release = (kind, namespace, name) => {
    faults.unmarkNeverReady(kind, namespace, name);
    for (const type of registry.byKindName(kind)) {
      const obj = api.store.get(resourceKey(type), type.namespaced ? namespace : undefined, name);
      if (obj) workloads.release(type, obj);
    }
  };

  const system = { dryRun: false, fieldManager: 'kube-apiserver' };
  for (const ns of systemNamespaces) {
    const type = registry.byPlural('', 'v1', 'namespaces')!;
    api.create(type, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, system);
  }
  for (const obj of bootstrapRbac())
    api.create(registry.byKind(String(obj.apiVersion), String(obj.kind))!, undefined, obj, system);
  for (const sc of fixture.storageClasses)
    api.create(registry.byKind('storage.k8s.io/v1', 'StorageClass')!, undefined, sc, system);
  const nodeType = registry.byKind('v1', 'Node')!;
  for (const node of fixture.nodes) {
    api.create(nodeType, undefined, node, { dryRun: false, fieldManager: 'kubelet' });
    api.controllerWrite(nodeType, undefined, String(node.metadata.name), (o) => {
      o.status = nodeStatus(node);
    });
  }

  let address = '127.0.0.1:0';
  const frontend = new HttpFrontend(api, log, faults, {
    ...(options.token !== undefined ? { token: options.token } : {}),
    address: () => address,
  });
  const server: Server = cert
    ? createHttpsServer({ cert: cert.cert, key: cert.key }, frontend.handle)
    : createHttpServer(frontend.handle);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;

  const typeOf = (apiVersion: string, kind: string) => {
    const type = registry.byKind(apiVersion, kind);
    if (!type) throw new Error(`the simulator does not serve ${kind} in ${apiVersion}`);
    return type;
  };
  const store: SimulatorStore = {
    get(apiVersion, kind, name, namespace) {
      const type = typeOf(apiVersion, kind);
      const obj = api.store.get(resourceKey(type), type.namespaced ? namespace : undefined, name);
      if (obj) obj.apiVersion = groupVersion(type.group, type.version);
      return obj;
    },
    list(apiVersion, kind, namespace) {
      const type = typeOf(apiVersion, kind);
      return api.store.list(resourceKey(type), namespace).map((o) => ({ ...o, apiVersion }) as KubeObject);
    },
    get resourceVersion() {
      return api.store.resourceVersion;
    },
  };
  let stopped = false;
  return {
    url,
    port,
    caCert: cert?.cert,
    writeKubeconfig: (path, opts = {}) =>
      writeKubeconfigFile(path, url, cert?.cert, {
        ...opts,
        ...((opts.token ?? options.token) ? { token: opts.token ?? options.token } : {}),
      }),
    requests: {
      count: (filter) => log.count(filter),
      find: (filter) => log.find(filter),
      reset: () => log.reset(),
      get log() {
        return log.log;
      },
    },
    faults,
    get readinessDelayMs() {
      return settings.readinessDelayMs;
    },
    set readinessDelayMs(ms: number) {
      settings.readinessDelayMs = ms;
    },
    store,
    imageContracts: contracts,
    settled: () => workloads.settled(),
    async stop() {
      if (stopped) return;
      stopped = true;
      workloads.stop();
      api.stop();
      frontend.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
