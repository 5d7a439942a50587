/**
 * `status`: each object of the release's current revision with its live readiness, read from the
 * cluster now (one LIST per kind), so it shows drift such as a deleted object or a crashed rollout.
 */
import { objectKey, refOf } from '../kube/objects.js';
import { fetchLive } from '../apply/live.js';
import { describeConditions, readiness } from '../apply/readiness.js';
import { placeObjects } from '../release/scope.js';
import { currentRevision, selectRelease } from '../release/select.js';
import type { RevisionStatus } from '../release/types.js';
import { DEFAULT_CONCURRENCY, objectColumns, withCluster } from './cluster.js';
import type { ActionContext } from './context.js';

export interface StatusOptions {
  release?: string;
}

export interface ObjectStatus {
  package: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  /** `ready`, `not ready`, `failed` or `missing`. */
  status: 'ready' | 'not ready' | 'failed' | 'missing';
  reason: string;
}

export interface StatusResult {
  release: string;
  namespace: string;
  revision: number;
  revisionStatus: RevisionStatus;
  updatedAt: string;
  /** When the revision was deployed (updatedAt is when its status last changed). */
  deployedAt: string;
  ready: number;
  total: number;
  objects: ObjectStatus[];
}

export async function status(context: ActionContext, options: StatusOptions): Promise<StatusResult> {
  return withCluster(context, async (client) => {
    const namespace = client.target.namespace;
    const history = await selectRelease(context.releases(client, namespace), namespace, options.release);
    const record = currentRevision(history);
    // A rendered manifest file records namespaced objects without their namespace.
    const placed = await placeObjects(client, namespace, record.objects);
    const refs = placed.map((o) => refOf(o.object));
    const live = await fetchLive(client, refs, DEFAULT_CONCURRENCY);
    const objects: ObjectStatus[] = record.objects.map((o, i) => {
      const ref = refs[i] as (typeof refs)[number];
      const current = live.get(objectKey(ref));
      const base = objectColumns(o, ref);
      if (!current) return { ...base, status: 'missing', reason: 'not found in the cluster' };
      const r = readiness(current);
      const conditions = r.ready ? '' : describeConditions(current);
      return {
        ...base,
        status: r.ready ? 'ready' : r.failed ? 'failed' : 'not ready',
        reason: r.ready ? '' : `${r.reason}${conditions ? `; ${conditions}` : ''}`,
      };
    });
    return {
      release: record.release,
      namespace,
      revision: record.revision,
      revisionStatus: record.status,
      updatedAt: record.updatedAt,
      deployedAt: record.createdAt,
      ready: objects.filter((o) => o.status === 'ready').length,
      total: objects.length,
      objects,
    };
  });
}
