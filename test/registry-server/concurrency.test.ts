/**
 * Uniqueness and visibility under concurrency, decided by the store rather than process memory:
 * racing pushes of one release over two server processes, and 500 distinct pushes spread over two
 * processes sharing one PostgreSQL database, read back from both.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { makeBackend, type Backend } from './contract.js';
import { packageBlob } from './helpers/tarball.js';
import { addUser, call, login, push, startRegistry, type RunningRegistry } from './helpers/registry.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(['filesystem', 'postgres'] as const)(
  '32 concurrent pushes of one release on %s storage',
  (kind) => {
    let backend: Backend;
    let regs: RunningRegistry[] = [];

    beforeAll(async () => {
      backend = await makeBackend(kind);
      await addUser(backend.storage, 'racer');
      regs = await Promise.all([startRegistry(backend.storage), startRegistry(backend.storage)]);
    });

    afterAll(async () => {
      await Promise.all(regs.map((r) => r.stop()));
      await backend?.cleanup();
    });

    it('accept exactly one (200) and answer the other 31 with 409, across two server processes', async () => {
      const token = await login(regs[0]!.url, 'racer');
      // Distinct contents, so the winner is identifiable by digest.
      const blobs = Array.from({ length: 32 }, (_, i) =>
        packageBlob('racer/pkg', '1.0.0', [{ path: `n${i}.txt`, content: String(i) }]),
      );
      const results = await Promise.all(
        blobs.map((b, i) => push(regs[i % 2]!.url, token, 'racer/pkg', b, '1.0.0')),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(31);
      const winner = blobs[statuses.indexOf(200)] as Buffer;
      for (const reg of regs) {
        const pulled = Buffer.from(
          await (await fetch(`${reg.url}/api/v1/packages/racer/pkg/1.0.0/stackanetes/pull`)).arrayBuffer(),
        );
        expect(sha(pulled)).toBe(sha(winner));
      }
    });
  },
);

describe.each(['filesystem', 'postgres'] as const)('concurrent channel changes on %s storage', (kind) => {
  let backend: Backend;
  let regs: RunningRegistry[] = [];

  beforeAll(async () => {
    backend = await makeBackend(kind);
    await addUser(backend.storage, 'chan');
    regs = await Promise.all([startRegistry(backend.storage), startRegistry(backend.storage)]);
  });

  afterAll(async () => {
    await Promise.all(regs.map((r) => r.stop()));
    await backend?.cleanup();
  });

  it('lose no update when 24 releases join one channel at once through two processes', async () => {
    const token = await login(regs[0]!.url, 'chan');
    const releases = Array.from({ length: 24 }, (_, i) => `2.0.${i}`);
    for (const r of releases)
      expect((await push(regs[0]!.url, token, 'chan/pkg', packageBlob('chan/pkg', r), r)).status).toBe(200);
    const adds = await Promise.all(
      releases.map((r, i) =>
        call(regs[i % 2]!.url, 'POST', `/api/v1/packages/chan/pkg/channels/stable/${r}`, { token }),
      ),
    );
    expect(adds.map((a) => a.status)).toEqual(releases.map(() => 200));
    for (const reg of regs) {
      const channel = await call(reg.url, 'GET', '/api/v1/packages/chan/pkg/channels/stable');
      expect(new Set(channel.body.releases)).toEqual(new Set(releases));
    }
    // Removing them all at once must end with the channel deleted, not a half-empty leftover.
    const removes = await Promise.all(
      releases.map((r, i) =>
        call(regs[i % 2]!.url, 'DELETE', `/api/v1/packages/chan/pkg/channels/stable/${r}`, { token }),
      ),
    );
    expect(removes.map((a) => a.status)).toEqual(releases.map(() => 200));
    expect((await call(regs[1]!.url, 'GET', '/api/v1/packages/chan/pkg/channels/stable')).status).toBe(404);
  });
});

describe('500 concurrent pushes of distinct releases over two processes sharing one PostgreSQL', () => {
  let backend: Backend;
  let regs: RunningRegistry[] = [];

  beforeAll(async () => {
    backend = await makeBackend('postgres');
    await addUser(backend.storage, 'fleet');
    regs = await Promise.all([startRegistry(backend.storage), startRegistry(backend.storage)]);
  });

  afterAll(async () => {
    await Promise.all(regs.map((r) => r.stop()));
    await backend?.cleanup();
  });

  it('lists all 500 on both processes and serves each with its digest from both', async () => {
    const token = await login(regs[0]!.url, 'fleet');
    const releases = Array.from({ length: 500 }, (_, i) => `1.${Math.floor(i / 50)}.${i % 50}`);
    const blobs = new Map(
      releases.map((r) => [r, packageBlob(`fleet/app${Number(r.split('.')[1]) % 5}`, r)]),
    );
    const pkgOf = (r: string) => `fleet/app${Number(r.split('.')[1]) % 5}`;
    const results = await Promise.all(
      releases.map((r, i) => push(regs[i % 2]!.url, token, pkgOf(r), blobs.get(r) as Buffer, r)),
    );
    expect(results.filter((r) => r.status !== 200)).toEqual([]);

    for (const reg of regs) {
      const list = await call(reg.url, 'GET', '/api/v1/packages?namespace=fleet');
      const listed = (list.body as { releases: string[] }[]).flatMap((p) => p.releases);
      expect(new Set(listed)).toEqual(new Set(releases));
    }
    const mismatches: string[] = [];
    const queue = [...releases];
    const worker = async () => {
      for (let r = queue.pop(); r !== undefined; r = queue.pop()) {
        const expected = blobs.get(r) as Buffer;
        for (const reg of regs) {
          const res = await fetch(`${reg.url}/api/v1/packages/${pkgOf(r)}/${r}/stackanetes/pull`);
          const body = Buffer.from(await res.arrayBuffer());
          if (
            res.status !== 200 ||
            sha(body) !== sha(expected) ||
            res.headers.get('x-stackanetes-digest') !== `sha256:${sha(gunzipSync(expected))}`
          ) {
            mismatches.push(`${reg.url} ${r}: ${res.status}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(mismatches).toEqual([]);
  });
});
