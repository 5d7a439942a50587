/** `stackanetes channel PKG [--name CH] [--add V | --remove V | --delete]`: kpm's `name releases current` table. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

interface ChannelFlags extends OutputFlags {
  name?: string;
  add?: string;
  remove?: string;
  delete?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('channel')
    .description("list a package's channels, or add/remove a release, or delete a channel")
    .argument('<package>', '[registry/]namespace/name, or oci://host/path/namespace/name')
    .option('--name <channel>', 'the channel to show or change')
    .option('--add <release>', 'add the release to the channel (creates it) and make it current')
    .option('--remove <release>', 'remove the release from the channel')
    .option('--delete', 'delete the channel');
  registryVerb<ChannelFlags, [string]>(
    command,
    env,
    {},
    async ({ flags, format, registry, context }, pkg) => {
      const { channel } = await import('../../actions/channel.js');
      const result = await channel(context, {
        package: pkg,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.add !== undefined ? { add: flags.add } : {}),
        ...(flags.remove !== undefined ? { remove: flags.remove } : {}),
        ...(flags.delete ? { delete: true } : {}),
        ...registry,
      });
      if (result.change && format === 'table') env.writer.err(`${result.package}: ${result.change}`);
      return {
        data: result.channels,
        table: () =>
          formatTable(
            ['name', 'releases', 'current'],
            result.channels.map((c) => [c.name, c.releases, c.current]),
          ),
      };
    },
  );
}
