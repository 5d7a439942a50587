/** `stackanetes rollback [REVISION]`: re-apply an earlier revision as a new one. */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { parseOutputFormat } from '../output.js';
import { addQuietFlag, progressOptions, withProgress } from '../progress.js';
import {
  accessOptions,
  addApplyFlags,
  addClusterFlags,
  applyOptions,
  withInterrupt,
  printApplied,
  throwIfFailed,
  type ApplyFlagValues,
  type ClusterFlagValues,
} from './deploy.js';

interface RollbackFlags extends ClusterFlagValues, ApplyFlagValues {
  release?: string;
  quiet?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = addClusterFlags(
    program
      .command('rollback')
      .description(
        're-apply an earlier revision of a release as a new revision (default: the one before the current)',
      )
      .argument('[revision]', 'revision number (see `stackanetes history`)'),
  ).option('--release <name>', 'release name (default: the only release in the namespace)');
  addApplyFlags(addQuietFlag(command), {
    timeout: 'how long the rollback may take to be ready',
    force: 'delete and recreate objects whose immutable fields changed',
    pruneProtected:
      'also delete Namespaces, PersistentVolumeClaims and CustomResourceDefinitions that revision did not have',
  }).action(async (revisionArg: string | undefined, flags: RollbackFlags) => {
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
    const apply = applyOptions(flags);
    const result = await withInterrupt((signal) =>
      withProgress(env.writer, progressOptions(format, flags), async (progress) => {
        const { rollback } = await import('../../actions/rollback.js');
        return rollback({
          ...accessOptions(flags),
          ...(flags.release ? { release: flags.release } : {}),
          ...(revision !== undefined ? { revision } : {}),
          ...apply,
          signal,
          progress,
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
