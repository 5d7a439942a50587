/**
 * Carrying out a plan: waves (one per package with --wait; the whole release at once without,
 * since without readiness there is nothing to wait between packages for), kind steps inside a
 * wave, objects of a step applied concurrently (bounded). Unchanged objects cost no request.
 * A wave is ready before the next one starts. Prune runs only after every wave succeeded.
 */
import type { ProgressSink } from '../actions/progress.js';
import type { KubeObject } from '../render/types.js';
import type { KubeClient } from './client.js';
import { KubeApiError, sleep } from './http.js';
import { sameContent, type PreparedObject } from './normalize.js';
import { describeRef, objectKey, PROTECTED_KINDS } from './objects.js';
import { mapLimit, stepsByKind } from './order.js';
import type { Plan, PlanItem } from './plan.js';
import { needsWait, readiness } from './readiness.js';
import { waitReady, type NotReady } from './wait.js';
import { diagnosePods } from './pod-diagnosis.js';

export type RowStatus = 'created' | 'updated' | 'unchanged' | 'deleted' | 'protected' | 'failed';

/** One line of the result table, in kpm's shape. */
export interface ResultRow {
  package: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  status: RowStatus;
  message?: string;
}

export interface ExecuteOptions {
  wait: boolean;
  /** Epoch milliseconds by which everything must be ready. */
  deadline: number;
  concurrency: number;
  /** Delete and recreate objects whose immutable fields changed. */
  force: boolean;
  /** Package order for waves. */
  packages: readonly { name: string; version: string }[];
  progress: ProgressSink;
  /**
   * Called after every wave succeeded, before prune: a failure it returns stops the deploy there
   * (a concurrent deploy of the same release, whose objects prune must not delete).
   */
  beforePrune?: () => Promise<ExecuteFailure | undefined>;
}

export interface ExecuteFailure {
  message: string;
  hint?: string;
  notReady: NotReady[];
  /** Another deploy of the same release ran at the same time. */
  conflict?: boolean;
}

export interface ExecuteResult {
  rows: ResultRow[];
  failure?: ExecuteFailure;
}

function row(item: PlanItem, status: RowStatus, message?: string): ResultRow {
  const r: ResultRow = {
    package: item.package,
    version: item.version,
    kind: item.ref.kind,
    name: item.ref.name,
    namespace: item.ref.namespace ?? '-',
    status,
  };
  if (message) r.message = message;
  return r;
}

/**
 * Whether the server refused a change it only allows by recreating the object. Its wordings
 * differ by kind: "field is immutable" (Job templates, selectors), "may not change once set"
 * (Service clusterIPs), and the StatefulSet rule forbidding changes to volumeClaimTemplates,
 * serviceName and the like.
 */
export function isImmutable(err: KubeApiError): boolean {
  return (
    err.status === 422 &&
    /immutable|may not change once set|updates to statefulset spec for fields other than/i.test(err.message)
  );
}

async function waitGone(client: KubeClient, item: PlanItem, deadline: number): Promise<void> {
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    if (!(await client.get(item.ref))) return;
    await sleep(delay);
  }
}

/** Applies one object; returns its row and the object as the server now has it. */
async function applyItem(
  client: KubeClient,
  item: PlanItem,
  options: ExecuteOptions,
): Promise<{ row: ResultRow; current?: KubeObject; error?: { message: string; hint?: string } }> {
  if (item.precreated) return { row: row(item, 'created'), current: item.precreated };
  if (item.action === 'unchanged') {
    const r: { row: ResultRow; current?: KubeObject } = { row: row(item, 'unchanged') };
    if (item.live) r.current = item.live;
    return r;
  }
  const prepared = item.prepared as PreparedObject;
  try {
    const result = await client.apply(prepared.object, { force: true });
    const status: RowStatus = !item.live
      ? 'created'
      : sameContent(result, item.live)
        ? 'unchanged'
        : 'updated';
    return { row: row(item, status), current: result };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    if (isImmutable(err) && PROTECTED_KINDS.has(item.ref.kind)) {
      // Recreating a claim (or namespace) deletes the data in it: never a side effect of --force.
      return {
        row: row(item, 'failed', err.message),
        error: {
          message: err.message,
          hint: `--force does not recreate a ${item.ref.kind}, since that deletes its data: change the package back, or delete ${describeRef(item.ref)} yourself if its data may go`,
        },
      };
    }
    if (isImmutable(err) && options.force) {
      try {
        await client.delete(item.ref, { propagation: 'Foreground' });
        await waitGone(client, item, options.deadline);
        const result = await client.apply(prepared.object, { force: true });
        return { row: row(item, 'updated', 'recreated (--force)'), current: result };
      } catch (again) {
        if (!(again instanceof KubeApiError)) throw again;
        return { row: row(item, 'failed', again.message), error: { message: again.message } };
      }
    }
    if (isImmutable(err)) {
      return {
        row: row(item, 'failed', err.message),
        error: {
          message: err.message,
          hint: `${describeRef(item.ref)} cannot be changed in place: run deploy again with --force to delete and recreate it`,
        },
      };
    }
    return { row: row(item, 'failed', err.message), error: { message: err.message } };
  }
}

interface Wave {
  id: string;
  label: string;
  items: PlanItem[];
}

function waves(plan: Plan, options: ExecuteOptions): Wave[] {
  const applied = plan.items.filter(
    (i) => i.action === 'create' || i.action === 'update' || i.action === 'unchanged',
  );
  if (!options.wait) return [{ id: 'wave-all', label: 'all packages', items: applied }];
  const implicit = applied.filter((i) => i.implicit);
  const list: Wave[] = options.packages
    .map((p, index) => ({
      id: `wave-${index}`,
      label: `${p.name}@${p.version}`,
      items: applied.filter((i) => i.package === p.name && !i.implicit),
    }))
    .filter((w) => w.items.length > 0);
  // The namespace deploy creates goes with the first package that has objects.
  if (implicit.length > 0) {
    if (list[0]) list[0].items.unshift(...implicit);
    else list.push({ id: 'wave-namespace', label: 'namespace', items: implicit });
  }
  return list;
}

/**
 * Kind steps, each finished before the next. Without --wait nothing waits for readiness, so kind
 * steps would only add round trips: only the barriers the API server itself needs remain (the
 * namespace before what goes into it, CRDs before their resources) and everything else goes
 * through one bounded pool, still sent in kind order.
 */
function applySteps(items: readonly PlanItem[], wait: boolean): PlanItem[][] {
  const steps = stepsByKind(items, (i) => i.ref.kind);
  if (wait) return steps;
  const barrier = (step: PlanItem[]): boolean =>
    step[0]?.ref.kind === 'Namespace' || step[0]?.ref.kind === 'CustomResourceDefinition';
  const merged: PlanItem[][] = [];
  for (const step of steps) {
    const last = merged[merged.length - 1];
    if (last && !barrier(step) && !barrier(last)) last.push(...step);
    else merged.push([...step]);
  }
  return merged;
}

/**
 * A failed Job stays failed: an unchanged redeploy does not send it again, so without this the
 * same failure would come back on every deploy with no way out in sight.
 */
function rerunHint(notReady: readonly NotReady[]): string {
  const jobs = notReady.filter((n) => n.failed && n.ref.kind === 'Job');
  if (jobs.length === 0) return '';
  const commands = jobs.map((j) => `kubectl delete job -n ${j.ref.namespace ?? ''} ${j.ref.name}`).join('; ');
  return `; a failed Job does not run again by itself: delete it (${commands}), then deploy again`;
}

function summary(rows: readonly ResultRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** Runs the plan against the cluster; never throws for object-level failures (they are in `failure`). */
export async function executePlan(
  client: KubeClient,
  plan: Plan,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const rows: ResultRow[] = [];
  for (const wave of waves(plan, options)) {
    const waveRows: ResultRow[] = [];
    const current: KubeObject[] = [];
    const changed = wave.items.filter((i) => i.action !== 'unchanged').length;
    options.progress({
      type: 'start',
      id: wave.id,
      text: `${wave.label}: applying ${changed} of ${wave.items.length} objects`,
    });
    for (const step of applySteps(wave.items, options.wait)) {
      const errors: { message: string; hint?: string }[] = [];
      const results = await mapLimit(step, options.concurrency, (item) => applyItem(client, item, options));
      for (const r of results) {
        waveRows.push(r.row);
        if (r.current) current.push(r.current);
        if (r.error) errors.push(r.error);
      }
      // CRDs must be established before anything of theirs is applied, with or without --wait.
      const crds = results
        .filter((r) => r.current?.kind === 'CustomResourceDefinition' && r.row.status !== 'unchanged')
        .map((r) => r.current as KubeObject);
      if (errors.length === 0 && crds.length > 0) {
        const notReady = await waitReady(client, crds, { deadline: options.deadline });
        if (notReady.length > 0)
          errors.push({
            message: `CustomResourceDefinition ${notReady.map((n) => `${n.ref.name} (${n.reason})`).join(', ')} not established`,
          });
      }
      if (errors.length > 0) {
        rows.push(...waveRows);
        options.progress({ type: 'fail', id: wave.id, text: `${wave.label}: ${errors.length} failed` });
        const first = errors[0] as { message: string; hint?: string };
        const failure: ExecuteFailure = {
          message:
            errors.length === 1 ? first.message : `${errors.length} objects failed; first: ${first.message}`,
          notReady: [],
        };
        const hint = errors.find((e) => e.hint)?.hint;
        if (hint) failure.hint = hint;
        return { rows, failure };
      }
    }
    if (options.wait) {
      const waited = current.filter((o) => needsWait(o.kind) && !readiness(o).ready);
      const notReady = await waitReady(client, waited, {
        deadline: options.deadline,
        onProgress: (pending, first) =>
          options.progress({
            type: 'update',
            id: wave.id,
            text: `${wave.label}: waiting for ${pending} object${pending === 1 ? '' : 's'}${first ? ` (${describeRef(first.ref)}: ${first.reason})` : ''}`,
          }),
      });
      if (notReady.length > 0) {
        // The pods say why (scheduler and kubelet reasons); a failed look leaves the report as it was.
        const diagnosis = await diagnosePods(
          client,
          notReady.map((n) => n.ref),
        ).catch(() => new Map<string, string>());
        for (const n of notReady) {
          const why = diagnosis.get(objectKey(n.ref));
          if (why) n.reason = `${n.reason}; ${why}`;
        }
        const names = new Set(notReady.map((n) => `${n.ref.kind}/${n.ref.name}`));
        for (const r of waveRows)
          if (names.has(`${r.kind}/${r.name}`))
            Object.assign(r, {
              status: 'failed',
              message: notReady.find((n) => n.ref.name === r.name && n.ref.kind === r.kind)?.reason,
            });
        rows.push(...waveRows);
        options.progress({ type: 'fail', id: wave.id, text: `${wave.label}: ${notReady.length} not ready` });
        const failedForGood = notReady.some((n) => n.failed);
        return {
          rows,
          failure: {
            message: `${notReady.length} object${notReady.length === 1 ? '' : 's'} of ${wave.label} ${failedForGood ? 'failed' : 'not ready before the timeout'}: ${notReady
              .map((n) => `${describeRef(n.ref)} (${n.reason}${n.conditions ? `; ${n.conditions}` : ''})`)
              .join(', ')}`,
            hint: failedForGood
              ? `fix the failing object (see its conditions and pods), then deploy again${rerunHint(notReady)}`
              : 'check the objects with `stackanetes status`, or raise --timeout',
            notReady,
          },
        };
      }
    }
    rows.push(...waveRows);
    options.progress({ type: 'succeed', id: wave.id, text: `${wave.label}: ${summary(waveRows)}` });
  }
  const stop = await options.beforePrune?.();
  if (stop) return { rows, failure: stop };
  rows.push(...(await prune(client, plan, options)));
  return { rows };
}

/** Deletes what the previous revisions owned and this one does not render; protected kinds are kept. */
export async function prune(
  client: KubeClient,
  plan: Plan,
  options: Pick<ExecuteOptions, 'concurrency' | 'progress'>,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const protectedItems = plan.items.filter((i) => i.action === 'protected');
  for (const item of protectedItems)
    rows.push(row(item, 'protected', 'kept: pass --prune-protected to delete it'));
  const deletions = plan.items.filter((i) => i.action === 'delete');
  if (deletions.length === 0) return rows;
  options.progress({ type: 'start', id: 'prune', text: `pruning ${deletions.length} objects` });
  // One kind step at a time, in the plan's reverse order, so dependents go before what they use.
  const steps: PlanItem[][] = [];
  for (const item of deletions) {
    const last = steps[steps.length - 1];
    if (last && last[0]?.ref.kind === item.ref.kind) last.push(item);
    else steps.push([item]);
  }
  for (const step of steps) {
    const done = await mapLimit(step, options.concurrency, async (item): Promise<ResultRow> => {
      try {
        await client.delete(item.ref);
        return row(item, 'deleted');
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        return row(item, 'failed', err.message);
      }
    });
    rows.push(...done);
  }
  options.progress({ type: 'succeed', id: 'prune', text: `pruned ${deletions.length} objects` });
  return rows;
}
