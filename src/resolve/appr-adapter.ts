/** An App Registry as the resolver's index: manifests list the releases, blobs are fetched by digest. */
import { ConflictError, NotFoundError } from '../errors.js';
import { MEDIA_TYPE } from '../registry/appr.js';
import type { AdapterDeps, IndexAdapter } from './index-adapter.js';
import { channelRecord } from './origin.js';

export function apprAdapter(url: string, { session, lock }: AdapterDeps): IndexAdapter {
  return {
    async listing(need) {
      const client = (await session()).appr(url);
      let manifests;
      try {
        manifests = await client.packageManifests(need.name);
      } catch (err) {
        if (err instanceof NotFoundError) {
          throw new NotFoundError(
            `package ${need.name} not found at registry ${client.host} (required by ${need.requiredBy})`,
            { hint: `push it (stackanetes push DIR --registry ${url}) or fix the dependency name` },
          );
        }
        throw err;
      }
      const releases = manifests
        .filter((m) => m.mediaType === MEDIA_TYPE)
        .map((m) => ({ version: m.release, digest: m.digest }));
      const channels = channelRecord(await client.channels(need.name));
      return { name: need.name, releases, channels };
    },
    async load(name, version, digest) {
      const s = await session();
      if (!digest)
        throw new ConflictError(`${name}@${version} has no digest in ${lock.path}`, {
          hint: 'run `stackanetes update`',
        });
      const { pkg } = await s.fetchRelease(s.appr(url), name, version, digest, { byDigest: lock.locked });
      return { pkg };
    },
    async channels(name) {
      return channelRecord(await (await session()).appr(url).channels(name));
    },
  };
}
