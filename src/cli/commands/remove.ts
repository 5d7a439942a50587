/** `stackanetes remove REF`: delete a release's objects in reverse order; protected kinds are kept. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';
import { formatData } from '../output.js';
import { withProgress } from '../progress.js';
import { printRows } from '../print.js';
import {
  addClusterFlags,
  addConcurrencyFlag,
  addRenderFlags,
  addTableOutput,
  clusterAccess,
  parseConcurrency,
  renderInputs,
  type ClusterFlagValues,
  type RenderFlagValues,
  type TableFormat,
} from '../flags.js';

interface RemoveFlags extends ClusterFlagValues, RenderFlagValues {
  pruneProtected?: boolean;
  concurrency: string;
  output: TableFormat;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('remove')
    .description(
      'delete what a release deployed, in reverse order; Namespaces, PVCs and CRDs are kept (protected)',
    )
    .argument('<ref>', 'the package reference it was deployed from');
  addRenderFlags(addClusterFlags(command)).option(
    '--prune-protected',
    'also delete Namespaces, PersistentVolumeClaims and CRDs (their data is lost)',
  );
  addTableOutput(addConcurrencyFlag(command, 'deletes sent at the same time')).action(
    async (ref: string, flags: RemoveFlags) => {
      const format = flags.output;
      const concurrency = parseConcurrency(flags.concurrency);
      const result = await withProgress(env.writer, { quiet: format !== 'table' }, async (progress) => {
        const { remove } = await import('../../actions/remove.js');
        return remove(cliContext({ progress, cluster: clusterAccess(flags) }), {
          ...renderInputs(ref, flags),
          pruneProtected: flags.pruneProtected ?? false,
          concurrency,
        });
      });
      if (format !== 'table') return env.writer.out(formatData(result, format));
      printRows(env.writer, result.rows);
      env.writer.out(
        `release ${result.release} removed from namespace ${result.namespace} (${result.revisions.length} revision record${result.revisions.length === 1 ? '' : 's'} deleted)`,
      );
    },
  );
}
