/** `stackanetes deploy REF`: flags to options, the action's rows to kpm's result table. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { cliContext, withInterrupt } from '../context.js';
import { progressOptions, withProgress } from '../progress.js';
import { printApplied, throwIfFailed } from '../print.js';
import {
  addApplyFlags,
  addClusterFlags,
  addQuietFlag,
  addRenderFlags,
  addScopeFlags,
  applyOptions,
  clusterAccess,
  renderInputs,
  scopeOptions,
  type ApplyFlagValues,
  type ClusterFlagValues,
  type RenderFlagValues,
  type ScopeFlagValues,
} from '../flags.js';

interface DeployFlags extends ClusterFlagValues, RenderFlagValues, ApplyFlagValues, ScopeFlagValues {
  quiet?: boolean;
  adopt?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('deploy')
    .description(
      'deploy a package (and its dependencies) to a namespace with server-side apply, and record a release revision',
    )
    .argument(
      '<ref>',
      'package directory, .tar.gz, registry reference (ns/name[@version|:channel]) or rendered manifest file (.yaml)',
    );
  addApplyFlags(addQuietFlag(addScopeFlags(addRenderFlags(addClusterFlags(command)))), {
    timeout: 'how long the whole deploy may take to be ready',
    force: 'delete and recreate objects whose immutable fields changed (Jobs are replaced without it)',
    pruneProtected:
      'also delete Namespaces, PersistentVolumeClaims and CustomResourceDefinitions the release no longer renders',
  })
    .option('--adopt', 'take over existing objects the package renders that no release owns')
    .action(async (ref: string, flags: DeployFlags) => {
      const format = flags.output;
      const apply = applyOptions(flags);
      const result = await withInterrupt((signal) =>
        withProgress(env.writer, progressOptions(format, flags), async (progress) => {
          const { deploy } = await import('../../actions/deploy.js');
          return deploy(cliContext({ progress, signal, cluster: clusterAccess(flags) }), {
            ...renderInputs(ref, flags),
            ...apply,
            ...scopeOptions(flags),
            ...(flags.adopt ? { adopt: true } : {}),
          });
        }),
      );
      printApplied(env.writer, format, result, {
        deployed: `revision ${result.revision} deployed`,
        unchanged: 'unchanged, no revision written',
      });
      if (format === 'table' && env.debug)
        env.writer.err(
          `requests: ${result.requests.total} (${result.requests.writes} writes, ${result.requests.retries} retries)`,
        );
      throwIfFailed(result);
    });
}
