/**
 * Builds gzip tarballs for the registry tests byte by byte, including hostile ones a real tar
 * tool refuses to create (absolute paths, `..`, links, devices, bombs), so the server's checks
 * are exercised against exactly the bytes an attacker could send.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** One tar member. */
export interface TarMember {
  path: string;
  /** Regular-file content (default empty). */
  content?: string | Buffer;
  /** ustar type flag: '0' file, '5' dir, '1' hardlink, '2' symlink, '3' char dev, '4' block dev, '6' FIFO, 'x' pax, 'L' GNU long name. */
  type?: string;
  linkName?: string;
}

function header(m: TarMember, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(m.path.slice(0, 100), 0, 'utf8');
  h.write('0000644\0', 100, 'ascii');
  h.write('0000000\0', 108, 'ascii');
  h.write('0000000\0', 116, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write('00000000000\0', 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(m.type ?? '0', 156, 'ascii');
  if (m.linkName) h.write(m.linkName.slice(0, 100), 157, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** An uncompressed tar of `members`. */
export function tar(members: TarMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const data =
      !m.type || ['0', 'x', 'g', 'L'].includes(m.type) ? Buffer.from(m.content ?? '') : Buffer.alloc(0);
    parts.push(header(m, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** A gzip tar of `members`. */
export function tarGz(members: TarMember[]): Buffer {
  return gzipSync(tar(members), { level: 6 });
}

/** A valid stackanetes package blob for `name@version` (padding makes it roughly `size` bytes gzip'd). */
export function packageBlob(name: string, version: string, extra: TarMember[] = [], padBytes = 0): Buffer {
  const members: TarMember[] = [
    {
      path: 'manifest.yaml',
      content: `package:\n  name: ${name}\n  version: ${version}\n  description: test package\nvariables: {}\nresources:\n  - file: templates/cm.yaml.hbs\n`,
    },
    { path: 'templates/cm.yaml.hbs', content: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test\n' },
    ...extra,
  ];
  if (padBytes > 0)
    members.push({ path: 'README.md', content: pseudoRandomText(padBytes, `${name}@${version}`) });
  return tarGz(members);
}

/** Incompressible-ish text so a blob reaches a target gzip size. */
export function pseudoRandomText(bytes: number, seed: string): string {
  let out = '';
  let block = createHash('sha256').update(seed).digest();
  while (out.length < bytes) {
    block = createHash('sha256').update(block).digest();
    out += block.toString('base64');
  }
  return out.slice(0, bytes);
}

/** A small gzip stream that unpacks to `unpackedBytes` of zeros inside a tar member (a gzip bomb). */
export function gzipBomb(name: string, version: string, unpackedBytes: number): Buffer {
  const manifest = Buffer.from(`package:\n  name: ${name}\n  version: ${version}\n`);
  const raw = tar([
    { path: 'manifest.yaml', content: manifest },
    { path: 'zeros.bin', content: Buffer.alloc(unpackedBytes) },
  ]);
  return gzipSync(raw, { level: 9 });
}

/** The digests the server should report for a blob. */
export function digestsOf(blob: Buffer, unpacked: Buffer): { digest: string; gzipDigest: string } {
  return {
    digest: createHash('sha256').update(unpacked).digest('hex'),
    gzipDigest: createHash('sha256').update(blob).digest('hex'),
  };
}
