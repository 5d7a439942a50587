/**
 * The server's own tar reader on archive features real tools produce (ustar prefix, pax and GNU
 * long names) and the ways a hostile archive can try to hide a bad path.
 */
import { gzipSync } from 'node:zlib';
import { checkManifestMatches, inspectBlob } from '../../registry-server/tarball.js';
import { tar, tarGz } from './helpers/tarball.js';

const limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 100 };
const manifest = { path: 'manifest.yaml', content: 'package:\n  name: ns/pkg\n  version: 1.0.0\n' };

function withLongName(kind: 'x' | 'L', longPath: string): Buffer {
  // pax records carry their own length including the length digits; recompute until stable.
  let record = kind === 'x' ? '' : `${longPath}\0`;
  if (kind === 'x') {
    let len = longPath.length + 8;
    for (;;) {
      record = `${len} path=${longPath}\n`;
      if (record.length === len) break;
      len = record.length;
    }
  }
  const raw = tar([
    manifest,
    { path: 'PaxHeader', type: kind === 'x' ? 'x' : 'L', content: record },
    { path: 'short-name', content: 'x' },
  ]);
  return gzipSync(raw);
}

describe('registry tar inspection', () => {
  it('reads members, both digests and manifest.yaml from a plain ustar archive', async () => {
    const blob = tarGz([
      manifest,
      { path: './templates/a.yaml.hbs', content: 'a: 1' },
      { path: 'templates/', type: '5' },
    ]);
    const r = await inspectBlob(blob, limits);
    expect(r.members).toEqual(['manifest.yaml', 'templates/a.yaml.hbs', 'templates']);
    expect(r.digest).toMatch(/^[a-f0-9]{64}$/);
    expect(r.gzipDigest).not.toBe(r.digest);
    expect(() => checkManifestMatches(r, 'ns/pkg', '1.0.0')).not.toThrow();
    expect(() => checkManifestMatches(r, 'ns/pkg', '1.0.1')).toThrow(
      /version "1.0.0" but the push is for release 1.0.1/,
    );
  });

  it.each([
    ['a pax path with ..', 'x', 'templates/../../escape.txt', /contains '\.\.'/],
    ['a GNU long name that is absolute', 'L', `/${'d/'.repeat(60)}file`, /absolute path/],
  ] as const)('rejects %s hidden in an extended header', async (_name, kind, longPath, message) => {
    await expect(inspectBlob(withLongName(kind, longPath), limits)).rejects.toThrow(message);
  });

  it('accepts a long pax path that is safe and reports it instead of the short name', async () => {
    const longPath = `templates/${'deep/'.repeat(30)}file.yaml.hbs`;
    const r = await inspectBlob(withLongName('x', longPath), limits);
    expect(r.members).toContain(longPath);
    expect(r.members).not.toContain('short-name');
  });

  it('rejects truncated archives, bad checksums, duplicate manifests, FIFOs and too many members', async () => {
    const raw = tar([manifest, { path: 'big.txt', content: 'x'.repeat(2000) }]);
    await expect(inspectBlob(gzipSync(raw.subarray(0, 1536)), limits)).rejects.toThrow(/truncated/);
    await expect(inspectBlob(gzipSync(raw.subarray(0, 1024)), limits)).rejects.toThrow(
      /no end-of-archive marker/,
    );
    const corrupt = Buffer.from(raw);
    corrupt[0] = 0x41;
    await expect(inspectBlob(gzipSync(corrupt), limits)).rejects.toThrow(/bad header checksum/);
    await expect(inspectBlob(tarGz([manifest, manifest]), limits)).rejects.toThrow(/manifest.yaml twice/);
    await expect(inspectBlob(tarGz([manifest, { path: 'pipe', type: '6' }]), limits)).rejects.toThrow(/FIFO/);
    const many = Array.from({ length: 101 }, (_, i) => ({ path: `f${i}`, content: '' }));
    await expect(inspectBlob(tarGz(many), limits)).rejects.toThrow(/more than 100 members/);
  });

  it('stops unpacking at the size bound instead of inflating a bomb', async () => {
    const bomb = gzipSync(tar([manifest, { path: 'zeros', content: Buffer.alloc(8 * 1024 * 1024) }]), {
      level: 9,
    });
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(inspectBlob(bomb, limits)).rejects.toThrow(/unpacks to more than 1048576 bytes/);
  });
});
