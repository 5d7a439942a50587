/**
 * Inspection of pushed blobs, written here rather than shared with the CLI so the server trusts
 * nothing it did not check itself: the blob must be a gzip tar; gunzipping is bounded (a gzip
 * bomb fails fast instead of filling memory); every member is a regular file or directory with a
 * relative path free of `..`; and for our own media type manifest.yaml must name the pushed
 * package and release.
 */
import { createHash } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { expandedSize } from '../src/package/yaml-limits.js';
import { parseYaml } from '../src/util/yaml.js';
import { memberPathProblem, PACKAGE_LIMITS } from '../src/package/limits.js';
import { unprocessable } from './errors.js';

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

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, length: number, field: string): number {
  const first = buf[start] ?? 0;
  if (first & 0x80)
    throw invalid(`tar header field ${field} uses base-256 encoding, which packages never need`);
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw invalid(`tar header field ${field} is not octal: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === stored;
}

function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) throw invalid('malformed pax header in tar');
    const len = parseInt(body.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > body.length)
      throw invalid('malformed pax header in tar');
    const record = body.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Normalises a member path and throws if it could land outside the extraction directory. */
export function checkMemberPath(raw: string): string {
  if (raw.length === 0 || raw.length > 1024) throw invalid(`tar member has an empty or oversized path`);
  if (raw.includes('\0') || raw.includes('\\'))
    throw invalid(`tar member ${JSON.stringify(raw)} contains a NUL or backslash`, { member: raw });
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw))
    throw invalid(`tar member ${JSON.stringify(raw)} has an absolute path`, { member: raw });
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`tar member ${JSON.stringify(raw)} contains '..'`, { member: raw });
  return parts.join('/');
}

const TYPE_NAMES: Record<string, string> = {
  '1': 'hard link',
  '2': 'symbolic link',
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  '7': 'contiguous file',
};

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
  const members: string[] = [];
  let manifest: string | undefined;
  let pos = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  let sawEnd = false;
  let files = 0;
  let contentBytes = 0;
  while (pos + 512 <= tar.length) {
    const header = tar.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) {
      sawEnd = true;
      break;
    }
    if (!checksumOk(header))
      throw invalid(`blob is not a tar archive (bad header checksum at offset ${pos})`);
    const size = octal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = pos + 512;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw invalid('tar archive is truncated');
    const data = tar.subarray(dataStart, dataEnd);
    pos = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      paxPath = parsePax(data).get('path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue; // global pax attributes describe the archive, not a member
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    const magic = cString(header, 257, 6);
    const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
    const shortName = cString(header, 0, 100);
    const rawPath = paxPath ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName);
    paxPath = undefined;
    longName = undefined;
    const path = checkMemberPath(rawPath);
    if (type !== '0' && type !== '\0' && type !== '5') {
      const kind = TYPE_NAMES[type] ?? `entry of type ${JSON.stringify(type)}`;
      throw invalid(
        `tar member ${JSON.stringify(rawPath)} is a ${kind}; packages may contain only regular files and directories`,
        { member: rawPath },
      );
    }
    if (members.length >= limits.maxEntries)
      throw invalid(`tar archive has more than ${limits.maxEntries} members`);
    const pathProblem = memberPathProblem(rawPath);
    if (pathProblem)
      throw invalid(`tar member ${JSON.stringify(rawPath.slice(0, 120))} cannot be pulled: ${pathProblem}`, {
        member: rawPath,
      });
    if (type !== '5') {
      files += 1;
      contentBytes += size;
      if (files > PACKAGE_LIMITS.maxFiles)
        throw invalid(`tar archive has more than ${PACKAGE_LIMITS.maxFiles} files, which no client can pull`);
      if (contentBytes > PACKAGE_LIMITS.maxBytes)
        throw invalid(`package content exceeds ${PACKAGE_LIMITS.maxBytes} bytes, which no client can pull`);
    }
    members.push(path);
    if (type !== '5' && path === 'manifest.yaml') {
      if (manifest !== undefined) throw invalid('tar archive contains manifest.yaml twice');
      manifest = data.toString('utf8');
    }
  }
  if (!sawEnd)
    throw invalid(
      members.length === 0
        ? 'blob is not a tar archive (no members)'
        : 'tar archive is truncated (no end-of-archive marker)',
    );
  return {
    digest: createHash('sha256').update(tar).digest('hex'),
    gzipDigest: createHash('sha256').update(blob).digest('hex'),
    members,
    manifest,
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
