/** `stackanetes rollback [REVISION]`: re-apply an earlier revision as a new one. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { cliContext, withInterrupt } from '../context.js';
import { progressOptions, withProgress } from '../progress.js';
import { printApplied, throwIfFailed } from '../print.js';
import {
  addApplyFlags,
  addClusterFlags,
  addQuietFlag,
  addReleaseFlag,
  applyOptions,
  clusterAccess,
  type ApplyFlagValues,
  type ClusterFlagValues,
} from '../flags.js';

interface RollbackFlags extends ClusterFlagValues, ApplyFlagValues {
  release?: string;
  quiet?: boolean;
}

/** The REVISION argument: a positive whole number, or none (the revision before the current). */
function revisionNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const revision = Number(value);
  if (!Number.isInteger(revision) || revision < 1) {
    throw new UsageError(`revision ${JSON.stringify(value)} is not a revision number`, {
      hint: 'see `stackanetes history`',
    });
  }
  return revision;
}

export function register(program: Command, env: CliEnv): void {
  const command = addReleaseFlag(
    addClusterFlags(
      program
        .command('rollback')
        .description(
          're-apply an earlier revision of a release as a new revision (default: the one before the current)',
        )
        .argument('[revision]', 'revision number (see `stackanetes history`)'),
    ),
  );
  addApplyFlags(addQuietFlag(command), {
    timeout: 'how long the rollback may take to be ready',
    force: 'delete and recreate objects whose immutable fields changed',
    pruneProtected:
      'also delete Namespaces, PersistentVolumeClaims and CustomResourceDefinitions that revision did not have',
  }).action(async (revisionArg: string | undefined, flags: RollbackFlags) => {
    const format = flags.output;
    const revision = revisionNumber(revisionArg);
    const apply = applyOptions(flags);
    const result = await withInterrupt((signal) =>
      withProgress(env.writer, progressOptions(format, flags), async (progress) => {
        const { rollback } = await import('../../actions/rollback.js');
        return rollback(cliContext({ progress, signal, cluster: clusterAccess(flags) }), {
          ...(flags.release ? { release: flags.release } : {}),
          ...(revision !== undefined ? { revision } : {}),
          ...apply,
        });
      }),
    );
    printApplied(env.writer, format, result, {
      deployed: `rolled back to revision ${result.from} as revision ${result.revision}`,
      unchanged: `already at the state of revision ${result.from}`,
    });
    throwIfFailed(result);
  });
}
