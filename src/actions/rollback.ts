/**
 * `rollback [REVISION]`: re-apply a stored revision's manifest as a new revision (history only
 * grows, as with Helm), pruning what the current revision has and that one did not. Without a
 * revision it goes back to the one deployed before the current.
 */
import { InputError, NotFoundError } from '../errors.js';
import { fromRecord } from '../release/desired.js';
import { runRelease } from '../release/deployer.js';
import { lockOnFirstWrite, lockSeconds } from '../release/lease.js';
import { currentRevision, selectRelease } from '../release/select.js';
import {
  checkConcurrency,
  requestStats,
  runOptions,
  untilTimeout,
  withCluster,
  type AppliedRun,
  type ApplyOptions,
} from './cluster.js';
import type { ActionContext } from './context.js';

export interface RollbackOptions extends ApplyOptions {
  release?: string;
  revision?: number;
}

export interface RollbackResult extends AppliedRun {
  /** The revision whose manifest was re-applied. */
  from: number;
}

export async function rollback(context: ActionContext, options: RollbackOptions): Promise<RollbackResult> {
  const settings = runOptions(context, options, checkConcurrency(options.concurrency));
  return withCluster(
    context,
    async (client) => {
      const namespace = client.target.namespace;
      const store = context.releases(client, namespace);
      const history = await selectRelease(store, namespace, options.release);
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
      const lock = lockOnFirstWrite(client, target.namespace, release, {
        operation: 'rollback',
        durationSeconds: lockSeconds(context.env),
        store,
      });
      const desired = fromRecord(target, `rollback to ${target.revision}`);
      const result = await runRelease(client, desired, {
        ...settings,
        store,
        beforeWrite: lock.beforeWrite,
      }).finally(lock.release);
      return { ...result, from: target.revision, requests: requestStats(client) };
    },
    untilTimeout(settings),
  );
}
