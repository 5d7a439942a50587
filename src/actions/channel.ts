/**
 * `stackanetes channel PKG [--name CH] [--add V | --remove V | --delete]`: lists a package's
 * channels, shows one, or changes one, always answering with the channels as they are afterwards.
 */
import { UsageError } from '../errors.js';
import type { ApprChannel } from '../registry/appr.js';
import { openRegistrySession } from '../registry/session.js';
import { checkChannelName, parseRegistryReference } from '../resolve/reference.js';

export interface ChannelOptions {
  env: NodeJS.ProcessEnv;
  /** `[registry/]ns/name`. */
  package: string;
  registry?: string;
  name?: string;
  add?: string;
  remove?: string;
  delete?: boolean;
}

export interface ChannelResult {
  package: string;
  registry: string;
  /** What changed, for the command's message: `added 1.0.0 to stable`. */
  change?: string;
  channels: ApprChannel[];
}

export async function channel(options: ChannelOptions): Promise<ChannelResult> {
  const ref = parseRegistryReference(options.package);
  if (ref.version || ref.channel || ref.digest)
    throw new UsageError(
      `channel takes a package name without a version or channel, got ${JSON.stringify(options.package)}`,
    );
  const actions = [options.add !== undefined, options.remove !== undefined, options.delete === true].filter(
    Boolean,
  ).length;
  if (actions > 1) throw new UsageError('give only one of --add, --remove and --delete');
  if (actions === 1 && !options.name)
    throw new UsageError('--add, --remove and --delete need --name CHANNEL');
  if (options.name) checkChannelName(options.name);
  const session = await openRegistrySession({ env: options.env });
  const url = session.registryUrl(ref.registry ?? options.registry);
  const client = session.appr(url);
  const channelName = options.name ?? '';
  let change: string | undefined;
  if (options.add !== undefined) {
    await client.addToChannel(ref.name, channelName, options.add);
    change = `added ${options.add} to ${channelName}`;
  } else if (options.remove !== undefined) {
    await client.removeFromChannel(ref.name, channelName, options.remove);
    change = `removed ${options.remove} from ${channelName}`;
  } else if (options.delete) {
    await client.deleteChannel(ref.name, channelName);
    change = `deleted channel ${channelName}`;
  }
  let channels = await client.channels(ref.name);
  if (options.name && !options.delete && change === undefined) {
    channels = [await client.channel(ref.name, channelName)];
  }
  const result: ChannelResult = { package: ref.name, registry: url, channels };
  if (change) result.change = change;
  return result;
}
