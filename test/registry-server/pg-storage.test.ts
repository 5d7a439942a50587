/**
 * PostgreSQL back end properties that need the database touched behind the server's back.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { packageBlob } from './helpers/tarball.js';
import { addUser, createDatabase, login, push, startRegistry } from './helpers/registry.js';

describe('postgres storage', () => {
  it('a forced re-push repairs a blob damaged in the database, as the client digest-mismatch hint advises', async () => {
    const db = await createDatabase();
    const client = new pg.Client({ connectionString: db.url });
    try {
      await addUser(db.url, 'alice');
      const reg = await startRegistry(db.url);
      try {
        const token = await login(reg.url, 'alice');
        const blob = packageBlob('alice/app', '1.0.0');
        expect((await push(reg.url, token, 'alice/app', blob, '1.0.0')).status).toBe(200);
        const damaged = Buffer.from(blob);
        damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
        await client.connect();
        await client.query('UPDATE blobs SET data = $1 WHERE digest = $2', [
          damaged,
          createHash('sha256').update(blob).digest('hex'),
        ]);
        const pull = async () =>
          Buffer.from(
            await (await fetch(`${reg.url}/api/v1/packages/alice/app/1.0.0/stackanetes/pull`)).arrayBuffer(),
          );
        expect((await pull()).equals(damaged)).toBe(true);
        expect((await push(reg.url, token, 'alice/app', blob, '1.0.0', { force: true })).status).toBe(200);
        expect((await pull()).equals(blob)).toBe(true);
      } finally {
        await reg.stop();
      }
    } finally {
      await client.end().catch(() => undefined);
      await db.drop();
    }
  });
});
