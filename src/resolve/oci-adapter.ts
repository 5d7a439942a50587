/**
 * An OCI repository as the resolver's index: version tags are the releases (see oci-index.ts),
 * and every pulled blob is kept in the cache by its appr digest.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import { loadPackageTarball } from '../package/load.js';
import type { LoadedPackage } from '../package/types.js';
import { apprDigest } from '../registry/digest.js';
import type { LockedPackage } from './lockfile.js';
import type { AdapterDeps, IndexAdapter, LoadedRelease } from './index-adapter.js';
import { ociListing } from './oci-index.js';
import { channelRecord } from './origin.js';
import { ociRepository, type OciReference } from './reference.js';

export interface OciAdapter extends IndexAdapter {
  /** Pulls `oci://host/repo@sha256:…` (a root given by manifest digest). */
  loadDigest(
    ref: OciReference & { digest: string },
  ): Promise<LoadedRelease & { digest: string; oci: string }>;
}

export function ociAdapter(
  origin: { host: string; prefix: string },
  { session, lock }: AdapterDeps,
): OciAdapter {
  const { host } = origin;

  /**
   * Under --locked the locked manifest digest is pulled (not the tag, which may have moved), and
   * a cached blob is used without any network, so locked OCI renders work offline too.
   */
  async function pull(repository: string, reference: string, locked: LockedPackage | undefined) {
    const s = await session();
    const lockedRef = lock.locked && locked?.oci?.includes('@') ? locked.oci : undefined;
    if (lockedRef && locked?.digest) {
      const cached = await s.cache.get('appr', locked.digest);
      if (cached) return { tarGz: cached, digest: locked.digest, ociRef: lockedRef };
    }
    const pulled = await s
      .oci(host)
      .pullPackage(repository, lockedRef ? (lockedRef.split('@')[1] as string) : reference);
    const digest = apprDigest(pulled.tarGz, `oci://${host}/${repository}:${reference}`);
    await s.cache.put('appr', digest, pulled.tarGz);
    return { tarGz: pulled.tarGz, digest, ociRef: `oci://${host}/${repository}@${pulled.manifestDigest}` };
  }

  return {
    async listing(need) {
      const repository = ociRepository(origin, need.name);
      const listing = await ociListing((await session()).oci(host), repository);
      if (listing.releases.length === 0) {
        throw new NotFoundError(
          `package ${need.name} not found at OCI registry ${host} (no version tags in ${repository}; required by ${need.requiredBy})`,
          {
            hint: `push it: stackanetes push DIR --registry oci://${host}${origin.prefix ? `/${origin.prefix}` : ''}`,
          },
        );
      }
      return {
        name: need.name,
        releases: listing.releases.map((version) => ({ version })),
        channels: channelRecord(listing.channels),
      };
    },
    async load(name, version, expected) {
      const repository = ociRepository(origin, name);
      const where = `oci://${host}/${repository}:${version}`;
      const pulled = await pull(repository, version, lock.entry(name));
      if (expected && expected !== pulled.digest) {
        throw new ConflictError(
          `${where} has digest ${pulled.digest}, but ${lock.path} records ${expected}`,
          {
            hint: 'the tag was overwritten: run `stackanetes update` to accept the new content',
          },
        );
      }
      const pkg = loadPackageTarball(pulled.tarGz, where, 'oci');
      checkServed(pkg, name, version, where);
      pkg.digest = pulled.digest;
      return { pkg, digest: pulled.digest, oci: pulled.ociRef };
    },
    async channels(name) {
      return channelRecord(
        (await ociListing((await session()).oci(host), ociRepository(origin, name))).channels,
      );
    },
    async loadDigest(ref) {
      const lockedRoot = lock.ociEntry(ref.host, ref.repository);
      if (lock.locked && lockedRoot?.oci && !lockedRoot.oci.endsWith(`@${ref.digest}`)) {
        throw new ConflictError(`--locked: ${lock.path} pins ${lockedRoot.oci}, not ${ref.raw}`, {
          hint: 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked',
        });
      }
      const pulled = await pull(ref.repository, ref.digest, lockedRoot);
      const pkg = loadPackageTarball(pulled.tarGz, ref.raw, 'oci');
      checkServed(pkg, ref.name, undefined, ref.raw);
      pkg.digest = pulled.digest;
      const { name } = pkg.manifest.package;
      const locked = lock.entry(name);
      if (lock.locked && locked?.digest && locked.digest !== pulled.digest) {
        throw new ConflictError(
          `--locked: ${ref.raw} has digest ${pulled.digest}, but ${lock.path} records ${locked.digest} for ${name}@${locked.version}`,
          { hint: 'run `stackanetes update` to accept the new content, or drop --locked' },
        );
      }
      return { pkg, digest: pulled.digest, oci: pulled.ociRef };
    },
  };
}

/** Refuses a package whose manifest names another package or release than the one asked for. */
function checkServed(pkg: LoadedPackage, name: string, version: string | undefined, where: string): void {
  const meta = pkg.manifest.package;
  if (meta.name !== name || (version !== undefined && meta.version !== version)) {
    throw new ConflictError(
      `${where} holds ${meta.name}@${meta.version}, not ${name}${version ? `@${version}` : ''}; refusing to use it`,
      {
        hint: 'push packages with `stackanetes push DIR --registry oci://host/path`, which names the repository after the package',
      },
    );
  }
}
