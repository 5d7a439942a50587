/**
 * Carrying out a plan. With --wait, each package is a unit that starts once the packages it
 * depends on are ready (plan.packageDeps), so independent packages deploy side by side; without,
 * the whole release is one unit, since without readiness there is nothing to wait between
 * packages for. Inside a unit, kinds go in steps; an object with depends-on is applied only once
 * what it names is ready. Requests are bounded by --concurrency across all units; unchanged
 * objects cost no request. Readiness is followed by one shared tracker (watches). Prune runs only
 * after every unit succeeded. An interruption (the signal) starts no new work, lets requests in
 * flight finish and stops waiting.
 */
import type { ProgressSink } from '../progress.js';
import type { KubeObject } from '../model/types.js';
import { count } from '../text.js';
import type { KubeClient } from '../kube/client.js';
import { packageGraph, updateStrategy } from './graph.js';
import { KubeApiError, sleep } from '../kube/http.js';
import { isImmutable } from './immutable.js';
import { sameContent, type PreparedObject } from './normalize.js';
import { describeRef, objectKey } from '../kube/objects.js';
import { PROTECTED_KINDS } from './ownership.js';
import { mapLimit, stepsByKind } from './order.js';
import type { Plan, PlanItem } from './plan.js';
import { needsWait, readiness } from './readiness.js';
import { diagnosePods } from './pod-diagnosis.js';
import { createTracker, type NotReady, type ReadinessTracker } from './wait.js';

export { isImmutable } from './immutable.js';

export type RowStatus =
  | 'created'
  | 'updated'
  /** Deleted and created again with --force (its immutable fields changed); a Job is `replaced`. */
  | 'recreated'
  | 'replaced'
  | 'unchanged'
  | 'deleted'
  | 'protected'
  | 'failed';

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
  /** Package order (for labels and progress). */
  packages: readonly { name: string; version: string }[];
  progress: ProgressSink;
  /** Aborted on SIGINT/SIGTERM: no new work starts, requests in flight finish, waits end. */
  signal?: AbortSignal;
  /**
   * Called after every unit succeeded, before prune: a failure it returns stops the deploy there
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
  /** The deploy was interrupted (SIGINT/SIGTERM). */
  interrupted?: boolean;
}

export interface ExecuteResult {
  rows: ResultRow[];
  failure?: ExecuteFailure;
  /** Jobs known complete after this run: object key -> applied digest (the revision records them). */
  completedJobs: Record<string, string>;
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

async function waitGone(client: KubeClient, item: PlanItem, deadline: number): Promise<void> {
  for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 1000)) {
    if (!(await client.get(item.ref))) return;
    await sleep(delay);
  }
}

type Applied = { row: ResultRow; current?: KubeObject; error?: { message: string; hint?: string } };

/** Deletes the object (its pods with it, before it disappears) and creates it from the package. */
async function recreate(
  client: KubeClient,
  item: PlanItem,
  deadline: number,
  how: 'replaced' | 'recreated',
): Promise<Applied> {
  try {
    await client.delete(item.ref, { propagation: 'Foreground' });
    await waitGone(client, item, deadline);
    const result = await client.apply((item.prepared as PreparedObject).object, { force: true });
    return { row: row(item, how), current: result };
  } catch (again) {
    if (!(again instanceof KubeApiError)) throw again;
    return { row: row(item, 'failed', again.message), error: { message: again.message } };
  }
}

/** Applies one object; returns its row and the object as the server now has it. */
async function applyItem(client: KubeClient, item: PlanItem, options: ExecuteOptions): Promise<Applied> {
  if (item.precreated) return { row: row(item, 'created'), current: item.precreated };
  if (item.action === 'unchanged') {
    const r: Applied = {
      row: row(
        item,
        'unchanged',
        item.completedEarlier ? 'completed earlier, removed by its TTL' : undefined,
      ),
    };
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
    // A Job is run-to-completion work: a changed Job is new work, so the old one (and its pods)
    // goes and the new one runs. Other kinds opt in with the update-strategy annotation.
    if (isImmutable(err) && updateStrategy(prepared.object) === 'replace')
      return recreate(client, item, options.deadline, 'replaced');
    if (isImmutable(err) && options.force)
      return recreate(client, item, options.deadline, item.ref.kind === 'Job' ? 'replaced' : 'recreated');
    if (isImmutable(err)) {
      return {
        row: row(item, 'failed', err.message),
        error: {
          message: err.message,
          hint: `${describeRef(item.ref)} cannot be changed in place: run deploy again with --force to delete and recreate it, or annotate it stackanetes.io/update-strategy: replace`,
        },
      };
    }
    return { row: row(item, 'failed', err.message), error: { message: err.message } };
  }
}

/** A unit of work: a package with --wait, the whole release without. */
interface Unit {
  id: string;
  label: string;
  items: PlanItem[];
  after: string[];
}

/** Which packages each package waits for: given by the plan, or inferred from its objects. */
export function packageDeps(plan: Plan, applied: readonly PlanItem[]): Record<string, string[]> {
  if (plan.packageDeps) return plan.packageDeps;
  const items = applied.filter((i) => !i.implicit && i.prepared);
  const index = new Map(items.map((i, n) => [i.key, n]));
  const nodes = items.map((i) => ({ package: i.package, object: (i.prepared as PreparedObject).object }));
  const dependsOn = items.map((i) =>
    (i.needs ?? []).flatMap((k) => (index.has(k) ? [index.get(k) as number] : [])),
  );
  const names = plan.packages ?? [...new Set(items.map((i) => i.package))];
  const out: Record<string, string[]> = {};
  for (const [p, deps] of packageGraph(names, nodes, { dependsOn, problems: [] })) out[p] = [...deps];
  return out;
}

function units(plan: Plan, options: ExecuteOptions): Unit[] {
  const applied = plan.items.filter(
    (i) =>
      i.action === 'create' || i.action === 'update' || i.action === 'replace' || i.action === 'unchanged',
  );
  if (!options.wait) return [{ id: 'all', label: 'all packages', items: applied, after: [] }];
  const graph = packageDeps(plan, applied);
  const implicit = applied.filter((i) => i.implicit);
  const list: Unit[] = options.packages
    .map((p) => ({
      id: p.name,
      label: `${p.name}@${p.version}`,
      items: applied.filter((i) => i.package === p.name && !i.implicit),
      after: (graph[p.name] ?? []).filter((d) => d !== p.name),
    }))
    .filter((u) => u.items.length > 0);
  const present = new Set(list.map((u) => u.id));
  for (const u of list) u.after = u.after.filter((d) => present.has(d));
  // The namespace deploy creates is there before any unit starts (the revision is stored in it).
  if (implicit.length > 0) {
    if (list[0]) list[0].items.unshift(...implicit);
    else list.push({ id: 'namespace', label: 'namespace', items: implicit, after: [] });
  }
  return list;
}

/**
 * Kind steps, each applied before the next. Without --wait only the barriers the API server itself
 * needs remain (the namespace before what goes into it, CRDs before their resources). An object
 * that depends on one of a later step moves to that step, where it waits for it.
 */
function applySteps(items: readonly PlanItem[], wait: boolean): PlanItem[][] {
  const steps = stepsByKind(items, (i) => i.ref.kind);
  let merged: PlanItem[][] = steps;
  if (!wait) {
    const barrier = (step: PlanItem[]): boolean =>
      step[0]?.ref.kind === 'Namespace' || step[0]?.ref.kind === 'CustomResourceDefinition';
    merged = [];
    for (const step of steps) {
      const last = merged[merged.length - 1];
      if (last && !barrier(step) && !barrier(last)) last.push(...step);
      else merged.push([...step]);
    }
  }
  const stepOf = new Map<string, number>();
  merged.forEach((step, i) => step.forEach((item) => stepOf.set(item.key, i)));
  for (let changed = true; changed;) {
    changed = false;
    for (const item of items) {
      const at = stepOf.get(item.key) ?? 0;
      const latest = Math.max(at, ...(item.needs ?? []).map((k) => stepOf.get(k) ?? 0));
      if (latest > at) {
        stepOf.set(item.key, latest);
        changed = true;
      }
    }
  }
  const out: PlanItem[][] = merged.map(() => []);
  for (const item of items) out[stepOf.get(item.key) ?? 0]?.push(item);
  return out.filter((step) => step.length > 0);
}

/**
 * A failed Job stays failed: an unchanged redeploy does not send it again, so without this the
 * same failure would come back on every deploy with no way out in sight.
 */
function rerunHint(notReady: readonly NotReady[]): string {
  const jobs = notReady.filter((n) => n.failed && n.ref.kind === 'Job');
  if (jobs.length === 0) return '';
  const commands = jobs.map((j) => `kubectl delete job -n ${j.ref.namespace ?? ''} ${j.ref.name}`).join('; ');
  return `; a failed Job does not run again by itself: change it (a changed Job is replaced) or delete it (${commands}), then deploy again`;
}

function summary(rows: readonly ResultRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
}

/** `1m05s` for durations in reports. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A bounded pool for requests, shared by every unit. */
function semaphore(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (work) => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await work();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

/** What stopped the run, gathered while it ran and turned into one report at the end. */
interface Stop {
  errors: { message: string; hint?: string }[];
  /** Objects failed for good (a failed Job) or still not ready at the deadline. */
  notReady: NotReady[];
  /** Objects never applied because the run ended first, with what they waited for. */
  blocked: string[];
  timedOut: boolean;
  interrupted: boolean;
}

/**
 * The one place a failed run is described: what failed, or what was still waited for and since
 * when, and the fix. It may read the cluster (the client) to say more about what is stuck.
 */
export async function failureReport(
  client: KubeClient,
  stop: Stop,
  now: number,
  timeoutMs?: number,
): Promise<ExecuteFailure | undefined> {
  if (stop.notReady.length > 0) {
    // The pods say why (scheduler and kubelet reasons); a failed look leaves the report as it was.
    const diagnosis = await diagnosePods(
      client,
      stop.notReady.map((n) => n.ref),
    ).catch(() => new Map<string, string>());
    for (const n of stop.notReady) {
      const why = diagnosis.get(objectKey(n.ref));
      if (why) n.reason = `${n.reason}; ${why}`;
    }
  }
  if (stop.errors.length > 0) {
    const first = stop.errors[0] as { message: string; hint?: string };
    const failure: ExecuteFailure = {
      message:
        stop.errors.length === 1
          ? first.message
          : `${stop.errors.length} objects failed; first: ${first.message}`,
      notReady: [],
    };
    const hint = stop.errors.find((e) => e.hint)?.hint;
    if (hint) failure.hint = hint;
    return failure;
  }
  const failed = stop.notReady.filter((n) => n.failed);
  if (failed.length > 0) {
    return {
      message: `${failed.length} object${failed.length === 1 ? '' : 's'} failed: ${failed
        .map((n) => `${describeRef(n.ref)} (${n.reason}${n.conditions ? `; ${n.conditions}` : ''})`)
        .join(', ')}`,
      hint: `fix the failing object (see its conditions and pods), then deploy again${rerunHint(failed)}`,
      notReady: failed,
    };
  }
  const waited = stop.notReady
    .map((n) => {
      const since =
        n.since !== undefined
          ? `; waited for since ${new Date(n.since).toISOString()}, ${formatElapsed(now - n.since)}`
          : '';
      return `${describeRef(n.ref)} (${n.reason}${n.conditions ? `; ${n.conditions}` : ''}${since})`;
    })
    .join(', ');
  const blocked = stop.blocked.length > 0 ? `; not applied yet: ${stop.blocked.join(', ')}` : '';
  if (stop.interrupted) {
    return {
      message: `interrupted${waited ? `: still waiting for ${waited}` : ''}${blocked}`,
      hint: 'run the same deploy again: it continues from what is there',
      notReady: stop.notReady,
      interrupted: true,
    };
  }
  if (stop.timedOut || stop.notReady.length > 0) {
    const n = stop.notReady.length;
    return {
      message: `${n} object${n === 1 ? '' : 's'} not ready before the timeout${timeoutMs ? ` (${formatElapsed(timeoutMs)})` : ''}${waited ? `: ${waited}` : ''}${blocked}`,
      hint: 'check the objects with `stackanetes status`, or raise --timeout',
      notReady: stop.notReady,
    };
  }
  return undefined;
}

/** Runs the plan against the cluster; never throws for object-level failures (they are in `failure`). */
export async function executePlan(
  client: KubeClient,
  plan: Plan,
  options: ExecuteOptions & { timeoutMs?: number },
): Promise<ExecuteResult> {
  return new Execution(client, plan, options).run();
}

/**
 * One run of a plan. Each item is applied by its own unit once what it depends on is ready, and
 * is ready once the server says so; dependents only observe an item, they never apply it out of
 * its unit's order.
 */
class Execution {
  private readonly started = Date.now();
  private readonly rows: ResultRow[] = [];
  private readonly completedJobs: Record<string, string> = {};
  private readonly stop: Stop = {
    errors: [],
    notReady: [],
    blocked: [],
    timedOut: false,
    interrupted: false,
  };
  private stopped = false;
  // The deadline and the signal are handled here, so what was still waited for is read before
  // the tracker lets go of it.
  private readonly tracker: ReadinessTracker;
  /** Items whose application began, and how to hand each item's result to what waits for it. */
  private readonly begun = new Set<string>();
  private readonly settled = new Map<string, (a: Applied | undefined) => void>();
  private readonly appliedOf = new Map<string, Promise<Applied | undefined>>();
  private readonly readyOf = new Map<string, Promise<boolean>>();
  private readonly unitDone = new Map<string, Promise<boolean>>();
  /** Unexpected errors (not the API's answers): rethrown once the run has wound down. */
  private readonly failures: unknown[] = [];
  private readonly limit: <T>(work: () => Promise<T>) => Promise<T>;
  private readonly all: Unit[];
  private readonly byKey: Map<string, PlanItem>;
  /** In-flight packages and what each is doing, for the spinner. */
  private readonly doing = new Map<string, string>();
  private readonly unitOf = new Map<string, Unit>();
  private spinning = false;

  constructor(
    private readonly client: KubeClient,
    private readonly plan: Plan,
    private readonly options: ExecuteOptions & { timeoutMs?: number },
  ) {
    this.tracker = createTracker(client, {});
    this.limit = semaphore(options.concurrency);
    this.all = units(plan, options);
    this.byKey = new Map(plan.items.map((i) => [i.key, i]));
    for (const u of this.all) for (const i of u.items) this.unitOf.set(i.key, u);
  }

  async run(): Promise<ExecuteResult> {
    const { options } = this;
    const onAbort = (): void => {
      if (this.stopped) return;
      this.stop.interrupted = true;
      this.stop.notReady.push(...this.tracker.waiting());
      this.halt();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const deadlineTimer = setTimeout(
      () => {
        if (this.stopped) return;
        this.stop.timedOut = true;
        this.stop.notReady.push(...this.tracker.waiting());
        this.halt();
      },
      Math.max(0, options.deadline - Date.now()),
    );
    this.spin('start', `applying ${this.all.length} unit${this.all.length === 1 ? '' : 's'}`);
    const refresh = setInterval(() => {
      if (this.spinning) options.progress({ type: 'update', id: 'deploy', text: this.render() });
    }, 200);
    refresh.unref();
    try {
      await Promise.all(this.all.map((u) => this.runUnit(u)));
      if (this.failures.length > 0) throw this.failures[0];
    } finally {
      clearInterval(refresh);
      clearTimeout(deadlineTimer);
      options.signal?.removeEventListener('abort', onAbort);
      this.tracker.close();
    }
    return this.finish();
  }

  private halt(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.tracker.close();
    // Whatever was never going to be applied now: its dependents stop waiting for it.
    for (const key of [...this.settled.keys()]) if (!this.begun.has(key)) this.settled.get(key)?.(undefined);
  }

  /** The packages in flight and what each waits for. */
  private render(): string {
    const waiting = this.tracker.waiting();
    const describe = (n: NotReady): string => `${n.ref.kind}/${n.ref.name} (${n.reason})`;
    const parts = [...this.doing.entries()].map(([id, what]) => {
      const unit = this.all.find((u) => u.id === id);
      const w = waiting.find((n) => this.unitOf.get(objectKey(n.ref))?.id === id);
      return `${unit?.label ?? id}: ${w ? `waiting for ${describe(w)}` : what}`;
    });
    return parts.length === 0 ? 'applying' : `${parts.length} in flight: ${parts.join('; ')}`;
  }

  /** One spinner: the packages in flight and what each waits for; a line per finished package. */
  private spin(event: 'start' | 'succeed' | 'fail', text: string): void {
    if (event !== 'start' && !this.spinning) return;
    this.spinning = event === 'start';
    this.options.progress({ type: event, id: 'deploy', text });
  }

  private whenApplied(key: string): Promise<Applied | undefined> {
    let p = this.appliedOf.get(key);
    if (!p) {
      p = new Promise((resolve) => this.settled.set(key, resolve));
      this.appliedOf.set(key, p);
    }
    return p;
  }

  private apply(item: PlanItem): Promise<Applied | undefined> {
    const p = this.whenApplied(item.key);
    if (!this.begun.has(item.key)) {
      this.begun.add(item.key);
      this.applyAfterNeeds(item).then(
        (result) => this.settled.get(item.key)?.(result),
        (err: unknown) => {
          this.failures.push(err);
          this.settled.get(item.key)?.(undefined);
          this.halt();
        },
      );
    }
    return p;
  }

  private async applyAfterNeeds(item: PlanItem): Promise<Applied | undefined> {
    const needs = (item.needs ?? [])
      .map((k) => this.byKey.get(k))
      .filter((i): i is PlanItem => i !== undefined);
    const ok = await Promise.all(
      needs.map((n) =>
        this.options.wait ? this.ready(n) : this.whenApplied(n.key).then((a) => !!a && !a.error),
      ),
    );
    if (!ok.every(Boolean) || this.stopped) {
      if (this.stopped)
        this.stop.blocked.push(
          `${describeRef(item.ref)}${needs.length > 0 ? ` (after ${needs.map((n) => `${n.ref.kind}/${n.ref.name}`).join(', ')})` : ''}`,
        );
      return undefined;
    }
    const result = await this.limit(async () =>
      this.stopped ? undefined : applyItem(this.client, item, this.options),
    );
    if (!result) {
      this.stop.blocked.push(describeRef(item.ref));
      return undefined;
    }
    this.rows.push(result.row);
    if (result.error) {
      this.stop.errors.push(result.error);
      this.halt();
    }
    return result;
  }

  private ready(item: PlanItem): Promise<boolean> {
    let p = this.readyOf.get(item.key);
    if (!p) {
      p = this.becomeReady(item);
      this.readyOf.set(item.key, p);
    }
    return p;
  }

  private async becomeReady(item: PlanItem): Promise<boolean> {
    const a = await this.whenApplied(item.key);
    if (!a || a.error) return false;
    const current = a.current;
    if (!current) return true; // done earlier (a Job its TTL removed)
    if (item.ref.kind === 'Job' && readiness(current).ready && item.prepared)
      this.completedJobs[item.key] = item.prepared.digest;
    if (!this.options.wait && current.kind !== 'CustomResourceDefinition') return true;
    if (
      !needsWait(current.kind) ||
      (current.kind === 'CustomResourceDefinition' && a.row.status === 'unchanged')
    )
      return true;
    const outcome = await this.tracker.wait(current);
    if (outcome.ready) {
      if (item.ref.kind === 'Job' && item.prepared) this.completedJobs[item.key] = item.prepared.digest;
      return true;
    }
    if (outcome.failed) {
      this.stop.notReady.push({ ref: item.ref, reason: outcome.reason, conditions: '', failed: true });
      // a.row is the row this item's apply pushed into this.rows: mark it in place.
      Object.assign(a.row, { status: 'failed', message: outcome.reason });
      this.halt();
    }
    return false;
  }

  private runUnit(unit: Unit): Promise<boolean> {
    let p = this.unitDone.get(unit.id);
    if (!p) {
      p = this.unitAfterDeps(unit);
      this.unitDone.set(unit.id, p);
    }
    return p;
  }

  private async unitAfterDeps(unit: Unit): Promise<boolean> {
    const deps = unit.after.map((id) => this.all.find((u) => u.id === id)).filter((u): u is Unit => !!u);
    if (deps.length > 0) {
      this.doing.set(unit.id, `waiting for ${deps.map((d) => d.label).join(', ')}`);
      const ok = await Promise.all(deps.map((d) => this.runUnit(d)));
      this.doing.delete(unit.id);
      if (!ok.every(Boolean) || this.stopped) return false;
    }
    if (this.stopped) return false;
    return this.applyUnit(unit);
  }

  private async applyUnit(unit: Unit): Promise<boolean> {
    const { options } = this;
    const changed = unit.items.filter((i) => i.action !== 'unchanged').length;
    this.doing.set(unit.id, `applying ${changed} of ${count(unit.items.length, 'object')}`);
    // A start and an end event per package, for logs (one line each off a terminal).
    const waveId = `wave-${unit.id}`;
    options.progress({
      type: 'start',
      id: waveId,
      text: `${unit.label}: applying ${changed} of ${count(unit.items.length, 'object')}`,
    });
    const readies: Promise<boolean>[] = [];
    for (const step of applySteps(unit.items, options.wait)) {
      const results = await Promise.all(step.map((i) => this.apply(i)));
      if (this.stopped || results.some((r) => !r || r.error)) {
        this.doing.delete(unit.id);
        options.progress({ type: 'fail', id: waveId });
        return false;
      }
      // CRDs must be established before anything of theirs is applied, with or without --wait.
      const crds = step.filter((i) => i.ref.kind === 'CustomResourceDefinition');
      if (crds.length > 0 && !(await Promise.all(crds.map((i) => this.ready(i)))).every(Boolean)) {
        this.doing.delete(unit.id);
        return false;
      }
      readies.push(...step.map((i) => this.ready(i)));
    }
    this.doing.set(unit.id, 'waiting for readiness');
    const ok = (await Promise.all(readies)).every(Boolean);
    this.doing.delete(unit.id);
    if (!ok || this.stopped) {
      options.progress({ type: 'fail', id: waveId });
      return false;
    }
    const mine = this.rows.filter((r) =>
      unit.items.some(
        (i) => i.ref.kind === r.kind && i.ref.name === r.name && (i.ref.namespace ?? '-') === r.namespace,
      ),
    );
    options.progress({ type: 'succeed', id: waveId, text: `${unit.label}: ${summary(mine)}` });
    if (!this.spinning) this.spin('start', unit.label);
    this.spin('succeed', `${unit.label}: ${summary(mine)}`);
    if (this.doing.size > 0) this.spin('start', this.render());
    return true;
  }

  /** The result once every unit has wound down: the failure report, or prune and the rows. */
  private async finish(): Promise<ExecuteResult> {
    const { rows, completedJobs, options } = this;
    const failure = this.stopped
      ? await failureReport(
          this.client,
          this.stop,
          Date.now(),
          options.timeoutMs ?? options.deadline - this.started,
        )
      : undefined;
    // Rows in plan order, whatever order the concurrent units finished in.
    const order = new Map(
      this.plan.items.map((i, n) => [`${i.ref.kind}/${i.ref.namespace ?? '-'}/${i.ref.name}`, n]),
    );
    rows.sort(
      (a, b) =>
        (order.get(`${a.kind}/${a.namespace}/${a.name}`) ?? 0) -
        (order.get(`${b.kind}/${b.namespace}/${b.name}`) ?? 0),
    );
    if (failure) {
      this.spin('fail', failure.interrupted ? 'interrupted' : 'failed');
      for (const r of rows) {
        const n = failure.notReady.find((x) => x.ref.kind === r.kind && x.ref.name === r.name);
        if (n && r.status !== 'failed') Object.assign(r, { status: 'failed', message: n.reason });
      }
      return { rows, failure, completedJobs };
    }
    if (this.stopped)
      return {
        rows,
        failure: { message: 'stopped before every object was applied', notReady: [] },
        completedJobs,
      };
    this.spin('succeed', `applied ${rows.length} objects`);
    const halted = await options.beforePrune?.();
    if (halted) return { rows, failure: halted, completedJobs };
    rows.push(...(await prune(this.client, this.plan, options)));
    return { rows, completedJobs };
  }
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
  options.progress({ type: 'start', id: 'prune', text: `pruning ${count(deletions.length, 'object')}` });
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
  options.progress({ type: 'succeed', id: 'prune', text: `pruned ${count(deletions.length, 'object')}` });
  return rows;
}
