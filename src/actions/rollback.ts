/**
 * `rollback [REVISION]`: re-apply a stored revision's manifest as a new revision (history only
 * grows, as with Helm), pruning what the current revision has and that one did not. Without a
 * revision it goes back to the one deployed before the current.
 */
import { InputError, NotFoundError } from '../errors.js';
import { clusterFailure } from '../kube/client.js';
import { fromRecord } from '../release/desired.js';
import { runRelease } from '../release/deployer.js';
import { currentRevision, selectRelease } from '../release/select.js';
import { createReleaseStore } from '../release/store.js';
import {
  checkConcurrency,
  DEFAULT_TIMEOUT_MS,
  openCluster,
  type ClusterAccess,
  type DeployResult,
} from './deploy.js';
import { silentProgress, type ProgressSink } from './progress.js';

export interface RollbackOptions extends ClusterAccess {
  release?: string;
  revision?: number;
  dryRun?: boolean;
  wait?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  force?: boolean;
  pruneProtected?: boolean;
  progress?: ProgressSink;
  now?: () => Date;
}

export interface RollbackResult extends DeployResult {
  /** The revision whose manifest was re-applied. */
  from: number;
}

export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  const concurrency = checkConcurrency(options.concurrency);
  const client = openCluster(options);
  try {
    const namespace = client.target.namespace;
    const history = await selectRelease(createReleaseStore(client, namespace), namespace, options.release);
    const release = (history[0] as (typeof history)[number]).release;
    const current = currentRevision(history);
    let target;
    if (options.revision !== undefined) {
      target = history.find((r) => r.revision === options.revision);
      if (!target) {
        throw new NotFoundError(`release ${release} has no revision ${options.revision}`, {
          hint: `revisions kept: ${history.map((r) => r.revision).join(', ')}`,
        });
      }
    } else {
      // After a failed or interrupted deploy, "back" means the last good state: the deployed
      // revision. Otherwise it means the good revision before the current one.
      const latest = history[history.length - 1] as (typeof history)[number];
      target =
        latest.status !== 'deployed' && current.status === 'deployed'
          ? current
          : [...history]
              .reverse()
              .find(
                (r) =>
                  r.revision < current.revision && (r.status === 'superseded' || r.status === 'deployed'),
              );
      if (!target) {
        throw new InputError(
          `release ${release} has no revision before ${current.revision} to roll back to`,
          {
            hint: 'name one with `stackanetes rollback REVISION` (see `stackanetes history`)',
          },
        );
      }
    }
    const result = await runRelease(client, fromRecord(target, `rollback to ${target.revision}`), {
      dryRun: options.dryRun ?? false,
      wait: options.wait ?? true,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      concurrency,
      force: options.force ?? false,
      pruneProtected: options.pruneProtected ?? false,
      progress: options.progress ?? silentProgress,
      now: options.now ?? (() => new Date()),
    });
    const { requests, writes, retries } = client.transport.stats;
    return { ...result, from: target.revision, requests: { total: requests, writes, retries } };
  } catch (err) {
    throw clusterFailure(err);
  } finally {
    client.close();
  }
}
