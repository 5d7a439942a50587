/**
 * Filesystem back end properties that need a fault inside one storage call, which the HTTP
 * contract suite cannot inject.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticate, issueToken } from '../../registry-server/auth.js';
import { FsStorage } from '../../registry-server/storage/fs.js';

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
});
