/** `stackanetes pull REF [--dir DIR]`: download one release, verify its digest, then write its files. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

interface PullFlags extends OutputFlags {
  dir?: string;
  inChannel?: string;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('pull')
    .description('download a release into a directory after checking its digest')
    .argument('<ref>', '[registry/]namespace/name[@version|@sha256:…|:channel] or oci://host/repo:version')
    .option('--dir <dir>', 'destination directory (default: ./<name>); must not exist or be empty')
    .option('--in-channel <channel>', 'refuse a release that is not in this channel');
  registryVerb<PullFlags, [string]>(
    command,
    env,
    { outputHint: 'the destination directory is --dir DIR' },
    async ({ flags, registry, context }, reference) => {
      const { pull } = await import('../../actions/pull.js');
      const result = await pull(context, {
        reference,
        ...(flags.dir ? { dir: flags.dir } : {}),
        ...(flags.inChannel ? { inChannel: flags.inChannel } : {}),
        ...registry,
      });
      return {
        data: result,
        table: () =>
          formatTable(
            ['package', 'release', 'digest', 'directory'],
            [[result.package, result.version, result.digest, result.directory]],
          ),
      };
    },
  );
}
