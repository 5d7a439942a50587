/** `stackanetes delete-package REF`: delete one release. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('delete-package')
    .description('delete a release from the registry (and from its channels)')
    .argument('<ref>', '[registry/]namespace/name@version');
  registryVerb<OutputFlags, [string]>(command, env, {}, async ({ registry, context }, reference) => {
    const { deletePackage } = await import('../../actions/delete-package.js');
    const result = await deletePackage(context, { reference, ...registry });
    return {
      data: result,
      table: () =>
        formatTable(['app', 'release', 'status'], [[result.package, result.release, result.status]]),
    };
  });
}
