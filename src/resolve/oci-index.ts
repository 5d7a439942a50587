/**
 * What an OCI repository holds, read the way an App Registry's package listing reads: version
 * tags are the releases, every other tag (with a valid channel name) is a channel whose manifest
 * says its current release and the releases it has held.
 */
import type { OciChannel, OciClient } from '../registry/oci.js';
import { isSemverTag } from '../registry/oci.js';
import { CHANNEL_NAME } from './reference.js';

export interface OciListing {
  /** Release versions, as tagged. */
  releases: string[];
  channels: OciChannel[];
}

export async function ociListing(client: OciClient, repository: string): Promise<OciListing> {
  const tags = await client.tags(repository);
  const releases = tags.filter(isSemverTag);
  const channels = (
    await Promise.all(
      tags.filter((t) => !isSemverTag(t) && CHANNEL_NAME.test(t)).map((t) => client.channel(repository, t)),
    )
  ).filter((c): c is OciChannel => c !== undefined && releases.includes(c.current));
  return {
    releases,
    channels: channels.map((c) => ({ ...c, releases: c.releases.filter((r) => releases.includes(r)) })),
  };
}
