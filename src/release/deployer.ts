/**
 * One deploy of a desired release, shared by `deploy` and `rollback`: read the history, plan,
 * record a pending revision, apply wave by wave, prune, then mark the revision deployed (or
 * failed) and supersede what came before — including revisions an interrupted deploy left
 * pending, whose objects are also pruned if no longer wanted. A deploy that changes nothing
 * writes nothing, not even a revision.
 */
import type { ProgressSink } from '../progress.js';
import { executePlan, type ExecuteFailure, type ExecuteResult, type ResultRow } from '../apply/apply.js';
import type { KubeClient } from '../kube/client.js';
import { computePlan } from '../apply/compute.js';
import { summarize, type Plan } from '../apply/plan.js';
import { describeRef } from '../kube/objects.js';
import { manifestDigest, type DesiredRelease } from './desired.js';
import { HISTORY_MAX, type ReleaseStore } from './store.js';
import type { ReleaseObject, ReleaseRecord } from './types.js';

export interface RunOptions {
  dryRun: boolean;
  wait: boolean;
  timeoutMs: number;
  concurrency: number;
  force: boolean;
  pruneProtected: boolean;
  progress: ProgressSink;
  now: () => Date;
  /** Take over existing objects without stackanetes ownership (--adopt). */
  adopt?: boolean;
  /** Aborted on SIGINT/SIGTERM: no new work, the revision is marked failed (interrupted). */
  signal?: AbortSignal;
  /** Where the release's revisions are read and written (the action context's store). */
  store: ReleaseStore;
  /**
   * Called once there is something to write, right before the first write, with the history the
   * plan was made from (deploy and rollback take the release lock here; see lease.ts).
   */
  beforeWrite?: (history: readonly ReleaseRecord[]) => Promise<void>;
}

export interface RunResult {
  release: string;
  namespace: string;
  /** The revision written; undefined when nothing changed or on --dry-run. */
  revision?: number;
  outcome: 'deployed' | 'unchanged' | 'failed' | 'dry-run';
  rows: ResultRow[];
  /** Revisions this deploy marked superseded (the previous one, and any left pending). */
  superseded: number[];
  failure?: ExecuteFailure;
}

/** What prune compares against: the last deployed revision and whatever later revisions tried. */
export function ownedBefore(history: readonly ReleaseRecord[]): {
  objects: ReleaseObject[];
  last?: ReleaseRecord;
  /** Jobs those revisions saw complete (object key -> applied digest). */
  completedJobs: Record<string, string>;
} {
  const lastDeployed = [...history].reverse().find((r) => r.status === 'deployed');
  const later = history.filter(
    (r) => r.revision > (lastDeployed?.revision ?? 0) && r.status !== 'superseded',
  );
  const records = [...(lastDeployed ? [lastDeployed] : []), ...later];
  const result: { objects: ReleaseObject[]; last?: ReleaseRecord; completedJobs: Record<string, string> } = {
    objects: records.flatMap((r) => [...r.objects, ...(r.kept ?? [])]),
    completedJobs: Object.assign({}, ...records.map((r) => r.completedJobs ?? {})) as Record<string, string>,
  };
  const last = history[history.length - 1];
  if (last) result.last = last;
  return result;
}

/** Reads the history and plans, so `diff` shows exactly what `deploy` would do. */
export async function planRelease(
  client: KubeClient,
  desired: DesiredRelease,
  options: {
    dryRun: boolean;
    concurrency: number;
    pruneProtected: boolean;
    adopt?: boolean;
    store: ReleaseStore;
  },
): Promise<{ plan: Plan; history: ReleaseRecord[]; store: ReleaseStore }> {
  const { store, ...planOptions } = options;
  // Discovery of every kind used and the history are independent: one round trip, not two.
  const kinds = [...new Set(desired.objects.map((o) => `${o.object.apiVersion}\u0000${o.object.kind}`))];
  const [history] = await Promise.all([
    store.list(desired.release),
    ...kinds.map((k) => client.resource(...(k.split('\u0000') as [string, string]))),
  ]);
  const { objects, completedJobs } = ownedBefore(history);
  const plan = await computePlan(client, desired, { previous: objects, completedJobs, ...planOptions });
  return { plan, history, store };
}

export async function runRelease(
  client: KubeClient,
  desired: DesiredRelease,
  options: RunOptions,
): Promise<RunResult> {
  const deadline = Date.now() + options.timeoutMs;
  const { plan, history, store } = await planRelease(client, desired, {
    dryRun: options.dryRun,
    concurrency: options.concurrency,
    pruneProtected: options.pruneProtected,
    ...(options.adopt ? { adopt: true } : {}),
    store: options.store,
  });
  const base = { release: desired.release, namespace: desired.namespace, superseded: [] as number[] };
  const counts = summarize(plan);
  const digest = manifestDigest(desired.objects);
  const last = history[history.length - 1];

  if (options.dryRun) return { ...base, ...dryRunResult(plan) };

  if (options.signal?.aborted) {
    // Interrupted while reading and planning: nothing was written, nothing to mark.
    return { ...base, outcome: 'failed', rows: [], failure: interruptedBeforeWriting() };
  }
  const noChanges = counts.create + counts.update + counts.replace + counts.delete === 0;
  if (noChanges && last?.status === 'deployed' && last.manifestDigest === digest) {
    // Nothing to write. With --wait, still make sure what is there is ready.
    const result = await executePlan(client, plan, {
      ...options,
      deadline,
      packages: desired.packages,
    });
    return {
      ...base,
      outcome: result.failure ? 'failed' : 'unchanged',
      rows: result.rows,
      ...(result.failure ? { failure: result.failure } : {}),
    };
  }

  await options.beforeWrite?.(history);
  const revision = Math.max(0, ...history.map((r) => r.revision)) + 1;
  const now = options.now().toISOString();
  const record = pendingRecord(desired, plan, revision, digest, now);
  // The namespace has to exist before the revision can be stored in it, whether deploy creates
  // it (implicit) or the release renders it.
  const namespaceItem = plan.items.find(
    (i) => i.ref.kind === 'Namespace' && i.ref.name === desired.namespace && i.action === 'create',
  );
  if (namespaceItem?.prepared) {
    namespaceItem.precreated = await client.apply(namespaceItem.prepared.object, { force: true });
  }
  await store.create(record);

  const beforePrune = (): Promise<ExecuteFailure | undefined> =>
    newerRevision(store, desired.release, revision);
  const result = await executePlan(client, plan, {
    ...options,
    deadline,
    packages: desired.packages,
    beforePrune,
  });
  return { ...base, revision, ...(await recordOutcome(store, desired.release, history, revision, result)) };
}

/** What a --dry-run reports: each item as the deploy would leave it, and the first refusal. */
function dryRunResult(plan: Plan): Pick<RunResult, 'outcome' | 'rows' | 'failure'> {
  const statusOf = {
    create: 'created',
    update: 'updated',
    replace: 'replaced',
    unchanged: 'unchanged',
    delete: 'deleted',
    protected: 'protected',
  } as const;
  const rows: ResultRow[] = plan.items.map((i) => ({
    package: i.package,
    version: i.version,
    kind: i.ref.kind,
    name: i.ref.name,
    namespace: i.ref.namespace ?? '-',
    status: i.error ? 'failed' : statusOf[i.action],
    ...(i.error ? { message: i.error } : {}),
  }));
  const failed = plan.items.find((i) => i.error);
  return {
    outcome: 'dry-run',
    rows,
    ...(failed ? { failure: { message: failed.error as string, notReady: [] } } : {}),
  };
}

/** The revision as stored before anything is applied: pending, with what it keeps and adopts. */
function pendingRecord(
  desired: DesiredRelease,
  plan: Plan,
  revision: number,
  digest: string,
  now: string,
): ReleaseRecord {
  const record: ReleaseRecord = {
    release: desired.release,
    namespace: desired.namespace,
    revision,
    status: 'pending',
    description: desired.description,
    root: desired.root,
    packages: desired.packages,
    parameters: desired.parameters,
    manifestDigest: digest,
    objects: desired.objects,
    createdAt: now,
    updatedAt: now,
  };
  const kept = plan.items.flatMap((i) => (i.action === 'protected' && i.recorded ? [i.recorded] : []));
  if (kept.length > 0) record.kept = kept;
  const adopted = plan.items.filter((i) => i.adopted).map((i) => describeRef(i.ref));
  if (adopted.length > 0) record.adopted = adopted;
  return record;
}

/**
 * There is no lock (a killed deploy must never leave one stuck), so a deploy that started while
 * this one waited shows up as a newer revision. Then the cluster holds a mix of both and this one
 * must neither prune (the other may render what it would delete) nor claim success.
 */
async function newerRevision(
  store: ReleaseStore,
  release: string,
  revision: number,
): Promise<ExecuteFailure | undefined> {
  const newer = (await store.list(release)).filter((r) => r.revision > revision);
  if (newer.length === 0) return undefined;
  const others = newer.map((r) => r.revision).join(', ');
  return {
    message: `another deploy of release ${release} wrote revision ${others} while this one (revision ${revision}) was running: nothing was pruned`,
    hint: 'the objects may now be a mix of both deploys: wait for the other one to finish, then run the deploy you want again (`stackanetes diff` shows what differs)',
    notReady: [],
    conflict: true,
  };
}

/** Marks the revision deployed (superseding the earlier ones, trimming history) or failed with its reason. */
async function recordOutcome(
  store: ReleaseStore,
  release: string,
  history: readonly ReleaseRecord[],
  revision: number,
  result: ExecuteResult,
): Promise<Pick<RunResult, 'outcome' | 'rows' | 'failure'> & { superseded?: number[] }> {
  const failedRow = result.rows.find((r) => r.status === 'failed');
  const failure: ExecuteFailure | undefined =
    result.failure ??
    (failedRow
      ? { message: `${failedRow.kind} ${failedRow.name}: ${failedRow.message ?? 'failed'}`, notReady: [] }
      : undefined);
  const completedJobs = { ...ownedBefore(history).completedJobs, ...result.completedJobs };
  if (failure) {
    await store.setStatus(release, revision, 'failed', failure.message, {
      reason: failure.interrupted
        ? 'interrupted'
        : failure.conflict
          ? 'conflict'
          : failure.notReady.length > 0
            ? 'not-ready'
            : 'failed',
      completedJobs,
    });
    return { outcome: 'failed', rows: result.rows, failure };
  }
  await store.setStatus(release, revision, 'deployed', undefined, { completedJobs });
  const superseded: number[] = [];
  for (const r of history) {
    if (r.status === 'deployed' || r.status === 'pending') {
      await store.setStatus(release, r.revision, 'superseded');
      superseded.push(r.revision);
    }
  }
  // Keep the last HISTORY_MAX revisions, as Helm's --history-max does.
  const excess = history.length + 1 - HISTORY_MAX;
  for (const r of history.slice(0, Math.max(0, excess))) await store.delete(release, r.revision);
  return { outcome: 'deployed', rows: result.rows, superseded };
}

function interruptedBeforeWriting(): ExecuteFailure {
  return {
    message: 'interrupted before anything was written',
    hint: 'run the same deploy again',
    notReady: [],
    interrupted: true,
  };
}
