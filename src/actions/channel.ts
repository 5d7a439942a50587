/**
 * `stackanetes channel PKG [--name CH] [--add V | --remove V | --delete]`: lists a package's
 * channels, shows one, or changes one, always answering with the channels as they are afterwards.
 */
import { NotFoundError, UsageError } from '../errors.js';
import type { ApprChannel } from '../registry/appr.js';
import type { RegistrySession } from '../registry/session.js';
import { ociListing } from '../resolve/oci-index.js';
import {
  checkChannelName,
  ociReferenceFor,
  parseOciReference,
  parseRegistryReference,
  type OciReference,
} from '../resolve/reference.js';
import type { ActionContext } from './context.js';

export interface ChannelOptions {
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

export async function channel(context: ActionContext, options: ChannelOptions): Promise<ChannelResult> {
  const ref = options.package.startsWith('oci://')
    ? parseOciReference(options.package)
    : parseRegistryReference(options.package);
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
  const session = await context.registry();
  const url = ref.kind === 'oci' ? '' : session.registryUrl(ref.registry ?? options.registry);
  if (ref.kind === 'oci' || url.startsWith('oci://')) {
    const oci = ref.kind === 'oci' ? ref : ociReferenceFor(url, ref);
    return ociChannel(session, oci, options);
  }
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

/** The same verbs on an OCI registry, where a channel is a tag (see registry/oci-channels). */
async function ociChannel(
  session: RegistrySession,
  ref: OciReference,
  options: ChannelOptions,
): Promise<ChannelResult> {
  const { addToOciChannel, removeFromOciChannel } = await import('../registry/oci-channels.js');
  const client = session.oci(ref.host);
  const channelName = options.name ?? '';
  let change: string | undefined;
  if (options.add !== undefined) {
    await addToOciChannel(client, ref.repository, channelName, options.add);
    change = `added ${options.add} to ${channelName}`;
  } else if (options.remove !== undefined) {
    await removeFromOciChannel(client, ref.repository, channelName, options.remove);
    change = `removed ${options.remove} from ${channelName}`;
  } else if (options.delete) {
    await client.deleteChannel(ref.repository, channelName);
    change = `deleted channel ${channelName}`;
  }
  const listing = await ociListing(client, ref.repository);
  let channels: ApprChannel[] = listing.channels.map((c) => ({
    name: c.name,
    current: c.current,
    releases: c.releases,
  }));
  if (options.name && !options.delete && change === undefined) {
    channels = channels.filter((c) => c.name === channelName);
    if (channels.length === 0)
      throw new NotFoundError(`${ref.name} has no channel ${JSON.stringify(channelName)} at ${ref.host}`);
  }
  const result: ChannelResult = {
    package: ref.name,
    registry: `oci://${ref.host}${ref.prefix ? `/${ref.prefix}` : ''}`,
    channels,
  };
  if (change) result.change = change;
  return result;
}
