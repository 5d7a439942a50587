/**
 * Resolves and fetches one release without its dependencies, for the commands that look at a
 * single package (pull, show, delete-package): same reference forms, same resolution rules and
 * digest checks as rendering, but no graph walk and no lockfile.
 */
import { ConflictError, NotFoundError, RegistryError } from '../errors.js';
import type { LoadedPackage } from '../package/types.js';
import { MEDIA_TYPE, type ApprChannel, type ApprClient, type ApprManifest } from '../registry/appr.js';
import { apprDigest } from '../registry/digest.js';
import type { RegistrySession } from '../registry/session.js';
import { ociListing } from './oci-index.js';
import {
  ociReferenceFor,
  parseOciReference,
  parseRegistryReference,
  type OciReference,
  type RegistryReference,
} from './reference.js';
import { resolveGraph, type Requirement } from './resolve.js';

export interface FetchedRelease {
  name: string;
  version: string;
  digest: string;
  /** Registry base URL, or `oci://host/repository`. */
  registry: string;
  tarGz: Buffer;
  pkg: LoadedPackage;
  /** Every release of the package (appr only), highest first. */
  manifests: ApprManifest[];
  channels: ApprChannel[];
}

/** Picks the release a registry reference names, from the package's manifests and channels. */
export async function resolveRelease(
  client: ApprClient,
  ref: RegistryReference,
  options: { inChannel?: string } = {},
): Promise<{ version: string; digest: string; manifests: ApprManifest[]; channels: ApprChannel[] }> {
  // Both at once, but the package's own error first when both fail (a missing package fails
  // both), so the message does not depend on which answer came back first.
  const [listed, channelList] = await Promise.allSettled([
    client.packageManifests(ref.name),
    client.channels(ref.name),
  ]);
  if (listed.status === 'rejected') throw listed.reason;
  if (channelList.status === 'rejected') throw channelList.reason;
  const all = listed.value;
  const channels = channelList.value;
  const manifests = all.filter((m) => m.mediaType === MEDIA_TYPE);
  if (manifests.length === 0)
    throw new NotFoundError(`${ref.name} at registry ${client.host} has no ${MEDIA_TYPE} releases`);
  const req: Requirement = { name: ref.name, requiredBy: 'the command line' };
  if (ref.version) req.version = ref.version;
  if (ref.channel) req.channel = ref.channel;
  if (ref.digest) req.digest = ref.digest;
  const index = new Map([
    [
      ref.name,
      {
        name: ref.name,
        releases: manifests.map((m) => ({ version: m.release, digest: m.digest, dependencies: [] })),
        channels: Object.fromEntries(
          channels.map((c) => [c.name, { current: c.current, releases: c.releases }]),
        ),
      },
    ],
  ]);
  const result = resolveGraph([req], index);
  const chosen = result.complete ? result.packages.get(ref.name) : undefined;
  if (!chosen?.digest) throw new Error(`resolution of ${ref.name} is incomplete`);
  if (options.inChannel) {
    const channel = channels.find((c) => c.name === options.inChannel);
    if (!channel)
      throw new NotFoundError(
        `${ref.name} has no channel ${JSON.stringify(options.inChannel)}; channels: ${channels.map((c) => c.name).join(', ') || 'none'}`,
      );
    if (!channel.releases.includes(chosen.version)) {
      throw new ConflictError(
        `${ref.name}@${chosen.version} is not in channel ${options.inChannel} (its releases: ${channel.releases.join(', ') || 'none'})`,
        {
          hint: `choose one of those, or add it: stackanetes channel ${ref.name} --name ${options.inChannel} --add ${chosen.version}`,
        },
      );
    }
  }
  return { version: chosen.version, digest: chosen.digest, manifests, channels };
}

/** Resolves a registry or OCI reference to one release and downloads it, digest-verified. */
export async function fetchRelease(
  session: RegistrySession,
  given: RegistryReference | OciReference,
  options: { registry?: string; inChannel?: string; releaseDigests?: boolean } = {},
): Promise<FetchedRelease> {
  let reference = given;
  if (reference.kind === 'registry' && !reference.registry) {
    const fallback = session.optionalRegistryUrl(options.registry);
    if (fallback?.startsWith('oci://')) reference = ociReferenceFor(fallback, reference);
  }
  if (reference.kind === 'oci') return fetchOciRelease(session, reference, options);
  const url = session.registryUrl(reference.registry ?? options.registry);
  const client = session.appr(url);
  const chosen = await resolveRelease(
    client,
    reference,
    options.inChannel ? { inChannel: options.inChannel } : {},
  );
  const { pkg, tarGz } = await session.fetchRelease(client, reference.name, chosen.version, chosen.digest);
  return {
    name: reference.name,
    version: chosen.version,
    digest: chosen.digest,
    registry: url,
    tarGz,
    pkg,
    manifests: chosen.manifests,
    channels: chosen.channels,
  };
}

/** Parses a REF argument of pull/show/delete-package: a registry or OCI reference, never a local path. */
export function parseRemoteReference(raw: string): RegistryReference | OciReference {
  return raw.startsWith('oci://') ? parseOciReference(raw) : parseRegistryReference(raw);
}

/**
 * Resolves an OCI reference over the repository's tags (a version or range picks among the
 * version tags, a channel follows its tag, a digest is taken as is), then pulls it, verified.
 */
async function fetchOciRelease(
  session: RegistrySession,
  reference: OciReference,
  options: { inChannel?: string; releaseDigests?: boolean },
): Promise<FetchedRelease> {
  const client = session.oci(reference.host);
  const listing = await ociListing(client, reference.repository);
  const where = `oci://${reference.host}/${reference.repository}`;
  let pullBy: string;
  if (reference.digest) pullBy = reference.digest;
  else {
    if (listing.releases.length === 0)
      throw new NotFoundError(
        `${reference.name} at OCI registry ${reference.host} has no release tags in ${reference.repository}`,
        {
          hint: `push one: stackanetes push DIR --registry oci://${reference.host}${reference.prefix ? `/${reference.prefix}` : ''}`,
        },
      );
    const req: Requirement = { name: reference.name, requiredBy: 'the command line' };
    if (reference.version) req.version = reference.version;
    if (reference.channel) req.channel = reference.channel;
    const index = new Map([
      [
        reference.name,
        {
          name: reference.name,
          releases: listing.releases.map((version) => ({ version, dependencies: [] })),
          channels: Object.fromEntries(
            listing.channels.map((c) => [c.name, { current: c.current, releases: c.releases }]),
          ),
        },
      ],
    ]);
    const result = resolveGraph([req], index);
    const chosen = result.complete ? result.packages.get(reference.name) : undefined;
    if (!chosen) throw new Error(`resolution of ${reference.name} is incomplete`);
    pullBy = chosen.version;
  }
  const pulled = await client.pullPackage(reference.repository, pullBy);
  const digest = apprDigest(pulled.tarGz, reference.raw);
  const { loadPackageTarball } = await import('../package/load.js');
  const pkg = loadPackageTarball(pulled.tarGz, reference.raw, 'oci');
  const meta = pkg.manifest.package;
  if (meta.name !== reference.name || (!reference.digest && meta.version !== pullBy)) {
    throw new RegistryError(
      `${where}:${pullBy} holds ${meta.name}@${meta.version}, not ${reference.name}@${pullBy}; refusing to use it`,
    );
  }
  pkg.digest = digest;
  if (options.inChannel) {
    const channel = listing.channels.find((c) => c.name === options.inChannel);
    if (!channel)
      throw new NotFoundError(
        `${reference.name} has no channel ${JSON.stringify(options.inChannel)}; channels: ${listing.channels.map((c) => c.name).join(', ') || 'none'}`,
      );
    if (!channel.releases.includes(meta.version))
      throw new ConflictError(
        `${reference.name}@${meta.version} is not in channel ${options.inChannel} (its releases: ${channel.releases.join(', ')})`,
        { hint: `add it: stackanetes channel ${where} --name ${options.inChannel} --add ${meta.version}` },
      );
  }
  // Each release's manifest digest costs a HEAD, so only `show` (which lists them) asks for them.
  const releases = await Promise.all(
    (options.releaseDigests ? listing.releases : []).map(async (version) => ({
      version,
      digest: (await client.resolveTag(reference.repository, version)) ?? '',
    })),
  );
  return {
    name: meta.name,
    version: meta.version,
    digest,
    registry: `oci://${reference.host}${reference.prefix ? `/${reference.prefix}` : ''}`,
    tarGz: pulled.tarGz,
    pkg,
    manifests: releases.map((r) => ({
      package: meta.name,
      release: r.version,
      digest: r.digest,
      mediaType: MEDIA_TYPE,
    })) as ApprManifest[],
    channels: listing.channels.map((c) => ({
      name: c.name,
      current: c.current,
      releases: c.releases,
    })) as ApprChannel[],
  };
}
