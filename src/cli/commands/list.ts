/** `stackanetes list [--namespace NS] [--search Q]`: the packages of a registry. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('list')
    .description('list the packages of a registry')
    .option('--namespace <ns>', 'only this namespace')
    .option('--search <text>', 'only packages whose namespace/name contains this text');
  registryVerb<OutputFlags & { namespace?: string; search?: string }>(
    command,
    env,
    {},
    async ({ flags, registry, context }) => {
      const { list } = await import('../../actions/list.js');
      const result = await list(context, {
        ...(flags.namespace ? { namespace: flags.namespace } : {}),
        ...(flags.search ? { search: flags.search } : {}),
        ...registry,
      });
      return {
        data: result.packages,
        table: () =>
          result.registry.startsWith('oci://')
            ? formatTable(
                ['app', 'release', 'releases', 'channels'],
                result.packages.map((p) => [p.name, p.default, p.releases, p.channels ?? []]),
              )
            : formatTable(
                ['app', 'release', 'downloads', 'manifests'],
                result.packages.map((p) => [p.name, p.default, '-', 'stackanetes']),
              ),
      };
    },
  );
}
