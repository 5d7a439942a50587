/** `stackanetes history`: the revisions of a release, oldest first. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatData, formatTable, parseOutputFormat } from '../output.js';
import { accessOptions, addClusterFlags, type ClusterFlagValues } from './deploy.js';

interface HistoryFlags extends ClusterFlagValues {
  release?: string;
  output: string;
}

export function register(program: Command, env: CliEnv): void {
  addClusterFlags(program.command('history').description('list the revisions of a release'))
    .option('--release <name>', 'release name (default: the only release in the namespace)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (flags: HistoryFlags) => {
      const format = parseOutputFormat(flags.output);
      const { history } = await import('../../actions/history.js');
      const result = await history({
        ...accessOptions(flags),
        ...(flags.release ? { release: flags.release } : {}),
      });
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
