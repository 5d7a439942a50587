/**
 * Hostile requests: each must get its specific 4xx and leave the stored state byte-identical
 * (every file of the storage directory, or every row of every table, hashed before and after).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, relative } from 'node:path';
import pg from 'pg';
import { makeBackend, type Backend } from './contract.js';
import { gzipBomb, packageBlob, pseudoRandomText, tarGz } from './helpers/tarball.js';
import { addUser, call, login, pushBody, startRegistry, type RunningRegistry } from './helpers/registry.js';

const TABLES = [
  'users',
  'tokens',
  'namespaces',
  'namespace_members',
  'blobs',
  'packages',
  'releases',
  'channels',
  'channel_releases',
  'stackanetes_registry_migrations',
];

function hashDir(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else
        h.update(`${relative(root, path)}\0`)
          .update(readFileSync(path))
          .update('\0');
    }
  };
  walk(root);
  return h.digest('hex');
}

async function hashDb(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const h = createHash('sha256');
    for (const table of TABLES) {
      const { rows } = await client.query(`SELECT * FROM ${table}`);
      const lines = rows
        .map((r) =>
          JSON.stringify(r, (_k, v) =>
            v && v.type === 'Buffer' ? createHash('sha256').update(Buffer.from(v.data)).digest('hex') : v,
          ),
        )
        .sort();
      h.update(`${table}\n${lines.join('\n')}\n`);
    }
    return h.digest('hex');
  } finally {
    await client.end();
  }
}

interface Hostile {
  name: string;
  method: string;
  path: string;
  token?: 'alice' | 'bob' | 'revoked' | 'expired' | 'garbage';
  body?: string | Buffer;
  status: number;
  code: string;
}

const push = (pkg: string, blob: Buffer, release: string, mediaType = 'stackanetes') => ({
  method: 'POST',
  path: `/api/v1/packages/${pkg}`,
  body: pushBody(blob, release, mediaType),
});

/** A pax header member giving the next member a path too long for ustar. */
const paxPath = (path: string) => {
  const body = ` path=${path}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len)
    len = String(len).length + Buffer.byteLength(body);
  return { path: 'PaxHeader', type: 'x', content: `${len}${body}` };
};

/** A push body whose metadata nests `depth` objects (built as text: JSON.stringify would overflow first). */
const deepMetadataBody = (depth: number) =>
  pushBody(packageBlob('alice/app', '2.0.0'), '2.0.0').replace(
    /}$/,
    `,"metadata":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`,
  );

const HOSTILE: Hostile[] = [
  {
    name: 'push without a token',
    ...push('alice/app', packageBlob('alice/app', '2.0.0'), '2.0.0'),
    status: 401,
    code: 'unauthorized-access',
  },
  {
    name: 'push with an unknown token',
    token: 'garbage',
    ...push('alice/app', packageBlob('alice/app', '2.0.0'), '2.0.0'),
    status: 401,
    code: 'unauthorized-access',
  },
  {
    name: 'push with a revoked token',
    token: 'revoked',
    ...push('bob/evil', packageBlob('bob/evil', '1.0.0'), '1.0.0'),
    status: 401,
    code: 'unauthorized-access',
  },
  {
    name: 'push with an expired token',
    token: 'expired',
    ...push('bob/evil', packageBlob('bob/evil', '1.0.0'), '1.0.0'),
    status: 401,
    code: 'unauthorized-access',
  },
  {
    name: "push into another user's namespace",
    token: 'bob',
    ...push('alice/app', packageBlob('alice/app', '2.0.0'), '2.0.0'),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'delete a release in another namespace',
    token: 'bob',
    method: 'DELETE',
    path: '/api/v1/packages/alice/app/1.0.0/stackanetes',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'change a channel in another namespace',
    token: 'bob',
    method: 'DELETE',
    path: '/api/v1/packages/alice/app/channels/stable',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'add a member as a non-owner',
    token: 'bob',
    method: 'PUT',
    path: '/api/v1/namespaces/alice/members/bob',
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'path traversal in the namespace',
    token: 'alice',
    ...push('..%2F..%2Fetc/app', packageBlob('alice/app', '2.0.0'), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'path traversal in the package name',
    token: 'alice',
    ...push('alice/..%2Fapp', packageBlob('alice/app', '2.0.0'), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'tar slip member ../',
    token: 'alice',
    ...push(
      'alice/app',
      packageBlob('alice/app', '2.0.0', [{ path: '../../evil.sh', content: 'x' }]),
      '2.0.0',
    ),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'absolute member path',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '2.0.0', [{ path: '/etc/passwd', content: 'x' }]), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'symlink member',
    token: 'alice',
    ...push(
      'alice/app',
      packageBlob('alice/app', '2.0.0', [{ path: 'templates/link', type: '2', linkName: '/etc/shadow' }]),
      '2.0.0',
    ),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'hard link member',
    token: 'alice',
    ...push(
      'alice/app',
      packageBlob('alice/app', '2.0.0', [{ path: 'templates/hard', type: '1', linkName: 'manifest.yaml' }]),
      '2.0.0',
    ),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'character device member',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '2.0.0', [{ path: 'dev/null', type: '3' }]), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'oversized body',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '2.0.0', [], 0), '2.0.0'),
    body: JSON.stringify({
      blob: pseudoRandomText(1536 * 1024, 'big'),
      release: '2.0.0',
      media_type: 'stackanetes',
    }),
    status: 413,
    code: 'payload-too-large',
  },
  {
    name: 'gzip bomb',
    token: 'alice',
    ...push('alice/app', gzipBomb('alice/app', '2.0.0', 6 * 1024 * 1024), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'non-semver release with a leading v',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', 'v2.0.0'), 'v2.0.0'),
    status: 422,
    code: 'invalid-release',
  },
  {
    name: 'non-semver release 2.0',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '2.0'), '2.0'),
    status: 422,
    code: 'invalid-release',
  },
  {
    name: 'channel name with ..',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app/channels/..%2F..%2Fx/1.0.0',
    status: 422,
    code: 'invalid-parameters',
  },
  {
    name: 'channel name with /',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app/channels/a%2Fb/1.0.0',
    status: 422,
    code: 'invalid-parameters',
  },
  {
    name: 'malformed JSON body',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app',
    body: '{"blob": "abc", "release": ',
    status: 400,
    code: 'invalid-usage',
  },
  {
    name: 'blob that is not base64',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app',
    body: JSON.stringify({ blob: '<script>!', release: '2.0.0', media_type: 'stackanetes' }),
    status: 400,
    code: 'invalid-usage',
  },
  {
    name: 'blob that is not gzip',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app',
    body: pushBody(Buffer.from('plain text, not a tarball at all'), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'wrong media type',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '2.0.0'), '2.0.0', '../../x'),
    status: 422,
    code: 'invalid-parameters',
  },
  {
    name: 'manifest names another package',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/other', '2.0.0'), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'manifest has another version',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '3.0.0'), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'package without manifest.yaml',
    token: 'alice',
    ...push('alice/app', tarGz([{ path: 'README.md', content: 'x' }]), '2.0.0'),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'duplicate push without force',
    token: 'alice',
    ...push('alice/app', packageBlob('alice/app', '1.0.0', [{ path: 'x', content: 'y' }]), '1.0.0'),
    status: 409,
    code: 'package-exists',
  },
  {
    name: 'member name longer than a client can write (290 characters)',
    token: 'alice',
    ...push(
      'alice/app',
      packageBlob('alice/app', '2.0.0', [
        paxPath(`templates/${'n'.repeat(290)}.yaml`),
        { path: 'x', content: 'y' },
      ]),
      '2.0.0',
    ),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'more files than a client can pull',
    token: 'alice',
    ...push(
      'alice/app',
      packageBlob(
        'alice/app',
        '2.0.0',
        Array.from({ length: 2001 }, (_, i) => ({ path: `f/${i}`, content: '' })),
      ),
      '2.0.0',
    ),
    status: 422,
    code: 'invalid-package',
  },
  {
    name: 'metadata nested 20,000 levels deep',
    token: 'alice',
    method: 'POST',
    path: '/api/v1/packages/alice/app',
    body: deepMetadataBody(20000),
    status: 422,
    code: 'invalid-parameters',
  },
  {
    name: 'login with a wrong password',
    method: 'POST',
    path: '/api/v1/users/login',
    body: JSON.stringify({ user: { username: 'alice', password: 'guess-guess' } }),
    status: 401,
    code: 'unauthorized-access',
  },
  {
    name: 'sign-up while disabled',
    method: 'POST',
    path: '/api/v1/users',
    body: JSON.stringify({ user: { username: 'mallory', password: 'password' } }),
    status: 403,
    code: 'forbidden',
  },
  {
    name: 'malformed digest',
    method: 'GET',
    path: '/api/v1/packages/alice/app/blobs/sha256/..%2F..%2Fetc',
    status: 422,
    code: 'invalid-parameters',
  },
  {
    name: 'bad percent-encoding in the path',
    method: 'GET',
    path: '/api/v1/packages/alice/%E0%A4%A',
    status: 400,
    code: 'invalid-usage',
  },
];

describe.each(['filesystem', 'postgres'] as const)('hostile requests against %s storage', (kind) => {
  let backend: Backend;
  let reg: RunningRegistry;
  const tokens: Record<string, string> = { garbage: 'stk_not-a-real-token' };
  const snapshot = () =>
    kind === 'postgres' ? hashDb(backend.storage) : Promise.resolve(hashDir(backend.storage));

  beforeAll(async () => {
    backend = await makeBackend(kind);
    await addUser(backend.storage, 'alice');
    await addUser(backend.storage, 'bob');
    reg = await startRegistry(backend.storage, ['--max-body', '1MiB', '--max-unpacked', '4MiB']);
    tokens.alice = await login(reg.url, 'alice');
    tokens.bob = await login(reg.url, 'bob');
    tokens.revoked = await login(reg.url, 'bob');
    await call(reg.url, 'DELETE', '/api/v1/users/login', { token: tokens.revoked });
    const short = await startRegistry(backend.storage, ['--token-ttl', '1s']);
    tokens.expired = await login(short.url, 'bob');
    await short.stop();
    expect(
      (
        await call(reg.url, 'POST', '/api/v1/packages/alice/app', {
          token: tokens.alice,
          body: pushBody(packageBlob('alice/app', '1.0.0'), '1.0.0'),
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(reg.url, 'POST', '/api/v1/packages/alice/app/channels/stable/1.0.0', {
          token: tokens.alice,
        })
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 1100)); // let the 1s token expire
  });

  afterAll(async () => {
    await reg?.stop();
    await backend?.cleanup();
  });

  it('has at least 20 distinct hostile requests', () => {
    expect(new Set(HOSTILE.map((h) => h.name)).size).toBe(HOSTILE.length);
    expect(HOSTILE.length).toBeGreaterThanOrEqual(20);
  });

  it.each(HOSTILE)('answers "$name" with $status $code and leaves storage byte-identical', async (h) => {
    const before = await snapshot();
    const r = await call(reg.url, h.method, h.path, {
      token: h.token ? tokens[h.token] : undefined,
      body: h.body,
    });
    expect([r.status, r.body?.error?.code]).toEqual([h.status, h.code]);
    expect(await snapshot()).toBe(before);
  });

  it('answers an identical re-push with 200 unchanged, leaving storage byte-identical', async () => {
    const before = await snapshot();
    const r = await call(reg.url, 'POST', '/api/v1/packages/alice/app', {
      token: tokens.alice,
      body: pushBody(packageBlob('alice/app', '1.0.0'), '1.0.0'),
    });
    expect([r.status, r.body?.unchanged, r.body?.replaced]).toEqual([200, true, false]);
    expect(await snapshot()).toBe(before);
  });

  it('still serves the untouched release afterwards', async () => {
    expect((await call(reg.url, 'GET', '/api/v1/packages/alice/app/channels/stable')).body).toEqual({
      name: 'stable',
      current: '1.0.0',
      releases: ['1.0.0'],
    });
    expect((await fetch(`${reg.url}/api/v1/packages/alice/app/1.0.0/stackanetes/pull`)).status).toBe(200);
  });
});

describe('registry server files and slow bodies', () => {
  let backend: Backend;
  let reg: RunningRegistry;
  let token = '';
  beforeAll(async () => {
    backend = await makeBackend('filesystem');
    await addUser(backend.storage, 'alice');
    reg = await startRegistry(backend.storage, ['--body-timeout', '1s']);
    token = await login(reg.url, 'alice');
  });
  afterAll(async () => {
    await reg?.stop();
    await backend?.cleanup();
  });

  it('keeps auth files private: 0700 directory, 0600 files', () => {
    const auth = join(backend.storage, 'auth');
    expect(statSync(auth).mode & 0o777).toBe(0o700);
    const files = readdirSync(auth);
    expect(files).toEqual(expect.arrayContaining(['users.json', 'tokens.json']));
    for (const file of files) expect([file, statSync(join(auth, file)).mode & 0o777]).toEqual([file, 0o600]);
  });

  it('answers 408 when a body never arrives in full (Content-Length larger than what is sent)', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(reg.port, '127.0.0.1', () => {
        socket.write(
          `POST /api/v1/packages/alice/app HTTP/1.1\r\nhost: x\r\nauthorization: ${token}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"blob":`,
        );
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 20000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('request-timeout');
    expect(Date.now() - started).toBeLessThan(10000);
  });
});
