/**
 * The plan against a real cluster: reads what the pure plan needs, then (diff, deploy --dry-run)
 * asks the server what each apply would really change.
 */
import type { KubeObject } from '../model/types.js';
import type { KubeClient } from '../kube/client.js';
import { KubeApiError } from '../kube/http.js';
import { sameContent, type PreparedObject } from './normalize.js';
import { PROTECTED_KINDS } from './ownership.js';
import { isImmutable } from './immutable.js';
import { updateStrategy } from './graph.js';
import { mapLimit } from './order.js';
import { fetchLive, resolveKinds } from './live.js';
import {
  kindKey,
  planTargets,
  targets,
  type DesiredObjects,
  type LiveState,
  type Plan,
  type PlanChoices,
  type PlannedObject,
} from './plan.js';

export interface PlanOptions extends PlanChoices {
  /** Objects the previous revisions applied; what is not desired any more gets pruned. */
  previous: readonly PlannedObject[];
  /** Dry-run apply every object not provably unchanged (diff, deploy --dry-run). */
  dryRun: boolean;
  concurrency: number;
  /** Jobs the previous revisions saw complete: object key -> applied digest. */
  completedJobs?: Readonly<Record<string, string>>;
}

/** Builds the plan; reads only, except dry-run applies when `dryRun` is set. */
export async function computePlan(
  client: KubeClient,
  desired: DesiredObjects,
  options: PlanOptions,
): Promise<Plan> {
  const kinds = await resolveKinds(client, [
    ...desired.objects.map((o) => o.object),
    ...options.previous.map((o) => o.object),
  ]);
  const t = targets(desired, options.previous, kinds);
  const objects = await fetchLive(
    client,
    [...t.wanted, ...t.gone].map((i) => i.ref),
    options.concurrency,
  );
  const live: LiveState = { kinds, objects };
  const plan = planTargets(
    t,
    desired,
    live,
    options.completedJobs
      ? { objects: options.previous, completedJobs: options.completedJobs }
      : { objects: options.previous },
    options,
  );
  if (options.dryRun) await dryRun(client, plan, live, options.concurrency);
  return plan;
}

/**
 * Dry-run applies every wanted object not provably unchanged: unchanged when the server's answer
 * equals the live copy, `replace` or an error when the server refuses the change in place.
 */
async function dryRun(client: KubeClient, plan: Plan, live: LiveState, concurrency: number): Promise<void> {
  // The API server refuses even a dry-run create in a namespace that does not exist yet, and
  // there is nothing live to compare with there: those objects are plain creates.
  const wanted = plan.items.filter((i) => i.prepared);
  const newNamespaces = new Set(
    wanted.filter((i) => i.ref.kind === 'Namespace' && i.action === 'create').map((i) => i.ref.name),
  );
  const served = (o: KubeObject): boolean => live.kinds.get(kindKey(o)) !== undefined;
  await mapLimit(
    wanted.filter(
      (i) =>
        i.action !== 'unchanged' &&
        !i.implicit &&
        !(i.ref.namespace !== undefined && newNamespaces.has(i.ref.namespace)) &&
        served((i.prepared as PreparedObject).object),
    ),
    concurrency,
    async (item) => {
      try {
        item.preview = await client.apply((item.prepared as PreparedObject).object, {
          dryRun: true,
          force: true,
        });
        if (item.live && sameContent(item.preview, item.live)) item.action = 'unchanged';
      } catch (err) {
        if (!(err instanceof KubeApiError)) throw err;
        // A change only a new object can take: shown as a replacement when that is the
        // object's strategy (a Job's), as an error otherwise.
        if (
          isImmutable(err) &&
          !PROTECTED_KINDS.has(item.ref.kind) &&
          updateStrategy(item.prepared?.object as KubeObject) === 'replace'
        )
          item.action = 'replace';
        else item.error = err.message;
      }
    },
  );
}
