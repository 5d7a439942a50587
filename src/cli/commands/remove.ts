/** `stackanetes remove REF`: delete a release's objects in reverse order; protected kinds are kept. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatData, parseOutputFormat } from '../output.js';
import { withProgress } from '../progress.js';
import {
  accessOptions,
  addClusterFlags,
  addRenderFlags,
  parseConcurrency,
  printRows,
  renderOptions,
  type ClusterFlagValues,
  type RenderFlagValues,
} from './deploy.js';

interface RemoveFlags extends ClusterFlagValues, RenderFlagValues {
  pruneProtected?: boolean;
  concurrency: string;
  output: string;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('remove')
    .description(
      'delete what a release deployed, in reverse order; Namespaces, PVCs and CRDs are kept (protected)',
    )
    .argument('<ref>', 'the package reference it was deployed from');
  addRenderFlags(addClusterFlags(command))
    .option(
      '--prune-protected',
      'also delete Namespaces, PersistentVolumeClaims and CRDs (their data is lost)',
    )
    .option('--concurrency <n>', 'deletes sent at the same time', '16')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (ref: string, flags: RemoveFlags) => {
      const format = parseOutputFormat(flags.output);
      const concurrency = parseConcurrency(flags.concurrency);
      const result = await withProgress(env.writer, { quiet: format !== 'table' }, async (progress) => {
        const { remove } = await import('../../actions/remove.js');
        return remove({
          ...accessOptions(flags),
          ...renderOptions(ref, flags),
          pruneProtected: flags.pruneProtected ?? false,
          concurrency,
          progress,
        });
      });
      if (format !== 'table') return env.writer.out(formatData(result, format));
      printRows(env.writer, result.rows);
      env.writer.out(
        `release ${result.release} removed from namespace ${result.namespace} (${result.revisions.length} revision record${result.revisions.length === 1 ? '' : 's'} deleted)`,
      );
    });
}
