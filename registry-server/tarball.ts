/**
 * Inspection of pushed blobs, so the server trusts nothing it did not check itself: the blob must
 * be a gzip tar; gunzipping is bounded (a gzip bomb fails fast instead of filling memory); the
 * tar is read by the same defensive reader the CLI pulls with (src/package/tar.ts), so the
 * server accepts exactly what a client can unpack; and for our own media type manifest.yaml
 * must name the pushed package and release.
 */
import { gunzip } from 'node:zlib';
import { PACKAGE_LIMITS } from '../src/package/limits.js';
import { readTarMembers, TarError } from '../src/package/tar.js';
import { expandedSize } from '../src/package/yaml-limits.js';
import { parseYaml } from '../src/util/yaml.js';
import { unprocessable } from './errors.js';
import { sha256Hex } from '../src/util/hash.js';

/** Values a package manifest may expand to through YAML aliases. */
const MAX_MANIFEST_VALUES = 10_000;

/** Limits applied while unpacking. */
export interface InspectLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** What the server learns from a valid blob. */
export interface InspectedBlob {
  /** sha256 hex of the gunzipped tar (the appr digest). */
  digest: string;
  /** sha256 hex of the .tar.gz bytes (the OCI digest, and the storage key). */
  gzipDigest: string;
  /** Paths of the members, in archive order. */
  members: string[];
  /** manifest.yaml text, when present at the root. */
  manifest: string | undefined;
}

function gunzipBounded(blob: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(blob, { maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function invalid(message: string, details?: Record<string, unknown>) {
  return unprocessable('invalid-package', message, details);
}

/**
 * Checks a pushed blob and returns its digests and members; throws a 422 HttpError naming the
 * first problem (not gzip, not tar, bomb, unsafe member, missing or mismatching manifest).
 */
export async function inspectBlob(blob: Buffer, limits: InspectLimits): Promise<InspectedBlob> {
  if (blob.length < 18 || blob[0] !== 0x1f || blob[1] !== 0x8b)
    throw invalid('blob is not gzip data (a package is a .tar.gz)');
  let tar: Buffer;
  try {
    tar = await gunzipBounded(blob, limits.maxUnpackedBytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw invalid(`blob unpacks to more than ${limits.maxUnpackedBytes} bytes`, {
        maxUnpackedBytes: limits.maxUnpackedBytes,
      });
    }
    throw invalid(`blob is not valid gzip data (${(err as Error).message})`);
  }
  let contents;
  try {
    contents = readTarMembers(tar, {
      maxMembers: limits.maxEntries,
      maxFiles: PACKAGE_LIMITS.maxFiles,
      maxBytes: PACKAGE_LIMITS.maxBytes,
    });
  } catch (err) {
    if (err instanceof TarError) throw invalid(err.message, err.member ? { member: err.member } : undefined);
    throw err;
  }
  const { members, ended } = contents;
  if (!ended)
    throw invalid(
      members.length === 0
        ? 'blob is not a tar archive (no members)'
        : 'tar archive is truncated (no end-of-archive marker)',
    );
  const manifest = members.find((m) => m.type === 'file' && m.path === 'manifest.yaml');
  return {
    digest: sha256Hex(tar),
    gzipDigest: sha256Hex(blob),
    members: members.map((m) => m.path),
    manifest: manifest?.data.toString('utf8'),
  };
}

/** For our media type: manifest.yaml must exist and its `package.name`/`package.version` match the push. */
export function checkManifestMatches(inspected: InspectedBlob, packageName: string, release: string): void {
  if (inspected.manifest === undefined) throw invalid('package blob has no manifest.yaml at its root');
  let doc: unknown;
  try {
    doc = parseYaml(inspected.manifest);
    // a manifest is a few hundred values; aliases that expand far beyond that are an attack
    if (expandedSize(doc, MAX_MANIFEST_VALUES) > MAX_MANIFEST_VALUES)
      throw new Error('its aliases expand too far');
  } catch (err) {
    throw invalid(`manifest.yaml in the blob is not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const pkg = (doc as { package?: { name?: unknown; version?: unknown } } | null)?.package;
  if (pkg?.name !== packageName) {
    throw invalid(
      `manifest.yaml names package ${JSON.stringify(pkg?.name)} but the push is for ${packageName}`,
      { manifest: pkg?.name, push: packageName },
    );
  }
  if (String(pkg?.version) !== release) {
    throw invalid(
      `manifest.yaml has version ${JSON.stringify(pkg?.version)} but the push is for release ${release}`,
      { manifest: pkg?.version, push: release },
    );
  }
}
