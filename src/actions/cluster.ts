/**
 * The steps the cluster verbs share: connecting through the context, rendering a reference into
 * a desired release, and the apply settings deploy and rollback both document. They lived in
 * the deploy verb; diff, remove, status, history and rollback use them too.
 */
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { clusterFailure, type KubeClient } from '../kube/client.js';
import { fromRendered, type DesiredRelease } from '../release/desired.js';
import { isManifestFile, loadManifestFile } from '../release/manifest-file.js';
import type { RunOptions, RunResult } from '../release/deployer.js';
import type { ActionContext } from './context.js';

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
}

/** Requests sent to the API server, for --debug and benchmarks. */
export interface RequestStats {
  total: number;
  writes: number;
  retries: number;
}

/** A first real OpenStack deploy pulls every image: minutes, not seconds. */
export const DEFAULT_TIMEOUT_MS = 900_000;
export const DEFAULT_CONCURRENCY = 16;

/**
 * Runs `work` against the context's cluster, so every cluster verb reports API failures as one
 * clear line (clusterFailure) and always closes its connection, on success or not.
 */
export async function withCluster<T>(
  context: ActionContext,
  work: (client: KubeClient) => Promise<T>,
  options: { deadline?: number } = {},
): Promise<T> {
  const client = await context.cluster.open(options);
  try {
    return await work(client);
  } catch (err) {
    throw clusterFailure(err);
  } finally {
    client.close();
  }
}

/** The request counters a result reports, read after the work is done. */
export function requestStats(client: KubeClient): RequestStats {
  const { requests, writes, retries } = client.transport.stats;
  return { total: requests, writes, retries };
}

/** runRelease's options from deploy's or rollback's, with the defaults both document. */
export function runOptions(
  context: ActionContext,
  options: ApplyOptions,
  concurrency: number,
): Omit<RunOptions, 'store'> {
  return {
    dryRun: options.dryRun ?? false,
    wait: options.wait ?? true,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    concurrency,
    force: options.force ?? false,
    pruneProtected: options.pruneProtected ?? false,
    progress: context.progress,
    now: () => context.now(),
    ...(options.adopt ? { adopt: true } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  };
}

/** --timeout bounds every request too (connection and retries included), not only the waits. */
export function untilTimeout(settings: { timeoutMs: number }): { deadline: number } {
  return { deadline: Date.now() + settings.timeoutMs };
}

/** `--concurrency` checked before anything is sent; deploy's default when not given. */
export function checkConcurrency(value: number | undefined): number {
  const n = value ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--concurrency ${String(value)} is not a whole number between 1 and 256`);
  }
  return n;
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

/** Renders the reference for `namespace`, resolving packages through the context's package source. */
export async function renderDesired(
  context: ActionContext,
  inputs: RenderInputs,
  namespace: string,
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
    const desired = await loadManifestFile(resolve(context.cwd, inputs.reference), namespace, inputs.release);
    return { desired, writeLock: async () => {} };
  }
  // Rendering (Handlebars, schemas, the registry client) loads only when there is a package to render.
  const [{ defaultLockfilePath }, { renderReference }] = await Promise.all([
    import('../resolve/lockfile.js'),
    import('../render/pipeline.js'),
  ]);
  const source = await context.packageSource({
    lockfile: defaultLockfilePath(context.cwd, inputs.variableFiles ?? []),
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
    cwd: context.cwd,
    progress: context.progress,
    env: context.env,
    ...(inputs.release ? { release: inputs.release } : {}),
  });
  for (const warning of rendered.warnings) context.progress({ type: 'warn', text: warning });
  return { desired: fromRendered(rendered, source.resolved()), writeLock: () => source.writeLock() };
}

/** What deploy and rollback return: the run and the requests it cost. */
export interface AppliedRun extends RunResult {
  requests: RequestStats;
}
