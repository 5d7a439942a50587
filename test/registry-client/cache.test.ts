import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createBlobCache } from '../../src/registry/cache.js';
import { sha256 } from '../../src/util/hash.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

describe('blob cache', () => {
  it('never reads, writes or deletes outside its directory for a digest a registry made up', async () => {
    const home = tempDir('stackanetes-cache-');
    const cacheDir = join(home, 'cache', 'blobs');
    mkdirSync(cacheDir, { recursive: true });
    const victim = join(home, 'victim.tar.gz');
    writeFileSync(victim, 'precious');
    const cache = createBlobCache(cacheDir);
    // Resolves to <home>/victim.tar.gz if the digest is joined into the path unchecked.
    const hostile = 'sha256:../../../../../victim';
    expect(await cache.get('appr', hostile)).toBeUndefined();
    expect(await cache.get('oci', hostile)).toBeUndefined();
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    await expect(cache.put('appr', hostile, Buffer.from('x'))).rejects.toThrow(/digest/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  it('still serves a verified entry and drops a corrupted one', async () => {
    const dir = tempDir('stackanetes-cache-');
    const cache = createBlobCache(dir);
    const tarGz = gzipSync(Buffer.from('tar bytes'));
    const digest = sha256(tarGz);
    await cache.put('oci', digest, tarGz);
    expect((await cache.get('oci', digest))?.equals(tarGz)).toBe(true);
    const path = join(dir, 'oci', `${digest.replace('sha256:', 'sha256-')}.tar.gz`);
    writeFileSync(path, 'garbage');
    expect(await cache.get('oci', digest)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('keeps cached blobs private to the user: packages of registries that need a token for reads must not become readable by others', async () => {
    const dir = join(tempDir('stackanetes-cache-'), 'cache', 'blobs');
    const cache = createBlobCache(dir);
    const tarGz = gzipSync(Buffer.from('private package'));
    const digest = sha256(tarGz);
    await cache.put('oci', digest, tarGz);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'oci')).mode & 0o077).toBe(0);
    expect(statSync(join(dir, 'oci', `${digest.replace('sha256:', 'sha256-')}.tar.gz`)).mode & 0o077).toBe(0);
  });
});
