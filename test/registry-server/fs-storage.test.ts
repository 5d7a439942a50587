/**
 * Filesystem back end properties that need a fault inside one storage call, which the HTTP
 * contract suite cannot inject.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, issueToken } from '../../registry-server/auth.js';
import { FsStorage } from '../../registry-server/storage/fs.js';
import type { ReleaseRecord } from '../../registry-server/storage/types.js';
import { packageBlob } from './helpers/tarball.js';
import { addUser, login, push, startRegistry } from './helpers/registry.js';

describe('filesystem storage', () => {
  const roots: string[] = [];
  afterAll(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  it('keeps a user whose removal fails before the tokens are revoked, so no live token outlives its account', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackanetes-fs-storage-'));
    roots.push(root);
    const storage = new FsStorage({ root, lockStaleMs: 10000 });
    await storage.init();
    await storage.addUser({ username: 'carol', passwordHash: 'x', createdAt: new Date().toISOString() });
    await storage.claimNamespace('carol', 'carol');
    const token = await issueToken(storage, 'carol', 3600_000);
    // Stands in for a crash (or a full disk) between the steps of the removal.
    storage.revokeUserTokens = async () => {
      throw new Error('simulated crash');
    };
    await expect(storage.removeUser('carol')).rejects.toThrow('simulated crash');
    const survivor = await authenticate(storage, token).then(
      (a) => a.username,
      () => undefined,
    );
    // Either the token no longer works, or the account still exists so the removal can be retried.
    if (survivor !== undefined) expect(await storage.getUser('carol')).toBeDefined();
    const fresh = new FsStorage({ root, lockStaleMs: 10000 });
    expect(await fresh.removeUser('carol')).toBe(true);
    await expect(authenticate(fresh, token)).rejects.toThrow(/revoked/);
    expect(await fresh.listMembers('carol')).toEqual([]);
    expect(await fresh.getUser('carol')).toBeUndefined();
  });

  it('rewrites a damaged blob on a forced re-push, as the client error advises, instead of keeping it because its size matches', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackanetes-fs-storage-'));
    roots.push(root);
    const storage = new FsStorage({ root, lockStaleMs: 10000 });
    await storage.init();
    const blob = packageBlob('team/app', '1.0.0');
    const gzipDigest = createHash('sha256').update(blob).digest('hex');
    const record: ReleaseRecord = {
      namespace: 'team',
      name: 'app',
      release: '1.0.0',
      mediaType: 'stackanetes',
      digest: 'a'.repeat(64),
      gzipDigest,
      size: blob.length,
      metadata: null,
      createdAt: new Date().toISOString(),
    };
    expect(await storage.putRelease(record, blob, { force: false })).toBe('created');
    const path = join(root, 'blobs', 'sha256', gzipDigest.slice(0, 2), gzipDigest);
    const damaged = Buffer.from(readFileSync(path));
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff; // bit rot, same size
    writeFileSync(path, damaged);
    expect(await storage.putRelease(record, blob, { force: true })).toBe('replaced');
    expect((await storage.getBlob(gzipDigest))?.equals(blob)).toBe(true);
  });

  it('a running server does not keep serving a damaged blob from memory after the forced re-push', async () => {
    const root = mkdtempSync(join(tmpdir(), 'stackanetes-fs-storage-'));
    roots.push(root);
    await addUser(root, 'alice');
    const reg = await startRegistry(root);
    try {
      const token = await login(reg.url, 'alice');
      const blob = packageBlob('alice/app', '1.0.0');
      expect((await push(reg.url, token, 'alice/app', blob, '1.0.0')).status).toBe(200);
      const gzipDigest = createHash('sha256').update(blob).digest('hex');
      const path = join(root, 'blobs', 'sha256', gzipDigest.slice(0, 2), gzipDigest);
      const damaged = Buffer.from(blob);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
      writeFileSync(path, damaged);
      const pull = async () =>
        Buffer.from(
          await (await fetch(`${reg.url}/api/v1/packages/alice/app/1.0.0/stackanetes/pull`)).arrayBuffer(),
        );
      expect((await pull()).equals(damaged)).toBe(true); // what the client then refuses by digest
      expect((await push(reg.url, token, 'alice/app', blob, '1.0.0', { force: true })).status).toBe(200);
      expect((await pull()).equals(blob)).toBe(true);
    } finally {
      await reg.stop();
    }
  });
});
