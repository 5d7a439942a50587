/**
 * `stackanetes push [DIR...]`: deterministic tarballs up to the registry in dependency order, then
 * channels; one summary table with each package's digest and whether it was pushed, replaced or
 * already there unchanged.
 */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

interface PushFlags extends OutputFlags {
  channel: string[];
  force?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('push')
    .description(
      'push package directories as releases, dependencies first (registry, or --registry oci://host/prefix)',
    )
    .argument('[dirs...]', 'package directories (default: the current directory)')
    .option(
      '--channel <name>',
      'add the releases to this channel (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('-f, --force', 'replace an existing release of the same version with other content');
  registryVerb<PushFlags, [string[]]>(command, env, {}, async ({ flags, registry, context }, dirs) => {
    const { pushMany } = await import('../../actions/push.js');
    const results = await pushMany(context, {
      dirs: dirs.length > 0 ? dirs : ['.'],
      channels: flags.channel,
      force: flags.force === true,
      ...registry,
    });
    return {
      // One directory keeps its single-object JSON, as scripts already read it.
      data: results.length === 1 ? results[0] : results,
      table: () =>
        formatTable(
          ['package', 'release', 'digest', 'status', 'registry', 'channels'],
          results.map((r) => [r.package, r.version, r.digest, r.status, r.registry, r.channels]),
        ),
    };
  });
}
