/**
 * Digests. The appr digest identifies a release by the sha256 of its *gunzipped* tar (so gzip
 * settings do not change identity); OCI addresses the .tar.gz bytes themselves. Both are computed
 * here, with a bound on the gunzipped size so a gzip bomb cannot exhaust memory.
 */
import { gunzipSync } from 'node:zlib';
import { RegistryError } from '../errors.js';
import { sha256 } from '../util/hash.js';

/** Upper bound on an unpacked package tar: far above any real package, far below memory trouble. */
export const MAX_TAR_BYTES = 64 * 1024 * 1024;

/** Gunzips a package blob, refusing anything that is not gzip or unpacks beyond MAX_TAR_BYTES. */
export function gunzipBlob(bytes: Buffer, what: string): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_TAR_BYTES });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `it unpacks to more than ${MAX_TAR_BYTES} bytes`
        : 'it is not valid gzip';
    throw new RegistryError(`the blob of ${what} is unusable: ${reason}; nothing was unpacked`, {
      cause: err,
    });
  }
}

/** The appr digest of a .tar.gz. */
export function apprDigest(tarGz: Buffer, what: string): string {
  return sha256(gunzipBlob(tarGz, what));
}

/** Normalises a digest as appr stores it (bare hex) or as we write it (`sha256:hex`). */
export function normaliseDigest(value: string): string {
  return value.startsWith('sha256:') ? value : `sha256:${value}`;
}

/** Throws the one-line "digest mismatch" error if the blob is not what was asked for. */
export function verifyApprDigest(tarGz: Buffer, expected: string, what: string): void {
  const actual = apprDigest(tarGz, what);
  if (actual !== normaliseDigest(expected)) {
    throw new RegistryError(
      `digest mismatch for ${what}: expected ${normaliseDigest(expected)}, got ${actual}; the blob is corrupted and was not unpacked`,
      {
        hint: 'retry; if it persists the registry holds a damaged blob: re-push the release with --force',
      },
    );
  }
}
