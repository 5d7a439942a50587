/**
 * The one sha256 helper. Digests travel in two spellings: `sha256:<hex>` where we name content
 * (appr and OCI digests, the applied-object annotation, the manifest digest) and bare hex where a
 * format stores the algorithm elsewhere (appr blob paths, storage keys).
 */
import { createHash } from 'node:crypto';

/** Bare lowercase hex of the sha256 of the parts, fed in order (strings are hashed as UTF-8). */
export function sha256Hex(...parts: (string | Uint8Array)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
}

/** `sha256:<hex>`, the spelling of a content digest. */
export function sha256(data: string | Uint8Array): string {
  return `sha256:${sha256Hex(data)}`;
}
