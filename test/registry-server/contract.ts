/**
 * The one contract suite both storage back ends must pass, driven over HTTP against the real
 * server process: what appr's conformance tests check (bad release 422, duplicate 409, force 200,
 * non-semver pull 422), plus pulls by default/range/digest, listings, channels and auth.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli } from '../helpers/cli.js';
import { packageBlob, tarGz } from './helpers/tarball.js';
import {
  addUser,
  call,
  createDatabase,
  login,
  push,
  startRegistry,
  type RunningRegistry,
} from './helpers/registry.js';

/** Storage for one suite run and how to dispose of it. */
export interface Backend {
  storage: string;
  cleanup(): Promise<void>;
}

/** A fresh filesystem or PostgreSQL store. */
export async function makeBackend(kind: 'filesystem' | 'postgres'): Promise<Backend> {
  if (kind === 'postgres') {
    const db = await createDatabase();
    return { storage: db.url, cleanup: () => db.drop() };
  }
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-registry-'));
  return { storage: dir, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Registers the suite for one back end. */
export function contractSuite(kind: 'filesystem' | 'postgres'): void {
  describe(`registry contract on ${kind} storage`, () => {
    let backend: Backend;
    let reg: RunningRegistry;
    let alice: string;
    let bob: string;
    const admin = (args: string[], input = '') =>
      runCli([...args, '--storage', backend.storage], { bin: 'stackanetes-registry', input });

    beforeAll(async () => {
      backend = await makeBackend(kind);
      await addUser(backend.storage, 'alice');
      await addUser(backend.storage, 'bob');
      reg = await startRegistry(backend.storage);
      alice = await login(reg.url, 'alice');
      bob = await login(reg.url, 'bob');
    });

    afterAll(async () => {
      await reg?.stop();
      await backend?.cleanup();
    });

    it('answers /version, /healthz and /readyz', async () => {
      expect((await call(reg.url, 'GET', '/version')).body['appr-api']).toMatch(/^\d+\.\d+\.\d+/);
      expect((await call(reg.url, 'GET', '/cnr/version')).status).toBe(200);
      expect((await call(reg.url, 'GET', '/healthz')).status).toBe(200);
      expect((await call(reg.url, 'GET', '/readyz')).body).toEqual({ status: 'ready', storage: kind });
    });

    it('refuses a login with a wrong password or unknown user with 401 unauthorized-access', async () => {
      for (const user of [
        { username: 'alice', password: 'wrong-password' },
        { username: 'nobody', password: 'password' },
      ]) {
        const r = await call(reg.url, 'POST', '/api/v1/users/login', { body: JSON.stringify({ user }) });
        expect(r.status).toBe(401);
        expect(r.body.error.code).toBe('unauthorized-access');
      }
    });

    it('stores a push and shows its manifest with both digests and no channels', async () => {
      const blob = packageBlob('alice/web', '1.0.0');
      const r = await push(reg.url, alice, 'alice/web', blob, '1.0.0');
      expect(r).toMatchObject({ status: 200, body: { status: 'ok' } });
      const show = await call(reg.url, 'GET', '/api/v1/packages/alice/web/1.0.0/stackanetes');
      expect(show.status).toBe(200);
      expect(show.body).toMatchObject({
        package: 'alice/web',
        release: '1.0.0',
        mediaType: 'application/vnd.appr.package-manifest.stackanetes.v0.json',
        content: {
          mediaType: 'application/vnd.appr.package.stackanetes.v0.tar+gzip',
          size: blob.length,
          digest: sha(gunzipSync(blob)),
          gzipDigest: sha(blob),
          urls: [],
        },
        channels: [],
      });
    });

    it('rejects a duplicate push with 409 package-exists and replaces it with force=true', async () => {
      const first = packageBlob('alice/dup', '1.0.0');
      expect((await push(reg.url, alice, 'alice/dup', first, '1.0.0')).status).toBe(200);
      const second = packageBlob('alice/dup', '1.0.0', [{ path: 'NOTES.txt', content: 'changed' }]);
      const dup = await push(reg.url, alice, 'alice/dup', second, '1.0.0');
      expect(dup.status).toBe(409);
      expect((dup.body.error as { code: string }).code).toBe('package-exists');
      const forced = await push(reg.url, alice, 'alice/dup', second, '1.0.0', { force: true });
      expect(forced).toMatchObject({ status: 200, body: { replaced: true } });
      const pulled = await fetch(`${reg.url}/api/v1/packages/alice/dup/1.0.0/stackanetes/pull`);
      expect(Buffer.from(await pulled.arrayBuffer()).equals(second)).toBe(true);
    });

    it('rejects non-semver releases on push with 422 invalid-release', async () => {
      for (const release of ['v1.0.0', '1.0', 'latest', '1.0.0.0', '01.0.0', '1.0.0+build.1']) {
        const r = await push(reg.url, alice, 'alice/web', packageBlob('alice/web', release), release);
        expect([r.status, (r.body.error as { code: string }).code]).toEqual([422, 'invalid-release']);
      }
    });

    it('pulls by exact release, default, range and digest, as gzip and as JSON, at the root and under /cnr', async () => {
      const blobs = new Map<string, Buffer>();
      for (const release of ['1.0.0', '1.5.2', '2.0.0-beta.1', '1.10.0']) {
        const blob = packageBlob('alice/api', release);
        blobs.set(release, blob);
        expect((await push(reg.url, alice, 'alice/api', blob, release)).status).toBe(200);
      }
      const pull = async (path: string) => {
        const r = await fetch(`${reg.url}${path}`);
        expect(r.status).toBe(200);
        return Buffer.from(await r.arrayBuffer());
      };
      expect(
        (await pull('/api/v1/packages/alice/api/1.5.2/stackanetes/pull')).equals(
          blobs.get('1.5.2') as Buffer,
        ),
      ).toBe(true);
      expect(
        (await pull('/cnr/api/v1/packages/alice/api/default/-/pull')).equals(blobs.get('1.10.0') as Buffer),
      ).toBe(true);
      expect(
        (
          await pull(`/api/v1/packages/alice/api/${encodeURIComponent('>=1.0.0,<1.6.0')}/stackanetes/pull`)
        ).equals(blobs.get('1.5.2') as Buffer),
      ).toBe(true);
      expect(
        (await pull(`/api/v1/packages/alice/api/${encodeURIComponent('>=2.0.0-beta.0')}/-/pull`)).equals(
          blobs.get('2.0.0-beta.1') as Buffer,
        ),
      ).toBe(true);
      const b = blobs.get('1.0.0') as Buffer;
      expect((await pull(`/api/v1/packages/alice/api/blobs/sha256/${sha(gunzipSync(b))}`)).equals(b)).toBe(
        true,
      );
      expect((await pull(`/api/v1/packages/alice/api/blobs/sha256/sha256:${sha(b)}`)).equals(b)).toBe(true);
      const json = await call(reg.url, 'GET', '/api/v1/packages/alice/api/1.0.0/stackanetes/pull/json');
      expect(json.body).toMatchObject({ package: 'alice/api', release: '1.0.0', media_type: 'stackanetes' });
      expect(Buffer.from(json.body.blob, 'base64').equals(b)).toBe(true);
      const query = await call(
        reg.url,
        'GET',
        '/api/v1/packages/alice/api/1.0.0/stackanetes/pull?format=json',
      );
      expect(query.body.blob).toBe(json.body.blob);
      const res = await fetch(`${reg.url}/api/v1/packages/alice/api/1.0.0/stackanetes/pull`);
      expect(res.headers.get('content-type')).toBe('application/x-gzip');
    });

    it('answers 422 for a non-semver pull and 404 for missing packages and releases', async () => {
      const bad = await call(reg.url, 'GET', '/api/v1/packages/alice/api/not-a-version/stackanetes/pull');
      expect([bad.status, bad.body.error.code]).toEqual([422, 'invalid-release']);
      const noRelease = await call(reg.url, 'GET', '/api/v1/packages/alice/api/9.9.9/stackanetes/pull');
      expect([noRelease.status, noRelease.body.error.code]).toEqual([404, 'package-release-not-found']);
      const noRange = await call(
        reg.url,
        'GET',
        `/api/v1/packages/alice/api/${encodeURIComponent('>=5.0.0')}`,
      );
      expect([noRange.status, noRange.body.error.code]).toEqual([404, 'package-release-not-found']);
      const noPkg = await call(reg.url, 'GET', '/api/v1/packages/alice/nothing/1.0.0/stackanetes');
      expect([noPkg.status, noPkg.body.error.code]).toEqual([404, 'package-not-found']);
      const noBlob = await call(reg.url, 'GET', `/api/v1/packages/alice/api/blobs/sha256/${'0'.repeat(64)}`);
      expect(noBlob.status).toBe(404);
    });

    it('lists every release of a package newest first, and the manifests of one release', async () => {
      const all = await call(reg.url, 'GET', '/api/v1/packages/alice/api');
      expect(all.body.map((m: { release: string }) => m.release)).toEqual([
        '2.0.0-beta.1',
        '1.10.0',
        '1.5.2',
        '1.0.0',
      ]);
      const one = await call(reg.url, 'GET', '/api/v1/packages/alice/api/default');
      expect(one.body.map((m: { release: string }) => m.release)).toEqual(['1.10.0']);
    });

    it('lists packages filtered by namespace, substring query and media type, and searches without regex', async () => {
      const kpm = tarGz([{ path: 'opaque/anything.txt', content: 'x' }]);
      expect((await push(reg.url, bob, 'bob/tool', kpm, '0.1.0', { mediaType: 'kpm' })).status).toBe(200);
      const list = await call(reg.url, 'GET', '/api/v1/packages?namespace=alice');
      expect(list.body.map((p: { name: string }) => p.name)).toEqual(['alice/api', 'alice/dup', 'alice/web']);
      expect(list.body[0]).toMatchObject({
        default: '1.10.0',
        releases: ['2.0.0-beta.1', '1.10.0', '1.5.2', '1.0.0'],
        manifests: ['stackanetes'],
        visibility: 'public',
      });
      expect(
        (await call(reg.url, 'GET', '/api/v1/packages?query=ap')).body.map((p: { name: string }) => p.name),
      ).toEqual(['alice/api']);
      expect(
        (await call(reg.url, 'GET', '/api/v1/packages?media_type=kpm')).body.map(
          (p: { name: string }) => p.name,
        ),
      ).toEqual(['bob/tool']);
      expect((await call(reg.url, 'GET', '/api/v1/packages/search?q=e/w')).body).toEqual(['alice/web']);
      expect(
        (await call(reg.url, 'GET', `/api/v1/packages/search?q=${encodeURIComponent('.*')}`)).body,
      ).toEqual([]);
    });

    it('stores other media types opaquely and makes "-" ambiguous when a release has two', async () => {
      const own = packageBlob('bob/tool', '0.1.0');
      expect((await push(reg.url, bob, 'bob/tool', own, '0.1.0')).status).toBe(200);
      const ambiguous = await call(reg.url, 'GET', '/api/v1/packages/bob/tool/0.1.0/-');
      expect([ambiguous.status, ambiguous.body.error.code]).toEqual([422, 'invalid-parameters']);
      expect(
        (await call(reg.url, 'GET', '/api/v1/packages/bob/tool/0.1.0')).body.map(
          (m: { mediaType: string }) => m.mediaType,
        ),
      ).toEqual([
        'application/vnd.appr.package-manifest.kpm.v0.json',
        'application/vnd.appr.package-manifest.stackanetes.v0.json',
      ]);
    });

    it('creates a channel by adding a release, moves current to the release added last, and shows it on the manifest', async () => {
      const a = await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/stable/1.5.2', {
        token: alice,
      });
      expect(a.body).toEqual({ name: 'stable', current: '1.5.2', releases: ['1.5.2'] });
      const b = await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/stable/1.0.0', {
        token: alice,
      });
      expect(b.body).toEqual({ name: 'stable', current: '1.0.0', releases: ['1.5.2', '1.0.0'] });
      await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/beta/2.0.0-beta.1', { token: alice });
      await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/beta/1.5.2', { token: alice });
      const list = await call(reg.url, 'GET', '/cnr/api/v1/packages/alice/api/channels');
      expect(list.body).toEqual([
        { name: 'beta', current: '1.5.2', releases: ['2.0.0-beta.1', '1.5.2'] },
        { name: 'stable', current: '1.0.0', releases: ['1.5.2', '1.0.0'] },
      ]);
      expect(
        (await call(reg.url, 'GET', '/api/v1/packages/alice/api/1.5.2/stackanetes')).body.channels,
      ).toEqual(['beta', 'stable']);
      const missing = await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/stable/7.0.0', {
        token: alice,
      });
      expect([missing.status, missing.body.error.code]).toEqual([404, 'package-release-not-found']);
    });

    it('falls back to the highest remaining release when current is removed, and deletes a channel with its last release', async () => {
      const r1 = await call(reg.url, 'DELETE', '/api/v1/packages/alice/api/channels/stable/1.0.0', {
        token: alice,
      });
      expect(r1.body).toEqual({ name: 'stable', current: '1.5.2', releases: ['1.5.2'] });
      await call(reg.url, 'DELETE', '/api/v1/packages/alice/api/channels/stable/1.5.2', { token: alice });
      const gone = await call(reg.url, 'GET', '/api/v1/packages/alice/api/channels/stable');
      expect([gone.status, gone.body.error.code]).toEqual([404, 'channel-not-found']);
      expect((await call(reg.url, 'GET', '/api/v1/packages/alice/api/channels/beta')).body.current).toBe(
        '1.5.2',
      );
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/alice/api/channels/beta', { token: alice })).status,
      ).toBe(200);
      expect((await call(reg.url, 'GET', '/api/v1/packages/alice/api/channels')).body).toEqual([]);
    });

    it('deletes a release and removes it from every channel it was in', async () => {
      await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/stable/1.0.0', { token: alice });
      await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/stable/1.10.0', { token: alice });
      await call(reg.url, 'POST', '/api/v1/packages/alice/api/channels/edge/1.10.0', { token: alice });
      const del = await call(reg.url, 'DELETE', '/api/v1/packages/alice/api/1.10.0/stackanetes', {
        token: alice,
      });
      expect(del.body).toEqual({
        status: 'deleted',
        package: 'alice/api',
        release: '1.10.0',
        media_type: 'stackanetes',
      });
      expect((await call(reg.url, 'GET', '/api/v1/packages/alice/api/channels')).body).toEqual([
        { name: 'stable', current: '1.0.0', releases: ['1.0.0'] },
      ]);
      expect((await call(reg.url, 'GET', '/api/v1/packages/alice/api/default')).body[0].release).toBe(
        '1.5.2',
      );
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/alice/api/1.10.0/stackanetes', { token: alice }))
          .status,
      ).toBe(404);
    });

    it('treats valid names that are also Object.prototype keys (constructor, toString) as ordinary names', async () => {
      const blob = packageBlob('constructor/app', '1.0.0');
      expect((await push(reg.url, bob, 'constructor/app', blob, '1.0.0')).status).toBe(200);
      expect(
        (await call(reg.url, 'GET', '/api/v1/namespaces/constructor/members', { token: bob })).body,
      ).toEqual([{ username: 'bob', role: 'owner' }]);
      const denied = await push(
        reg.url,
        alice,
        'constructor/app',
        packageBlob('constructor/app', '1.1.0'),
        '1.1.0',
      );
      expect(denied.status).toBe(403);
      expect(
        (await push(reg.url, bob, 'constructor/app', packageBlob('constructor/app', '1.1.0'), '1.1.0'))
          .status,
      ).toBe(200);
      for (const channel of ['constructor', 'toString']) {
        const path = `/api/v1/packages/constructor/app/channels/${channel}`;
        expect((await call(reg.url, 'GET', path)).status).toBe(404);
        expect((await call(reg.url, 'DELETE', path, { token: bob })).status).toBe(404);
        expect((await call(reg.url, 'DELETE', `${path}/1.0.0`, { token: bob })).status).toBe(404);
        expect((await call(reg.url, 'POST', `${path}/1.0.0`, { token: bob })).body).toEqual({
          name: channel,
          current: '1.0.0',
          releases: ['1.0.0'],
        });
      }
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/constructor/app/1.0.0/stackanetes', { token: bob }))
          .status,
      ).toBe(200);
      expect((await call(reg.url, 'GET', '/api/v1/packages/constructor/app/channels')).body).toEqual([]);
    });

    it('gives a namespace to its first pusher; others get 403 until an owner adds them over HTTP', async () => {
      const blob = packageBlob('alice/shared', '1.0.0');
      expect((await push(reg.url, alice, 'alice/shared', blob, '1.0.0')).status).toBe(200);
      const denied = await push(reg.url, bob, 'alice/shared', packageBlob('alice/shared', '1.1.0'), '1.1.0');
      expect([denied.status, (denied.body.error as { code: string }).code]).toEqual([403, 'forbidden']);
      expect(
        (await call(reg.url, 'PUT', '/api/v1/namespaces/alice/members/bob', { token: bob })).status,
      ).toBe(403);
      expect(
        (
          await call(reg.url, 'PUT', '/api/v1/namespaces/alice/members/bob', {
            token: alice,
            body: '{"role":"member"}',
          })
        ).status,
      ).toBe(200);
      expect((await call(reg.url, 'GET', '/api/v1/namespaces/alice/members', { token: bob })).body).toEqual([
        { username: 'alice', role: 'owner' },
        { username: 'bob', role: 'member' },
      ]);
      expect(
        (await push(reg.url, bob, 'alice/shared', packageBlob('alice/shared', '1.1.0'), '1.1.0')).status,
      ).toBe(200);
      expect(
        (await call(reg.url, 'POST', '/api/v1/packages/alice/shared/channels/stable/1.1.0', { token: bob }))
          .status,
      ).toBe(200);
      expect(
        (await call(reg.url, 'PUT', '/api/v1/namespaces/alice/members/carol', { token: bob })).status,
      ).toBe(403);
      const lastOwner = await call(reg.url, 'DELETE', '/api/v1/namespaces/alice/members/alice', {
        token: alice,
      });
      expect([lastOwner.status, lastOwner.body.error.code]).toEqual([409, 'resource-in-use']);
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/namespaces/alice/members/bob', { token: alice })).status,
      ).toBe(200);
      expect(
        (await push(reg.url, bob, 'alice/shared', packageBlob('alice/shared', '1.2.0'), '1.2.0')).status,
      ).toBe(403);
      expect(
        (await call(reg.url, 'DELETE', '/api/v1/packages/alice/shared/1.0.0/stackanetes', { token: bob }))
          .status,
      ).toBe(403);
    });

    it('manages members, users and tokens with the admin CLI', async () => {
      await addUser(backend.storage, 'carol');
      expect((await admin(['member', 'add', 'alice', 'carol'])).code).toBe(0);
      const list = await admin(['member', 'list', 'alice']);
      expect(list.stdout.trim().split('\n')).toEqual(['alice\towner', 'carol\tmember']);
      const carol = await login(reg.url, 'carol');
      expect(
        (await push(reg.url, carol, 'alice/shared', packageBlob('alice/shared', '1.3.0'), '1.3.0')).status,
      ).toBe(200);
      expect((await admin(['token', 'revoke', 'carol'])).stdout).toContain('1 token(s) of carol revoked');
      const revoked = await push(
        reg.url,
        carol,
        'alice/shared',
        packageBlob('alice/shared', '1.4.0'),
        '1.4.0',
      );
      expect(revoked.status).toBe(401);
      expect((await admin(['member', 'remove', 'alice', 'alice'])).code).toBe(5);
      expect((await admin(['member', 'remove', 'alice', 'carol'])).code).toBe(0);
      expect((await admin(['user', 'list'])).stdout).toMatch(/^alice\t.*\nbob\t.*\ncarol\t/);
      expect((await admin(['user', 'remove', 'carol'])).code).toBe(0);
      expect(
        (
          await call(reg.url, 'POST', '/api/v1/users/login', {
            body: JSON.stringify({ user: { username: 'carol', password: 'password' } }),
          })
        ).status,
      ).toBe(401);
      const dup = await admin(['user', 'add', 'bob'], 'password\n');
      expect([dup.code, dup.stderr]).toEqual([5, 'error: user bob already exists\n']);
    });

    it('revokes the presented token on DELETE /api/v1/users/login', async () => {
      const token = await login(reg.url, 'bob');
      expect((await call(reg.url, 'DELETE', '/api/v1/users/login', { token })).status).toBe(200);
      expect((await push(reg.url, token, 'bob/tool', packageBlob('bob/tool', '0.2.0'), '0.2.0')).status).toBe(
        401,
      );
    });

    it('expires tokens after the configured lifetime, across processes sharing the storage', async () => {
      const short = await startRegistry(backend.storage, ['--token-ttl', '1s']);
      try {
        const token = await login(short.url, 'bob');
        expect(
          (await push(reg.url, token, 'bob/tool', packageBlob('bob/tool', '0.3.0'), '0.3.0')).status,
        ).toBe(200);
        await new Promise((r) => setTimeout(r, 1200));
        const expired = await push(reg.url, token, 'bob/tool', packageBlob('bob/tool', '0.4.0'), '0.4.0');
        expect([expired.status, (expired.body.error as { message: string }).message]).toEqual([
          401,
          expect.stringContaining('expired'),
        ]);
      } finally {
        await short.stop();
      }
    });

    it('requires a token for reads when anonymous reads are off, and refuses sign-up unless enabled', async () => {
      const closed = await startRegistry(backend.storage, ['--anonymous-reads', 'false', '--allow-signup']);
      try {
        expect((await call(closed.url, 'GET', '/api/v1/packages/alice/web/1.0.0/stackanetes')).status).toBe(
          401,
        );
        expect(
          (await call(closed.url, 'GET', '/api/v1/packages/alice/web/1.0.0/stackanetes', { token: alice }))
            .status,
        ).toBe(200);
        const signup = await call(closed.url, 'POST', '/api/v1/users', {
          body: JSON.stringify({ user: { username: 'dave', password: 'password' } }),
        });
        expect(signup.status).toBe(201);
        expect((await call(closed.url, 'GET', '/api/v1/packages', { token: signup.body.token })).status).toBe(
          200,
        );
      } finally {
        await closed.stop();
      }
      const r = await call(reg.url, 'POST', '/api/v1/users', {
        body: JSON.stringify({ user: { username: 'erin', password: 'password' } }),
      });
      expect([r.status, r.body.error.code]).toEqual([403, 'forbidden']);
    });
  });
}
