/**
 * `deploy`: render a package reference (directory, tarball or registry) and bring the namespace
 * to that state with server-side apply, waves, readiness waits, prune and a release revision.
 * Also home of the steps `diff` shares with it (render through the package source, connect).
 */
import { UsageError } from '../errors.js';
import { connect, clusterFailure, type KubeClient } from '../kube/client.js';
import { resolve } from 'node:path';
import { fromRendered, type DesiredRelease } from '../release/desired.js';
import { isManifestFile, loadManifestFile } from '../release/manifest-file.js';
import { runRelease, type RunOptions, type RunResult } from '../release/deployer.js';
import { lockOnFirstWrite, lockSeconds } from '../release/lease.js';
import { guardScope } from '../release/scope.js';
import { silentProgress, type ProgressSink } from '../progress.js';

/** How to reach the cluster: kubectl's flags plus the environment (KUBECONFIG, in-cluster). */
export interface ClusterAccess {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  env: NodeJS.ProcessEnv;
  /** When every request must have ended (epoch ms): --timeout covers connection and retries too. */
  deadline?: number;
}

/** What to render: the same inputs as `generate`. */
export interface RenderInputs {
  reference: string;
  variableFiles?: string[];
  sets?: string[];
  release?: string;
  registry?: string;
  /** `--locked`: resolve exactly what stackanetes.lock records. */
  locked?: boolean;
  /** `--in-channel`: refuse a root release that is not in this registry channel. */
  inChannel?: string;
  cwd: string;
}

/** The desired release and, when packages came through the resolving source, how to record them. */
export interface Rendered {
  desired: DesiredRelease;
  /** Writes stackanetes.lock (beside the first --variables file) with what was resolved. */
  writeLock(): Promise<void>;
}

/** How deploy and rollback apply a release; each left out takes its `deploy` default. */
export interface ApplyOptions {
  dryRun?: boolean;
  wait?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  force?: boolean;
  pruneProtected?: boolean;
  /** Take over existing objects that carry no stackanetes ownership labels. */
  adopt?: boolean;
  /** Aborted on SIGINT/SIGTERM: no new work starts, the revision is marked failed (interrupted). */
  signal?: AbortSignal;
  progress?: ProgressSink;
  now?: () => Date;
}

export interface DeployOptions extends ClusterAccess, RenderInputs, ApplyOptions {
  /** `--allow-cluster-scope`: the release may write cluster-scoped objects. */
  allowClusterScope?: boolean;
  /** `--allow-namespace NS`: the release may write into these other namespaces. */
  allowNamespaces?: string[];
}

export interface DeployResult extends RunResult {
  /** Requests sent to the API server, for --debug and benchmarks. */
  requests: { total: number; writes: number; retries: number };
}

/** A first real OpenStack deploy pulls every image: minutes, not seconds. */
export const DEFAULT_TIMEOUT_MS = 900_000;
export const DEFAULT_CONCURRENCY = 16;

/** Opens the cluster connection; nothing is sent until the first call. */
export function openCluster(access: ClusterAccess): KubeClient {
  const { deadline, ...flags } = access;
  return connect(flags, deadline === undefined ? {} : { deadline });
}

/**
 * Runs `work` against the cluster `access` names, so every cluster verb reports API failures as
 * one clear line (clusterFailure) and always closes its connection, on success or not.
 */
export async function withCluster<T>(
  access: ClusterAccess,
  work: (client: KubeClient) => Promise<T>,
): Promise<T> {
  const client = openCluster(access);
  try {
    return await work(client);
  } catch (err) {
    throw clusterFailure(err);
  } finally {
    client.close();
  }
}

/** The request counters a result reports, read after the work is done. */
export function requestStats(client: KubeClient): DeployResult['requests'] {
  const { requests, writes, retries } = client.transport.stats;
  return { total: requests, writes, retries };
}

/** runRelease's options from deploy's or rollback's, with the defaults both document. */
export function runOptions(options: ApplyOptions, concurrency: number): RunOptions {
  return {
    dryRun: options.dryRun ?? false,
    wait: options.wait ?? true,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    concurrency,
    force: options.force ?? false,
    pruneProtected: options.pruneProtected ?? false,
    progress: options.progress ?? silentProgress,
    now: options.now ?? (() => new Date()),
    ...(options.adopt ? { adopt: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** The columns a per-object row starts with (remove, status): package, version, kind, name, namespace. */
export function objectColumns(
  entry: { package: string; version: string },
  ref: { kind: string; name: string; namespace?: string },
): { package: string; version: string; kind: string; name: string; namespace: string } {
  return {
    package: entry.package,
    version: entry.version,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace ?? '-',
  };
}

/** Renders the reference for the namespace the client targets, resolving packages through the registry source. */
export async function renderDesired(
  inputs: RenderInputs,
  namespace: string,
  progress: ProgressSink,
): Promise<Rendered> {
  if (isManifestFile(inputs.reference)) {
    if ((inputs.variableFiles ?? []).length > 0 || (inputs.sets ?? []).length > 0) {
      throw new UsageError(
        `${inputs.reference} is a rendered manifest: --variables and --set do not apply to it`,
        {
          hint: 'pass the package reference instead, or render again with `stackanetes generate`',
        },
      );
    }
    const desired = await loadManifestFile(resolve(inputs.cwd, inputs.reference), namespace, inputs.release);
    return { desired, writeLock: async () => {} };
  }
  // Rendering (Handlebars, schemas, the registry client) loads only when there is a package to render.
  const [{ createPackageSource }, { defaultLockfilePath }, { renderReference }] = await Promise.all([
    import('../resolve/create-source.js'),
    import('../resolve/lockfile.js'),
    import('../render/pipeline.js'),
  ]);
  const source = await createPackageSource({
    cwd: inputs.cwd,
    env: process.env,
    progress,
    lockfile: defaultLockfilePath(inputs.cwd, inputs.variableFiles ?? []),
    ...(inputs.registry ? { registry: inputs.registry } : {}),
    ...(inputs.locked ? { locked: true } : {}),
    ...(inputs.inChannel ? { inChannel: inputs.inChannel } : {}),
  });
  const rendered = await renderReference({
    reference: inputs.reference,
    namespace,
    source,
    variableFiles: inputs.variableFiles ?? [],
    sets: inputs.sets ?? [],
    cwd: inputs.cwd,
    progress,
    ...(inputs.release ? { release: inputs.release } : {}),
  });
  for (const warning of rendered.warnings) progress({ type: 'warn', text: warning });
  return { desired: fromRendered(rendered, source.resolved()), writeLock: () => source.writeLock() };
}

/** `--concurrency` checked before anything is sent; deploy's default when not given. */
export function checkConcurrency(value: number | undefined): number {
  const n = value ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--concurrency ${String(value)} is not a whole number between 1 and 256`);
  }
  return n;
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const settings = runOptions(options, checkConcurrency(options.concurrency));
  return withCluster({ ...options, ...untilTimeout(settings) }, async (client) => {
    const { desired, writeLock } = await renderDesired(options, client.target.namespace, settings.progress);
    if (!settings.dryRun)
      await guardScope(client, desired.release, desired.namespace, desired.objects, {
        cluster: options.allowClusterScope ?? false,
        namespaces: options.allowNamespaces ?? [],
      });
    const lock = lockOnFirstWrite(client, desired.namespace, desired.release, {
      operation: 'deploy',
      durationSeconds: lockSeconds(options.env),
    });
    const result = await runRelease(client, desired, { ...settings, beforeWrite: lock.beforeWrite }).finally(
      lock.release,
    );
    // The lockfile records what is now deployed, so the next deploy resolves the same releases.
    if (result.outcome === 'deployed' || result.outcome === 'unchanged') await writeLock();
    return { ...result, requests: requestStats(client) };
  });
}

/** --timeout bounds every request too (connection and retries included), not only the waits. */
export function untilTimeout(settings: { timeoutMs: number }): { deadline: number } {
  return { deadline: Date.now() + settings.timeoutMs };
}
