/**
 * `diff`: what `deploy` would do, object by object, without changing anything. Objects that are
 * provably unchanged cost no request; the rest are dry-run applied on the server, so the diff
 * includes server defaulting, admission and the merge of fields other managers own — the same
 * answer the real apply would give.
 */
import { createRequire } from 'node:module';
import { maskSecret, normalizeForDiff } from '../apply/normalize.js';
import { describeRef } from '../kube/objects.js';
import { summarize, type PlanAction, type PlanItem, type PlanSummary } from '../apply/plan.js';
import { unifiedDiff } from '../kube/text-diff.js';
import type { KubeObject } from '../model/types.js';
import { planRelease } from '../release/deployer.js';
import { scopeSummary } from '../release/scope.js';
import {
  checkConcurrency,
  renderDesired,
  requestStats,
  withCluster,
  type RenderInputs,
  type RequestStats,
} from './cluster.js';
import type { ActionContext } from './context.js';
import { count } from '../text.js';

export interface DiffOptions extends RenderInputs {
  concurrency?: number;
  pruneProtected?: boolean;
  /** Plan existing objects no release owns as taken over (deploy --adopt) instead of refusing. */
  adopt?: boolean;
}

export interface DiffEntry {
  action: PlanAction;
  package: string;
  apiVersion: string;
  kind: string;
  namespace: string | null;
  name: string;
  /** `<ns>/<Kind>/<name> (<package>)` */
  header: string;
  /** Unified diff lines (`@@`, ` `, `-`, `+`); Secret values are replaced by their sizes. */
  diff: string[];
  /** The dry-run failed: the deploy would fail the same way. */
  error?: string;
}

export interface DiffResult {
  release: string;
  namespace: string;
  summary: PlanSummary;
  /** Every object, in deploy order, then deletions. */
  entries: DiffEntry[];
  changed: boolean;
  requests: RequestStats;
  /** What the release writes outside its namespace, and the flags deploy still needs for it. */
  scope: Awaited<ReturnType<typeof scopeSummary>>;
}

function toYaml(object: KubeObject | undefined): string {
  if (!object) return '';
  // Loaded only when something changed: a clean diff never needs it, and it is slow to load. The
  // diff's text is `yaml`'s (sorted keys, no line folding) as users know it; parsing is src/util/yaml.ts.
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return stringify(object, { sortMapEntries: true, lineWidth: 0 });
}

/** Before and after as shown to people: normalised, Secret values replaced by sizes. */
function texts(item: PlanItem): { before: string; after: string } {
  const live = item.live ? normalizeForDiff(item.live) : undefined;
  const wanted = item.preview ?? item.prepared?.object;
  const after =
    item.action === 'delete' || item.action === 'protected' || !wanted ? undefined : normalizeForDiff(wanted);
  const before = item.action === 'create' ? undefined : live;
  return {
    before: toYaml(before ? maskSecret(before) : undefined),
    after: toYaml(after ? maskSecret(after, before) : undefined),
  };
}

export async function diff(context: ActionContext, options: DiffOptions): Promise<DiffResult> {
  const { progress } = context;
  const concurrency = checkConcurrency(options.concurrency);
  return withCluster(context, async (client) => {
    const { desired } = await renderDesired(context, options, client.target.namespace);
    progress({
      type: 'start',
      id: 'diff',
      text: `comparing ${count(desired.objects.length, 'object')} with ${client.target.server}`,
    });
    const { plan, history } = await planRelease(client, desired, {
      dryRun: true,
      concurrency,
      pruneProtected: options.pruneProtected ?? false,
      ...(options.adopt ? { adopt: true } : {}),
      store: context.releases(client, desired.namespace),
    });
    progress({ type: 'succeed', id: 'diff', text: `compared ${count(desired.objects.length, 'object')}` });
    const entries: DiffEntry[] = plan.items.map((item) => {
      const { before, after } = item.action === 'unchanged' ? { before: '', after: '' } : texts(item);
      const entry: DiffEntry = {
        action: item.action,
        package: item.package,
        apiVersion: item.ref.apiVersion,
        kind: item.ref.kind,
        namespace: item.ref.namespace ?? null,
        name: item.ref.name,
        header: `${describeRef(item.ref)} (${item.package})`,
        diff: item.action === 'unchanged' || item.action === 'protected' ? [] : unifiedDiff(before, after),
      };
      if (item.error) entry.error = item.error;
      return entry;
    });
    const summary = summarize(plan);
    return {
      release: plan.release,
      namespace: plan.namespace,
      summary,
      entries,
      changed: summary.create + summary.update + summary.replace + summary.delete > 0,
      requests: requestStats(client),
      scope: await scopeSummary(client, desired.namespace, desired.release, desired.objects, history),
    };
  });
}
