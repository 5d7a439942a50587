/** `history`: the revisions of a release, as stored in its namespace. */
import { describeChanges } from '../release/changes.js';
import { selectRelease } from '../release/select.js';
import type { RevisionSummary } from '../release/types.js';
import { withCluster } from './cluster.js';
import type { ActionContext } from './context.js';

export interface HistoryOptions {
  release?: string;
}

export interface HistoryResult {
  release: string;
  namespace: string;
  revisions: (RevisionSummary & {
    /** What it changed against the revision before: packages, versions, parameter keys. */
    changes: string;
  })[];
}

export async function history(context: ActionContext, options: HistoryOptions): Promise<HistoryResult> {
  return withCluster(context, async (client) => {
    const namespace = client.target.namespace;
    const records = await selectRelease(context.releases(client, namespace), namespace, options.release);
    const revisions = records.map((r, i) => {
      const { objects: _objects, parameters: _parameters, ...summary } = r;
      return { ...summary, changes: describeChanges(r, records.slice(0, i)) };
    });
    return { release: (records[0] as RevisionSummary).release, namespace, revisions };
  });
}
