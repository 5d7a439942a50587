/**
 * Pulled blobs, kept by digest under the config dir so a locked deploy works offline and repeated
 * renders do not download again. Entries are re-verified on every read: a damaged file is deleted
 * and reported as a miss, so the caller fetches it again instead of unpacking garbage.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryError } from '../errors.js';
import { apprDigest } from './digest.js';
import { sha256 } from '../util/hash.js';

/** The only digest shape that may name a cache file: a registry's answer must not pick a path. */
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export type DigestKind = 'appr' | 'oci';

export interface BlobCache {
  /** The verified blob, or undefined when absent or corrupted (then `onCorrupt` is called and the entry removed). */
  get(kind: DigestKind, digest: string): Promise<Buffer | undefined>;
  put(kind: DigestKind, digest: string, tarGz: Buffer): Promise<void>;
}

export function createBlobCache(dir: string, onCorrupt: (digest: string) => void = () => {}): BlobCache {
  const pathOf = (kind: DigestKind, digest: string): string =>
    join(dir, kind, `${digest.replace(/^sha256:/, 'sha256-')}.tar.gz`);
  return {
    async get(kind, digest) {
      if (!DIGEST.test(digest)) return undefined;
      const path = pathOf(kind, digest);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        return undefined;
      }
      let actual: string | undefined;
      try {
        actual = kind === 'appr' ? apprDigest(bytes, digest) : sha256(bytes);
      } catch {
        actual = undefined;
      }
      if (actual !== digest) {
        onCorrupt(digest);
        await rm(path, { force: true });
        return undefined;
      }
      return bytes;
    },
    async put(kind, digest, tarGz) {
      if (!DIGEST.test(digest))
        throw new RegistryError(
          `refusing to cache a blob under the malformed digest ${JSON.stringify(digest)}`,
        );
      const path = pathOf(kind, digest);
      // Private: a registry may need a token for reads, and its packages must not become
      // readable by other local users through the cache.
      await mkdir(join(dir, kind), { recursive: true, mode: 0o700 });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, tarGz, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
}
