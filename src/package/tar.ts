/**
 * A minimal ustar writer and a defensive reader. Package tarballs must be byte-for-byte
 * reproducible (the digest is the release identity), and reading must never write to disk or
 * follow links, so neither needs more than regular files and directories.
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
  const end = slice.indexOf(0);
  return (end < 0 ? slice : slice.subarray(0, end)).toString('utf8');
}

function parseOctal(buf: Buffer, start: number, length: number, where: string): number {
  const text = cString(buf, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new InputError(`${where}: corrupt tar header (bad number ${JSON.stringify(text)})`);
  return parseInt(text, 8);
}

/** Limits that keep a hostile tarball from exhausting memory. */
export interface TarLimits {
  maxFiles: number;
  maxBytes: number;
}

/**
 * Reads regular files from a tar in memory. Rejects absolute paths, `..`, links, devices and
 * FIFOs instead of skipping them, so a tampered package fails loudly.
 */
export function readTar(tar: Buffer, location: string, limits: TarLimits): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let total = 0;
  let paxPath: string | undefined;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    const size = parseOctal(block, 124, 12, location);
    const type = String.fromCharCode(block[156] ?? 0);
    const prefix = cString(block, 345, 155);
    let path = cString(block, 0, 100);
    if (prefix && cString(block, 257, 6).startsWith('ustar')) path = `${prefix}/${path}`;
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length)
      throw new InputError(`${location}: truncated tarball (entry ${JSON.stringify(path)})`);
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + size + pad(size).length;
    if (type === 'x') {
      paxPath = parsePax(data.toString('utf8')).get('path') ?? paxPath;
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    path = paxPath ?? longName ?? path;
    paxPath = undefined;
    longName = undefined;
    const clean = checkPath(path, location);
    if (type === '5') continue;
    if (type !== '0' && type !== '\0' && type !== '7') {
      const what =
        type === '1' || type === '2'
          ? 'a link'
          : type === '3' || type === '4' || type === '6'
            ? 'a device or FIFO'
            : `type ${JSON.stringify(type)}`;
      throw new InputError(
        `${location}: entry ${JSON.stringify(path)} is ${what}; packages may hold only regular files`,
      );
    }
    if (clean === '') continue;
    total += size;
    if (files.size >= limits.maxFiles)
      throw new InputError(`${location}: more than ${limits.maxFiles} files in the package`);
    if (total > limits.maxBytes)
      throw new InputError(`${location}: package content exceeds ${limits.maxBytes} bytes`);
    if (files.has(clean)) throw new InputError(`${location}: entry ${JSON.stringify(clean)} appears twice`);
    files.set(clean, Buffer.from(data));
  }
  return files;
}

function parsePax(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let rest = text;
  while (rest.length > 0) {
    const space = rest.indexOf(' ');
    const len = parseInt(rest.slice(0, space), 10);
    if (!(len > 0) || space < 0) break;
    const record = Buffer.from(rest, 'utf8').subarray(0, len).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(space + 1, eq), record.slice(eq + 1).replace(/\n$/, ''));
    rest = Buffer.from(rest, 'utf8').subarray(len).toString('utf8');
  }
  return out;
}

function checkPath(path: string, location: string): string {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) {
    throw new InputError(`${location}: entry ${JSON.stringify(path)} has an absolute path`);
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new InputError(`${location}: entry ${JSON.stringify(path)} escapes the package with ".."`);
  const problem = memberPathProblem(path);
  if (problem)
    throw new InputError(`${location}: entry ${JSON.stringify(path)} cannot be written: ${problem}`);
  return parts.join('/');
}
