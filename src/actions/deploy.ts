/**
 * `deploy`: render a package reference (directory, tarball or registry) and bring the namespace
 * to that state with server-side apply, waves, readiness waits, prune and a release revision.
 */
import { runRelease } from '../release/deployer.js';
import { lockOnFirstWrite, lockSeconds } from '../release/lease.js';
import { guardScope } from '../release/scope.js';
import {
  checkConcurrency,
  renderDesired,
  requestStats,
  runOptions,
  untilTimeout,
  withCluster,
  type AppliedRun,
  type ApplyOptions,
  type RenderInputs,
} from './cluster.js';
import type { ActionContext } from './context.js';

export interface DeployOptions extends RenderInputs, ApplyOptions {
  /** `--allow-cluster-scope`: the release may write cluster-scoped objects. */
  allowClusterScope?: boolean;
  /** `--allow-namespace NS`: the release may write into these other namespaces. */
  allowNamespaces?: string[];
}

export type DeployResult = AppliedRun;

export async function deploy(context: ActionContext, options: DeployOptions): Promise<DeployResult> {
  const settings = runOptions(context, options, checkConcurrency(options.concurrency));
  return withCluster(
    context,
    async (client) => {
      const { desired, writeLock } = await renderDesired(context, options, client.target.namespace);
      const store = context.releases(client, desired.namespace);
      if (!settings.dryRun)
        await guardScope(
          client,
          desired.release,
          desired.namespace,
          desired.objects,
          { cluster: options.allowClusterScope ?? false, namespaces: options.allowNamespaces ?? [] },
          store,
        );
      const lock = lockOnFirstWrite(client, desired.namespace, desired.release, {
        operation: 'deploy',
        durationSeconds: lockSeconds(context.env),
        store,
      });
      const result = await runRelease(client, desired, {
        ...settings,
        store,
        beforeWrite: lock.beforeWrite,
      }).finally(lock.release);
      // The lockfile records what is now deployed, so the next deploy resolves the same releases.
      if (result.outcome === 'deployed' || result.outcome === 'unchanged') await writeLock();
      return { ...result, requests: requestStats(client) };
    },
    untilTimeout(settings),
  );
}
