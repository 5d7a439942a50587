/**
 * One lock per release, held on the cluster as a `coordination.k8s.io/v1` Lease in the release
 * namespace, so two deploys, rollbacks or removes of one release never write at once. The holder
 * renews it while it runs; a holder that was killed stops renewing and its Lease expires after
 * `leaseDurationSeconds`, after which the next command takes it over. Nothing is left to clean up
 * by hand, which is why a local lock file or a lock without expiry would not do.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ConflictError, UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { isApiError } from '../kube/http.js';
import type { KubeObject } from '../model/types.js';
import type { ReleaseStore } from './store.js';
import type { ReleaseRecord } from './types.js';

/** How long a Lease stays valid without renewal (a killed holder blocks others this long). */
export const LEASE_DURATION_SECONDS = 30;

const ANNOTATION_OPERATION = 'stackanetes.io/operation';
const ANNOTATION_HOST = 'stackanetes.io/host';

/**
 * The Lease duration from `STACKANETES_LOCK_SECONDS` (default LEASE_DURATION_SECONDS): how long
 * a killed command blocks the next one, against how long a stalled one may go without renewing.
 */
export function lockSeconds(env: NodeJS.ProcessEnv): number {
  const text = env.STACKANETES_LOCK_SECONDS;
  if (text === undefined || text === '') return LEASE_DURATION_SECONDS;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 3600)
    throw new UsageError(
      `STACKANETES_LOCK_SECONDS ${JSON.stringify(text)} is not a whole number of seconds from 1 to 3600`,
    );
  return n;
}

/** The Lease name of a release. */
export function leaseName(release: string): string {
  return `stackanetes.lock.${release}`;
}

/** The Lease of a release, as an object reference (remove deletes it with the release). */
export function leaseRef(
  namespace: string,
  release: string,
): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: leaseName(release) };
}

export interface LeaseOptions {
  /** What the holder does, as refusals name it: `deploy`, `rollback`, `remove`. */
  operation: string;
  /** How long the Lease is valid without renewal (default LEASE_DURATION_SECONDS). */
  durationSeconds?: number;
  now?: () => Date;
  /** Create the namespace when it does not exist (default true; remove has nothing to lock then). */
  createNamespace?: boolean;
}

/** A held lock: renewed in the background until released. */
export interface ReleaseLock {
  /** Whether acquiring it had to create the release namespace (deploy then reports it created). */
  readonly createdNamespace: boolean;
  /** Stops renewing and frees the Lease for the next command at once. */
  release(): Promise<void>;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** When a Lease stops being valid; undefined when it is free (no holder). */
function expiresAt(lease: KubeObject): number | undefined {
  const spec = (lease.spec ?? {}) as LeaseSpec;
  if (!spec.holderIdentity) return undefined;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return undefined;
  return renewed + (spec.leaseDurationSeconds ?? LEASE_DURATION_SECONDS) * 1000;
}

/**
 * Takes the lock of `release` in `namespace`, or fails with a ConflictError naming who holds it
 * and since when. Creates the namespace first when it does not exist yet (labelled as deploy
 * labels the namespaces it creates), since the Lease has to live in it.
 */
export async function acquireReleaseLock(
  client: KubeClient,
  namespace: string,
  release: string,
  options: LeaseOptions,
): Promise<ReleaseLock> {
  const now = options.now ?? (() => new Date());
  const duration = options.durationSeconds ?? LEASE_DURATION_SECONDS;
  const host = hostname();
  const identity = `${host}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const ref = leaseRef(namespace, release);
  const annotations = { [ANNOTATION_OPERATION]: options.operation, [ANNOTATION_HOST]: host };
  let createdNamespace = false;

  const refuse = (lease: KubeObject): never => {
    const spec = (lease.spec ?? {}) as LeaseSpec;
    const by = lease.metadata.annotations?.[ANNOTATION_HOST] ?? spec.holderIdentity ?? 'another client';
    const what = lease.metadata.annotations?.[ANNOTATION_OPERATION] ?? 'deploy';
    const since = spec.acquireTime ? new Date(Date.parse(spec.acquireTime)).toISOString() : 'an unknown time';
    const until = new Date(expiresAt(lease) ?? Date.now()).toISOString();
    throw new ConflictError(
      `another ${what} of ${namespace}/${release} by ${by} since ${since} is running: nothing was changed`,
      {
        hint: `wait for it to finish and run this again; if it was killed, its lock (Lease ${leaseName(release)}) expires at ${until}`,
      },
    );
  };

  for (let attempt = 0; attempt < 5; attempt++) {
    const at = microTime(now());
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: duration,
      acquireTime: at,
      renewTime: at,
    };
    const current = await client.get(ref);
    if (!current) {
      try {
        await client.create({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: {
            name: ref.name,
            namespace,
            labels: { 'app.kubernetes.io/managed-by': 'stackanetes', 'stackanetes.io/release': release },
            annotations,
          },
          spec: { ...spec, leaseTransitions: 0 },
        });
        break;
      } catch (err) {
        if (isApiError(err, 409)) continue; // someone else created it first: look again
        if (isApiError(err, 404) && options.createNamespace === false)
          return { createdNamespace: false, release: async () => {} };
        if (isApiError(err, 404) && !createdNamespace) {
          await client.apply(
            {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: namespace, labels: { 'app.kubernetes.io/managed-by': 'stackanetes' } },
            },
            { force: true },
          );
          createdNamespace = true;
          continue;
        }
        throw err;
      }
    }
    const expiry = expiresAt(current);
    if (expiry !== undefined && expiry > now().getTime()) refuse(current);
    // Free, or its holder stopped renewing: take it over, unless another command does first
    // (the resourceVersion makes the patch fail with 409 then).
    try {
      const transitions = ((current.spec ?? {}) as LeaseSpec).leaseTransitions ?? 0;
      await client.mergePatch(ref, {
        metadata: { resourceVersion: current.metadata.resourceVersion, annotations },
        spec: { ...spec, leaseTransitions: transitions + 1 },
      });
      break;
    } catch (err) {
      if (isApiError(err, 409)) continue;
      throw err;
    }
  }

  // Renewed at a third of its duration, so two missed renewals still leave it valid.
  let renewing: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = client.mergePatch(ref, { spec: { renewTime: microTime(now()) } }).catch(() => undefined); // a missed renewal is retried at the next tick
    },
    (duration * 1000) / 3,
  );
  timer.unref();
  return {
    createdNamespace,
    async release() {
      clearInterval(timer);
      await renewing;
      const held = await client.get(ref).catch(() => undefined);
      if (((held?.spec ?? {}) as LeaseSpec).holderIdentity !== identity) return;
      await client
        .mergePatch(ref, {
          metadata: { resourceVersion: held?.metadata.resourceVersion },
          spec: { holderIdentity: null, renewTime: microTime(now()) },
        })
        .catch(() => undefined); // it expires on its own anyway
    },
  };
}

/** Runs `work` holding the release lock, and frees it afterwards whatever happens. */
export async function withReleaseLock<T>(
  client: KubeClient,
  namespace: string,
  release: string,
  options: LeaseOptions,
  work: (lock: ReleaseLock) => Promise<T>,
): Promise<T> {
  const lock = await acquireReleaseLock(client, namespace, release, options);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

/**
 * The lock as deploy and rollback take it: only once there is something to write (a redeploy
 * that changes nothing writes nothing, not even a Lease), with a check that the plan, made
 * before the lock, is not stale because another command wrote a revision meanwhile.
 */
export function lockOnFirstWrite(
  client: KubeClient,
  namespace: string,
  release: string,
  options: LeaseOptions & { store: ReleaseStore },
): { beforeWrite(history: readonly ReleaseRecord[]): Promise<void>; release(): Promise<void> } {
  const operation = options.operation;
  let lock: ReleaseLock | undefined;
  const fingerprint = (history: readonly ReleaseRecord[]) =>
    history.map((r) => `${r.revision}:${r.status}`).join(',');
  return {
    async beforeWrite(history) {
      lock = await acquireReleaseLock(client, namespace, release, options);
      const current = await options.store.list(release);
      if (fingerprint(current) !== fingerprint(history))
        throw new ConflictError(
          `another command changed release ${namespace}/${release} while this ${operation} was planning: nothing was written`,
          { hint: `run the ${operation} again: it plans against what is there now` },
        );
    },
    async release() {
      await lock?.release();
    },
  };
}
