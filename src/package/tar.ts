/**
 * Package tarballs: a writer of byte-for-byte reproducible ustar archives and the one defensive
 * reader that both the CLI (loading a pulled package) and the registry (inspecting a push) use.
 *
 * The writer stays ours rather than node-tar's: node-tar encodes numeric fields differently
 * (`000644 \0` instead of `0000644\0`) and fills the device fields, so its bytes, and with them
 * every package digest, would change; a registry answers a re-push of unchanged content under a
 * new digest with 409, and release records compare digests.
 *
 * The reader never writes to disk or follows links: it reads regular files and directories in
 * memory, and refuses (instead of skipping) absolute paths, `..`, links, devices, FIFOs,
 * duplicates, bad checksums and archives beyond the limits, so a tampered package fails loudly.
 */
import { InputError } from '../errors.js';
import { memberPathProblem } from './limits.js';

const BLOCK = 512;

/** One regular file to archive. */
export interface TarEntry {
  path: string;
  data: Buffer;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(path: string, size: number, type: '0' | '5' | 'x'): Buffer {
  const buf = Buffer.alloc(BLOCK, 0);
  const encoded = Buffer.from(path, 'utf8');
  let name = encoded;
  let prefix = Buffer.alloc(0);
  if (encoded.length > 100) {
    const split = path.lastIndexOf('/', 155);
    const head = split > 0 ? Buffer.from(path.slice(0, split), 'utf8') : Buffer.alloc(0);
    const tail = split > 0 ? Buffer.from(path.slice(split + 1), 'utf8') : encoded;
    if (split > 0 && head.length <= 155 && tail.length <= 100) {
      prefix = head;
      name = tail;
    } else {
      name = encoded.subarray(0, 100);
    }
  }
  name.copy(buf, 0);
  buf.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'ascii');
  buf.write(octal(0, 8), 108, 'ascii');
  buf.write(octal(0, 8), 116, 'ascii');
  buf.write(octal(size, 12), 124, 'ascii');
  buf.write(octal(0, 12), 136, 'ascii');
  buf.fill(' ', 148, 156);
  buf.write(type, 156, 'ascii');
  buf.write('ustar\u000000', 257, 'ascii');
  prefix.copy(buf, 345);
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(octal(sum, 7) + ' ', 148, 'ascii');
  return buf;
}

function pad(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest, 0);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

/** Writes a tar of `entries` in the given order, every entry owned by 0:0 with mtime 0. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of entries) {
    if (Buffer.byteLength(entry.path) > 100 && !fitsUstar(entry.path)) {
      const pax = Buffer.from(paxRecord('path', entry.path), 'utf8');
      chunks.push(header('PaxHeader', pax.length, 'x'), pax, pad(pax.length));
    }
    chunks.push(header(entry.path, entry.data.length, '0'), entry.data, pad(entry.data.length));
  }
  chunks.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(chunks);
}

function fitsUstar(path: string): boolean {
  const split = path.lastIndexOf('/', 155);
  return (
    split > 0 &&
    Buffer.byteLength(path.slice(0, split)) <= 155 &&
    Buffer.byteLength(path.slice(split + 1)) <= 100
  );
}

function cString(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? slice.length : nul).toString('utf8');
}

/** Why an archive was refused; callers turn it into their own error (a CLI error, a 422). */
export class TarError extends Error {
  constructor(
    message: string,
    /** The member's path as written in the archive, when one member is at fault. */
    readonly member?: string,
  ) {
    super(message);
    this.name = 'TarError';
  }
}

function readOctal(buf: Buffer, start: number, length: number, field: string): number {
  if ((buf[start] ?? 0) & 0x80)
    throw new TarError(`tar header field ${field} uses base-256 encoding, which packages never need`);
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new TarError(`tar header field ${field} is not octal: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = readOctal(header, 148, 8, 'checksum');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum === stored;
}

function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    const space = body.indexOf(0x20, pos);
    if (space === -1) throw new TarError('malformed pax header in tar');
    const len = parseInt(body.subarray(pos, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > body.length)
      throw new TarError('malformed pax header in tar');
    const record = body.subarray(space + 1, pos + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Normalises a member path; throws if it could land outside the directory it is unpacked into. */
function checkMemberPath(raw: string): string {
  if (raw.length === 0 || raw.length > 1024) throw new TarError('tar member has an empty or oversized path');
  if (raw.includes('\0') || raw.includes('\\'))
    throw new TarError(`tar member ${JSON.stringify(raw)} contains a NUL or backslash`, raw);
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw))
    throw new TarError(`tar member ${JSON.stringify(raw)} has an absolute path`, raw);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TarError(`tar member ${JSON.stringify(raw)} contains '..'`, raw);
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

/** Bounds that keep a hostile archive from exhausting memory or the disk of whoever unpacks it. */
export interface TarLimits {
  /** Members of any type (directories included). */
  maxMembers: number;
  /** Regular files. */
  maxFiles: number;
  /** Bytes of regular-file content. */
  maxBytes: number;
}

/** One regular file or directory, by its normalised path ('' for the archive root). */
export interface TarMember {
  path: string;
  type: 'file' | 'directory';
  data: Buffer;
}

export interface TarContents {
  members: TarMember[];
  /** Whether the end-of-archive marker was found (a tar cut short has none). */
  ended: boolean;
}

/** One header block's entry, with GNU long names and pax paths already applied. */
interface RawEntry {
  path: string;
  type: string;
  data: Buffer;
}

/** Walks the header blocks; yields members with their long path applied, stops at the end marker. */
function* entries(tar: Buffer, end: { seen: boolean }): Generator<RawEntry> {
  let pos = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (pos + BLOCK <= tar.length) {
    const header = tar.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) {
      end.seen = true;
      return;
    }
    if (!checksumOk(header))
      throw new TarError(`blob is not a tar archive (bad header checksum at offset ${pos})`);
    const size = readOctal(header, 124, 12, 'size');
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = pos + BLOCK;
    if (dataStart + size > tar.length) throw new TarError('tar archive is truncated');
    const data = tar.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      paxPath = parsePax(data).get('path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue; // global pax attributes describe the archive, not a member
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    const prefix = cString(header, 257, 6).startsWith('ustar') ? cString(header, 345, 155) : '';
    const shortName = cString(header, 0, 100);
    yield { path: paxPath ?? longName ?? (prefix ? `${prefix}/${shortName}` : shortName), type, data };
    paxPath = undefined;
    longName = undefined;
  }
}

/** Reads every member of an uncompressed tar in memory, refusing anything a package may not hold. */
export function readTarMembers(tar: Buffer, limits: TarLimits): TarContents {
  const members: TarMember[] = [];
  const seen = new Set<string>();
  const end = { seen: false };
  let files = 0;
  let bytes = 0;
  for (const entry of entries(tar, end)) {
    const raw = entry.path;
    const path = checkMemberPath(raw);
    if (entry.type !== '0' && entry.type !== '\0' && entry.type !== '5') {
      const kind = TYPE_NAMES[entry.type] ?? `entry of type ${JSON.stringify(entry.type)}`;
      throw new TarError(
        `tar member ${JSON.stringify(raw)} is a ${kind}; packages may contain only regular files and directories`,
        raw,
      );
    }
    if (members.length >= limits.maxMembers)
      throw new TarError(`tar archive has more than ${limits.maxMembers} members`);
    const problem = memberPathProblem(raw);
    if (problem)
      throw new TarError(`tar member ${JSON.stringify(raw.slice(0, 120))} cannot be pulled: ${problem}`, raw);
    const type = entry.type === '5' ? 'directory' : 'file';
    if (type === 'file') {
      files += 1;
      bytes += entry.data.length;
      if (files > limits.maxFiles)
        throw new TarError(`tar archive has more than ${limits.maxFiles} files, which no client can pull`);
      if (bytes > limits.maxBytes)
        throw new TarError(`package content exceeds ${limits.maxBytes} bytes, which no client can pull`);
      if (seen.has(path)) throw new TarError(`tar archive contains ${path} twice`);
      seen.add(path);
    }
    members.push({ path, type, data: entry.data });
  }
  return { members, ended: end.seen };
}

/**
 * The regular files of a package tar by path, for the CLI: refusals name `location`. No member
 * count of its own: the gunzip bound already caps how many 512-byte headers fit.
 */
export function readTar(
  tar: Buffer,
  location: string,
  limits: Pick<TarLimits, 'maxFiles' | 'maxBytes'>,
): Map<string, Buffer> {
  let contents: TarContents;
  try {
    contents = readTarMembers(tar, { maxMembers: Number.POSITIVE_INFINITY, ...limits });
  } catch (err) {
    if (err instanceof TarError) throw new InputError(`${location}: ${err.message}`);
    throw err;
  }
  const files = new Map<string, Buffer>();
  for (const m of contents.members)
    if (m.type === 'file' && m.path !== '') files.set(m.path, Buffer.from(m.data));
  return files;
}
