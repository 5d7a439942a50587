/** `history`: the revisions of a release, as stored in its namespace. */
import { describeChanges } from '../release/changes.js';
import { selectTargetRelease } from '../release/select.js';
import type { RevisionSummary } from '../release/types.js';
import { withCluster, type ClusterAccess } from './deploy.js';

export interface HistoryOptions extends ClusterAccess {
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

export async function history(options: HistoryOptions): Promise<HistoryResult> {
  return withCluster(options, async (client) => {
    const { namespace, history: records } = await selectTargetRelease(client, options.release);
    const revisions = records.map((r, i) => {
      const { objects: _objects, parameters: _parameters, ...summary } = r;
      return { ...summary, changes: describeChanges(r, records.slice(0, i)) };
    });
    return { release: (records[0] as RevisionSummary).release, namespace, revisions };
  });
}
