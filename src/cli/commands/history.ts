/** `stackanetes history`: the revisions of a release, oldest first. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';
import { formatData, formatTable } from '../output.js';
import {
  addClusterFlags,
  addReleaseFlag,
  addTableOutput,
  clusterAccess,
  type ClusterFlagValues,
  type TableFormat,
} from '../flags.js';

interface HistoryFlags extends ClusterFlagValues {
  release?: string;
  output: TableFormat;
}

export function register(program: Command, env: CliEnv): void {
  addTableOutput(
    addReleaseFlag(
      addClusterFlags(program.command('history').description('list the revisions of a release')),
    ),
  ).action(async (flags: HistoryFlags) => {
    const format = flags.output;
    const context = cliContext({ cluster: clusterAccess(flags) });
    const { history } = await import('../../actions/history.js');
    const result = await history(context, flags.release ? { release: flags.release } : {});
    if (format !== 'table') return env.writer.out(formatData(result, format));
    // DEPLOYED is when the revision was made; its status may have changed later (superseded).
    env.writer.out(
      formatTable(
        ['revision', 'deployed', 'status', 'package', 'description'],
        result.revisions.map((r) => [
          r.revision,
          r.createdAt,
          r.status,
          `${r.root.name}@${r.root.version}`,
          `${r.description}: ${r.changes}${r.failure ? `; failed: ${r.failure}` : ''}`,
        ]),
      ),
    );
  });
}
