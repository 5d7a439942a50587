import { gunzipSync, gzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { InputError } from '../../src/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPackageDirectory, loadPackageTarball } from '../../src/package/load.js';
import { createLocalSource } from '../../src/package/local-source.js';
import { buildPackageTarball } from '../../src/package/tarball.js';
import { writeTar } from '../../src/package/tar.js';
import { fixtures } from '../render/support.js';

const child = join(fixtures, 'precedence', 'child');

/** A raw tar header with any type flag, to build tarballs our writer would never produce. */
function rawEntry(path: string, type: string, data = Buffer.alloc(0), linkname = ''): Buffer {
  const header = Buffer.alloc(512, 0);
  header.write(path, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.fill(' ', 148, 156);
  header.write(type, 156);
  header.write(linkname, 157);
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad]);
}

function tarGz(...entries: Buffer[]): Buffer {
  return gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
}

const manifest = Buffer.from('package: {name: test/evil, version: 1.0.0}\n');

describe('package tarballs', () => {
  it('are byte-identical for the same content, whatever the load order or time', async () => {
    const pkg = await loadPackageDirectory(child);
    const reordered = { ...pkg, files: new Map([...pkg.files].reverse()) };
    const a = await buildPackageTarball(pkg);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await buildPackageTarball(reordered);
    expect(b.tarGz.equals(a.tarGz)).toBe(true);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.gzipDigest).not.toBe(a.digest);
    expect(a.tarGz.readUInt32LE(4)).toBe(0);
  });

  it('change digest when any file changes', async () => {
    const pkg = await loadPackageDirectory(child);
    const files = new Map(pkg.files);
    files.set('README.md', 'changed');
    const a = await buildPackageTarball(pkg);
    const b = await buildPackageTarball({ ...pkg, files });
    expect(b.digest).not.toBe(a.digest);
    expect(b.gzipDigest).not.toBe(a.gzipDigest);
  });

  it('round-trip through loadPackageTarball with the same files and manifest', async () => {
    const pkg = await loadPackageDirectory(child);
    const { tarGz, digest } = await buildPackageTarball(pkg);
    const loaded = loadPackageTarball(tarGz, 'child.tar.gz');
    expect([...loaded.files].sort()).toEqual([...pkg.files].sort());
    expect(loaded.manifest).toEqual(pkg.manifest);
    expect((await buildPackageTarball(loaded)).digest).toBe(digest);
  });

  it('strip a single top-level directory and keep long paths', () => {
    const long = `templates/${'deep/'.repeat(30)}x.yaml.hbs`;
    const tar = writeTar([
      { path: 'evil/manifest.yaml', data: manifest },
      { path: `evil/${long}`, data: Buffer.from('x') },
    ]);
    const loaded = loadPackageTarball(gzipSync(tar), 'evil.tgz');
    expect([...loaded.files.keys()].sort()).toEqual([long, 'manifest.yaml'].sort());
  });

  it.each([
    [
      'an absolute path',
      tarGz(rawEntry('manifest.yaml', '0', manifest), rawEntry('/etc/passwd', '0', Buffer.from('x'))),
      'has an absolute path',
    ],
    [
      'a ".." path',
      tarGz(rawEntry('manifest.yaml', '0', manifest), rawEntry('templates/../../x', '0', Buffer.from('x'))),
      "contains '..'",
    ],
    [
      'a symlink',
      tarGz(rawEntry('manifest.yaml', '0', manifest), rawEntry('link', '2', Buffer.alloc(0), '/etc/passwd')),
      'is a symbolic link',
    ],
    [
      'a hard link',
      tarGz(
        rawEntry('manifest.yaml', '0', manifest),
        rawEntry('link', '1', Buffer.alloc(0), 'manifest.yaml'),
      ),
      'is a hard link',
    ],
    [
      'a device',
      tarGz(rawEntry('manifest.yaml', '0', manifest), rawEntry('dev', '3')),
      'is a character device',
    ],
    [
      'a truncated archive',
      gzipSync(rawEntry('manifest.yaml', '0', manifest).subarray(0, 520)),
      'tar archive is truncated',
    ],
    [
      'a header whose checksum does not match (the registry refuses it too)',
      (() => {
        const entry = rawEntry('manifest.yaml', '0', manifest);
        entry.write('X', 0);
        return tarGz(entry);
      })(),
      'bad header checksum',
    ],
    [
      'the same file twice',
      tarGz(rawEntry('manifest.yaml', '0', manifest), rawEntry('./manifest.yaml', '0', manifest)),
      'contains manifest.yaml twice',
    ],
    ['no manifest', tarGz(rawEntry('README.md', '0', Buffer.from('x'))), 'no manifest.yaml'],
    ['bytes that are not gzip', Buffer.from('not a tarball'), 'not a readable .tar.gz'],
  ])('are rejected when they hold %s', (_what, bytes, message) => {
    expect(() => loadPackageTarball(bytes, 'evil.tgz')).toThrow(message);
  });

  it('are rejected when they decompress beyond the size bound', () => {
    const bomb = gzipSync(
      Buffer.concat([
        rawEntry('manifest.yaml', '0', manifest),
        rawEntry('big', '0', Buffer.alloc(40 * 1024 * 1024)),
      ]),
    );
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(() => loadPackageTarball(bomb, 'bomb.tgz')).toThrow(/not a readable \.tar\.gz|exceeds/);
  });

  it('give local packages the digest a registry would record, and pin local dependencies by it', async () => {
    const { renderReference } = await import('../../src/render/pipeline.js');
    const built = await buildPackageTarball(await loadPackageDirectory(child));
    const release = await renderReference({
      reference: join(fixtures, 'precedence', 'meta'),
      namespace: 'ns',
    });
    expect(release.packages.find((p) => p.name === 'test/child')?.digest).toBe(built.digest);
    const source = createLocalSource({ cwd: fixtures });
    const meta = await source.open('precedence/meta');
    expect(
      (await source.dependency(meta, { name: 'test/child', digest: built.digest })).manifest.package.name,
    ).toBe('test/child');
    await expect(
      source.dependency(meta, { name: 'test/child', digest: `sha256:${'0'.repeat(64)}` }),
    ).rejects.toThrow('child has a different digest');
  });

  it('are opened by the local source, and tarball dependencies are found next to the parent tarball', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-tar-'));
    try {
      const meta = await loadPackageDirectory(join(fixtures, 'precedence', 'meta'));
      writeFileSync(join(dir, 'meta-1.0.0.tar.gz'), (await buildPackageTarball(meta)).tarGz);
      writeFileSync(
        join(dir, 'child-1.2.0.tar.gz'),
        (await buildPackageTarball(await loadPackageDirectory(child))).tarGz,
      );
      const source = createLocalSource({ cwd: dir });
      const root = await source.open('meta-1.0.0.tar.gz');
      expect(root.origin.kind).toBe('tarball');
      const dependency = await source.dependency(root, { name: 'test/child', version: '^1.0.0' });
      expect(dependency.manifest.package.version).toBe('1.2.0');
      await expect(source.dependency(root, { name: 'test/child', version: '^2.0.0' })).rejects.toThrow(
        'child-1.2.0.tar.gz has version 1.2.0',
      );
      expect(
        gunzipSync(await import('node:fs').then((fs) => fs.readFileSync(join(dir, 'meta-1.0.0.tar.gz'))))
          .length % 512,
      ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('package directories with hostile entries', () => {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A package directory holding manifest.yaml, templates/ and whatever `add` puts there. */
  function packageDir(add: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-links-'));
    made.push(dir);
    writeFileSync(join(dir, 'manifest.yaml'), manifest);
    mkdirSync(join(dir, 'templates'));
    add(dir);
    return dir;
  }

  it.each([
    [
      'a link to /etc/passwd',
      (dir: string) => symlinkSync('/etc/passwd', join(dir, 'templates', 'passwd.txt')),
      /templates\/passwd\.txt is a symbolic link to \/etc\/passwd, outside the package: refused/,
    ],
    [
      'a relative link leaving the package',
      (dir: string) => {
        writeFileSync(join(dir, '..', `${dir.split('/').pop()}-secret`), 'secret');
        made.push(join(dir, '..', `${dir.split('/').pop()}-secret`));
        symlinkSync(`../../${dir.split('/').pop()}-secret`, join(dir, 'templates', 'secret'));
      },
      /templates\/secret is a symbolic link to .*-secret, outside the package: refused/,
    ],
    [
      'a dangling link',
      (dir: string) => symlinkSync('missing.yaml', join(dir, 'templates', 'gone.yaml')),
      /templates\/gone\.yaml is a symbolic link to "missing\.yaml", which does not exist/,
    ],
    [
      'a symbolic link loop',
      (dir: string) => {
        symlinkSync('b', join(dir, 'templates', 'a'));
        symlinkSync('a', join(dir, 'templates', 'b'));
      },
      /templates\/a is a symbolic link loop/,
    ],
    [
      'a path of more than 1024 bytes',
      (dir: string) => {
        const deep = join(dir, 'templates', ...Array.from({ length: 5 }, (_, i) => `${i}`.repeat(250)));
        mkdirSync(deep, { recursive: true });
        writeFileSync(join(deep, 'x.yaml'), 'x');
      },
      /cannot be packaged: its path is 1\d{3} bytes, more than 1024/,
    ],
  ])('are refused in one line naming the file when they hold %s', async (_what, add, message) => {
    const dir = packageDir(add);
    const err = await loadPackageDirectory(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('store a link that stays inside the package as its target content', async () => {
    const dir = packageDir((d) => {
      writeFileSync(join(d, 'templates', 'real.yaml'), 'real: true\n');
      symlinkSync('real.yaml', join(d, 'templates', 'alias.yaml'));
    });
    const pkg = await loadPackageDirectory(dir);
    expect(pkg.files.get('templates/alias.yaml')).toBe('real: true\n');
  });
});
