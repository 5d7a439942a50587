/** `stackanetes status`: every object of the current revision with its live readiness. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext } from '../context.js';
import { formatData, formatTable, paint } from '../output.js';
import {
  addClusterFlags,
  addReleaseFlag,
  addTableOutput,
  clusterAccess,
  type ClusterFlagValues,
  type TableFormat,
} from '../flags.js';
import { count } from '../../text.js';

interface StatusFlags extends ClusterFlagValues {
  release?: string;
  output: TableFormat;
}

export function register(program: Command, env: CliEnv): void {
  addTableOutput(
    addReleaseFlag(
      addClusterFlags(
        program.command('status').description("show a release's objects and whether each is ready now"),
      ),
    ),
  ).action(async (flags: StatusFlags) => {
    const format = flags.output;
    const context = cliContext({ cluster: clusterAccess(flags) });
    const { status } = await import('../../actions/status.js');
    const result = await status(context, flags.release ? { release: flags.release } : {});
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
