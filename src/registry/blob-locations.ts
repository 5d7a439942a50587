/**
 * Where blobs were last seen on each OCI registry host, so a push can ask the registry to mount a
 * blob from a repository that holds it (promoting a release from `team/dev` to `team/prod`, or
 * publishing what was pulled) instead of sending its bytes again. Kept beside the blob cache;
 * it is only a hint: a stale entry costs one refused mount, after which the bytes are uploaded.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../config/config.js';

export interface BlobLocations {
  get(digest: string): Promise<string | undefined>;
  set(digest: string, repository: string): Promise<void>;
}

/** Entries kept per host; the oldest go first. */
const MAX_PER_HOST = 2000;

export function memoryBlobLocations(): BlobLocations {
  const known = new Map<string, string>();
  return {
    get: async (digest) => known.get(digest),
    set: async (digest, repository) => void known.set(digest, repository),
  };
}

type LocationsFile = Record<string, Record<string, string>>;

async function readLocations(path: string): Promise<LocationsFile> {
  try {
    const doc = JSON.parse(await readFile(path, 'utf8')) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as LocationsFile) : {};
  } catch {
    // Missing or damaged: it is a hint, so start over rather than fail a push.
    return {};
  }
}

/** Locations for `host`, read from and written to `path` (mode 0600, atomically). */
export function fileBlobLocations(path: string, host: string): BlobLocations {
  let loaded: Promise<Record<string, string>> | undefined;
  const load = (): Promise<Record<string, string>> => {
    loaded ??= readLocations(path).then((doc) => ({ ...(doc[host] ?? {}) }));
    return loaded;
  };
  return {
    async get(digest) {
      const forHost = await load();
      return Object.hasOwn(forHost, digest) ? forHost[digest] : undefined;
    },
    async set(digest, repository) {
      const forHost = await load();
      if (forHost[digest] === repository) return;
      delete forHost[digest];
      forHost[digest] = repository;
      const doc = await readLocations(path);
      const merged = { ...(doc[host] ?? {}), ...forHost };
      const keys = Object.keys(merged);
      for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PER_HOST))) delete merged[old];
      doc[host] = merged;
      try {
        await writeFileAtomic(path, `${JSON.stringify(doc)}\n`, 0o600);
      } catch {
        // Not writable (read-only home): mounts just will not be offered next time.
      }
    },
  };
}
