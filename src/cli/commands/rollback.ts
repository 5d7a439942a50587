/** `stackanetes rollback [REVISION]`: re-apply an earlier revision as a new one. */
import type { Command } from 'commander';
import { ClusterError, NotReadyError, UsageError } from '../../errors.js';
import type { CliEnv } from '../main.js';
import { formatData, parseOutputFormat } from '../output.js';
import { createProgress } from '../progress.js';
import {
  accessOptions,
  addClusterFlags,
  parseConcurrency,
  parseDuration,
  printRows,
  type ClusterFlagValues,
} from './deploy.js';

interface RollbackFlags extends ClusterFlagValues {
  release?: string;
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
  concurrency: string;
  force?: boolean;
  pruneProtected?: boolean;
  output: string;
}

export function register(program: Command, env: CliEnv): void {
  addClusterFlags(
    program
      .command('rollback')
      .description(
        're-apply an earlier revision of a release as a new revision (default: the one before the current)',
      )
      .argument('[revision]', 'revision number (see `stackanetes history`)'),
  )
    .option('--release <name>', 'release name (default: the only release in the namespace)')
    .option('--dry-run', 'ask the server what would change, change nothing')
    .option('--wait', 'wait for each package to be ready before the next', true)
    .option('--no-wait', 'apply everything without waiting for readiness')
    .option('--timeout <duration>', 'how long the rollback may take to be ready', '5m')
    .option('--concurrency <n>', 'objects applied at the same time inside a wave', '16')
    .option('--force', 'delete and recreate objects whose immutable fields changed')
    .option(
      '--prune-protected',
      'also delete Namespaces and PersistentVolumeClaims that revision did not have',
    )
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (revisionArg: string | undefined, flags: RollbackFlags) => {
      const format = parseOutputFormat(flags.output);
      let revision: number | undefined;
      if (revisionArg !== undefined) {
        revision = Number(revisionArg);
        if (!Number.isInteger(revision) || revision < 1) {
          throw new UsageError(`revision ${JSON.stringify(revisionArg)} is not a revision number`, {
            hint: 'see `stackanetes history`',
          });
        }
      }
      const timeoutMs = parseDuration(flags.timeout);
      const concurrency = parseConcurrency(flags.concurrency);
      const progress = createProgress(env.writer, { quiet: format !== 'table' });
      const { rollback } = await import('../../actions/rollback.js');
      let result;
      try {
        result = await rollback({
          ...accessOptions(flags),
          ...(flags.release ? { release: flags.release } : {}),
          ...(revision !== undefined ? { revision } : {}),
          dryRun: flags.dryRun ?? false,
          wait: flags.wait,
          timeoutMs,
          concurrency,
          force: flags.force ?? false,
          pruneProtected: flags.pruneProtected ?? false,
          progress: progress.sink,
        });
      } finally {
        await progress.flush();
      }
      if (format === 'table') {
        printRows(env.writer, result.rows);
        const where = `release ${result.release} in namespace ${result.namespace}`;
        if (result.outcome === 'deployed')
          env.writer.out(`${where}: rolled back to revision ${result.from} as revision ${result.revision}`);
        else if (result.outcome === 'unchanged')
          env.writer.out(`${where}: already at the state of revision ${result.from}`);
        else if (result.outcome === 'dry-run') env.writer.out(`${where}: dry run, nothing changed`);
      } else {
        env.writer.out(formatData(result, format));
      }
      if (result.failure) {
        const options = result.failure.hint ? { hint: result.failure.hint } : {};
        const suffix = result.revision ? ` (revision ${result.revision} marked failed)` : '';
        throw result.failure.notReady.length > 0
          ? new NotReadyError(`${result.failure.message}${suffix}`, options)
          : new ClusterError(`${result.failure.message}${suffix}`, options);
      }
    });
}
