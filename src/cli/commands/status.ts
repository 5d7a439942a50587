/** `stackanetes status`: every object of the current revision with its live readiness. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatData, formatTable, paint, parseOutputFormat } from '../output.js';
import { accessOptions, addClusterFlags, type ClusterFlagValues } from './deploy.js';
import { count } from '../../text.js';

interface StatusFlags extends ClusterFlagValues {
  release?: string;
  output: string;
}

export function register(program: Command, env: CliEnv): void {
  addClusterFlags(
    program.command('status').description("show a release's objects and whether each is ready now"),
  )
    .option('--release <name>', 'release name (default: the only release in the namespace)')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (flags: StatusFlags) => {
      const format = parseOutputFormat(flags.output);
      const { status } = await import('../../actions/status.js');
      const result = await status({
        ...accessOptions(flags),
        ...(flags.release ? { release: flags.release } : {}),
      });
      if (format !== 'table') return env.writer.out(formatData(result, format));
      const w = env.writer;
      w.out(
        `release ${result.release} in namespace ${result.namespace}: revision ${result.revision} ${result.revisionStatus}, deployed at ${result.deployedAt}`,
      );
      w.out(
        formatTable(
          ['package', 'version', 'kind', 'name', 'namespace', 'status', 'reason'],
          result.objects.map((o) => [
            o.package,
            o.version,
            o.kind,
            o.name,
            o.namespace,
            o.status,
            o.reason || '',
          ]),
        )
          .split('\n')
          .map((line, i) =>
            i > 0 && result.objects[i - 1]?.status !== 'ready' ? paint(w, 'yellow', line) : line,
          )
          .join('\n'),
      );
      w.out(`${result.ready} of ${count(result.total, 'object')} ready`);
    });
}
