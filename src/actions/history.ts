/** `history`: the revisions of a release, as stored in its namespace. */
import { selectTargetRelease } from '../release/select.js';
import type { RevisionSummary } from '../release/types.js';
import { withCluster, type ClusterAccess } from './deploy.js';

export interface HistoryOptions extends ClusterAccess {
  release?: string;
}

export interface HistoryResult {
  release: string;
  namespace: string;
  revisions: RevisionSummary[];
}

export async function history(options: HistoryOptions): Promise<HistoryResult> {
  return withCluster(options, async (client) => {
    const { namespace, history: records } = await selectTargetRelease(client, options.release);
    const revisions = records.map((r) => {
      const { objects: _objects, parameters: _parameters, ...summary } = r;
      return summary;
    });
    return { release: (records[0] as RevisionSummary).release, namespace, revisions };
  });
}
