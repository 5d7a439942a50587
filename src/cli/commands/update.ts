/** `stackanetes update [REF…]`: re-resolve against the registry and rewrite stackanetes.lock. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

interface UpdateFlags extends OutputFlags {
  variables: string[];
  lockfile?: string;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('update')
    .description(
      're-resolve package references (default: those in the lockfile) and rewrite stackanetes.lock',
    )
    .argument('[refs...]', 'package references or directories (default: the roots recorded in the lockfile)')
    .option(
      '--variables <file>',
      'parameters file; the lockfile lives beside the first one (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option(
      '--lockfile <file>',
      'lockfile path (default: stackanetes.lock beside the first --variables file, else in the current directory)',
    );
  registryVerb<UpdateFlags, [string[]]>(
    command,
    env,
    {},
    async ({ flags, registry, context }, references) => {
      const { update } = await import('../../actions/update.js');
      const result = await update(context, {
        references,
        variableFiles: flags.variables,
        ...(flags.lockfile ? { lockfile: flags.lockfile } : {}),
        ...registry,
      });
      return {
        data: result,
        table: () =>
          [
            formatTable(
              ['package', 'previous', 'release', 'digest'],
              result.packages.map((p) => [p.name, p.previous, p.version, p.digest]),
            ),
            result.written ? `wrote ${result.lockfile}` : `${result.lockfile} is up to date`,
          ].join('\n'),
      };
    },
  );
}
