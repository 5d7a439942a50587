/**
 * Channel moves on an OCI registry, with kpm's channel rules: adding a release makes it the
 * channel's current one; removing the current release falls back to the highest remaining one;
 * removing the last release deletes the channel tag (the releases themselves stay).
 */
import semver from 'semver';
import { NotFoundError } from '../errors.js';
import { isSemverTag, type OciChannel, type OciClient } from './oci.js';

/** Adds `version` (which must be a release tag) to `channel` and makes it current. */
export async function addToOciChannel(
  client: OciClient,
  repository: string,
  channel: string,
  version: string,
): Promise<OciChannel> {
  if (!isSemverTag(version) || !(await client.resolveTag(repository, version))) {
    throw new NotFoundError(
      `${repository}:${version} is not a release at OCI registry ${client.host}; nothing was moved`,
      { hint: 'push it first, or pick a released version (stackanetes show lists them)' },
    );
  }
  const existing = await client.channel(repository, channel);
  const releases = [...new Set([...(existing?.releases ?? []), version])];
  return client.setChannel(repository, channel, releases, version);
}

/** Removes `version` from `channel`; returns the channel afterwards, or undefined when it is gone. */
export async function removeFromOciChannel(
  client: OciClient,
  repository: string,
  channel: string,
  version: string,
): Promise<OciChannel | undefined> {
  const existing = await client.channel(repository, channel);
  if (!existing?.releases.includes(version)) {
    throw new NotFoundError(
      `${version} is not in channel ${channel} of ${repository} (its releases: ${existing?.releases.join(', ') || 'none'})`,
    );
  }
  const releases = existing.releases.filter((r) => r !== version);
  if (releases.length === 0) {
    await client.deleteChannel(repository, channel);
    return undefined;
  }
  const current =
    existing.current === version ? (semver.rsort([...releases])[0] as string) : existing.current;
  return client.setChannel(repository, channel, releases, current);
}
