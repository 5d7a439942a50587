/** `stackanetes push [DIR]`: deterministic tarball up to the registry, then channels; prints the digest. */
import type { Command } from 'commander';
import type { CliEnv } from '../main.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from './registry-flags.js';

interface PushFlags extends OutputFlags {
  channel: string[];
  force?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('push')
    .description('push a package directory as a release (registry, or --registry oci://host/prefix)')
    .argument('[dir]', 'package directory', '.')
    .option(
      '--channel <name>',
      'add the release to this channel (repeatable)',
      (v: string, p: string[]) => [...p, v],
      [],
    )
    .option('-f, --force', 'replace an existing release of the same version');
  registryVerb<PushFlags, [string]>(command, env, {}, async ({ flags, registry, progress }, dir) => {
    const { push } = await import('../../actions/push.js');
    const result = await push({
      cwd: process.cwd(),
      env: process.env,
      dir,
      channels: flags.channel,
      force: flags.force === true,
      progress,
      ...registry,
    });
    return {
      data: result,
      table: () =>
        formatTable(
          ['package', 'release', 'digest', 'registry', 'channels'],
          [[result.package, result.version, result.digest, result.registry, result.channels]],
        ),
    };
  });
}
