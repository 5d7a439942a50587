/**
 * Rendering through the registry source, in process: renderReference (the render core's entry)
 * given createPackageSource, against a real registry-server. Proves that a meta-package's
 * range/channel/digest dependencies resolve, the lockfile records them, --locked replays them
 * (even with a newer release pushed, and offline from the cache), local siblings win over the
 * registry, and a corrupted blob never reaches rendering.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createActionContext } from '../../src/actions/context.js';
import { login } from '../../src/actions/login.js';
import { renderReference } from '../../src/render/pipeline.js';
import { push } from '../../src/actions/push.js';
import { ConflictError, NotFoundError, RegistryError } from '../../src/errors.js';
import { openRegistrySession } from '../../src/registry/session.js';
import { createPackageSource, type CreatePackageSourceOptions } from '../../src/resolve/create-source.js';
import { freePort } from '../services/ports.mjs';
import {
  fixturePackage,
  startProxy,
  startRegistry,
  removeTempDirs,
  tempDir,
  type RunningRegistry,
} from './helpers.js';

let registry: RunningRegistry;
let env: NodeJS.ProcessEnv;
let work: string;
let project: string;
const digests: Record<string, string> = {};

async function pushFixture(
  name: string,
  version: string,
  options: { channels?: string[]; rewrite?: (t: string) => string } = {},
): Promise<string> {
  const dir = fixturePackage(work, name, version, options.rewrite);
  const result = await push(createActionContext({ cwd: work, env: env }), {
    dir,
    channels: options.channels ?? [],
  });
  digests[`${name}@${version}`] = result.digest;
  return result.digest;
}

/** Renders `reference` and returns package → the greeting its ConfigMap carries (which names the version rendered). */
async function render(
  reference: string,
  options: Partial<CreatePackageSourceOptions> = {},
): Promise<{ greetings: Record<string, string>; source: Awaited<ReturnType<typeof createPackageSource>> }> {
  const source = await createPackageSource({
    cwd: project,
    env,
    lockfile: join(project, 'stackanetes.lock'),
    ...options,
  });
  const rendered = await renderReference({ reference, namespace: 'demo', source, cwd: project });
  const greetings: Record<string, string> = {};
  for (const pkg of rendered.packages) {
    for (const { object } of pkg.objects)
      greetings[pkg.name] = String((object as { data?: { greeting?: string } }).data?.greeting);
  }
  return { greetings, source };
}

const lockOf = (): {
  packages: { name: string; version: string; digest?: string; path?: string; registry?: string }[];
} => parse(readFileSync(join(project, 'stackanetes.lock'), 'utf8'));

beforeAll(async () => {
  registry = await startRegistry();
  work = tempDir('render-work');
  env = {
    ...process.env,
    STACKANETES_HOME: tempDir('render-home'),
    STACKANETES_REGISTRY: registry.url,
    CI: 'true',
  };
  await login(createActionContext({ cwd: process.cwd(), env: env }), {
    username: 'alice',
    password: 'password',
  });
  await pushFixture('db', '1.0.0');
  await pushFixture('db', '1.1.0');
  await pushFixture('db', '2.0.0');
  await pushFixture('cache', '1.0.0', { channels: ['stable'] });
  await pushFixture('cache', '1.1.0');
  await pushFixture('web', '1.0.0');
  await pushFixture('web', '1.1.0');
  await pushFixture('meta', '1.0.0', {
    rewrite: (t) => t.replace('WEB_DIGEST', digests['web@1.0.0'] as string),
  });
});

beforeEach(() => {
  project = tempDir('render-project');
});

afterAll(async () => {
  removeTempDirs();
  await registry.stop();
});

describe('rendering through the registry source', () => {
  it('resolves range, channel and digest dependencies to the right releases and writes the lockfile', async () => {
    const { greetings, source } = await render('regtest/meta');
    expect(greetings).toEqual({
      'regtest/db': 'hello from db 1.1.0',
      'regtest/cache': 'hello from cache 1.0.0',
      'regtest/web': 'hello from web 1.0.0',
    });
    expect(
      source
        .resolved()
        .map((r) => `${r.name}@${r.version}`)
        .sort(),
    ).toEqual(['regtest/cache@1.0.0', 'regtest/db@1.1.0', 'regtest/meta@1.0.0', 'regtest/web@1.0.0']);
    await source.writeLock();
    expect(lockOf().packages.map((p) => [p.name, p.version, p.digest])).toEqual([
      ['regtest/cache', '1.0.0', digests['cache@1.0.0']],
      ['regtest/db', '1.1.0', digests['db@1.1.0']],
      ['regtest/meta', '1.0.0', digests['meta@1.0.0']],
      ['regtest/web', '1.0.0', digests['web@1.0.0']],
    ]);
  });

  it('--locked keeps the locked release when a newer one in range is pushed; update takes the new one', async () => {
    await (await render('regtest/meta')).source.writeLock();
    await pushFixture('db', '1.5.0');
    expect((await render('regtest/meta', { locked: true })).greetings['regtest/db']).toBe(
      'hello from db 1.1.0',
    );
    // Without --locked an existing lock still wins while it satisfies the constraints (no silent drift)…
    expect((await render('regtest/meta')).greetings['regtest/db']).toBe('hello from db 1.1.0');
    // …and re-resolving on purpose moves it.
    const fresh = await render('regtest/meta', { ignoreLock: true });
    expect(fresh.greetings['regtest/db']).toBe('hello from db 1.5.0');
    await fresh.source.writeLock();
    expect(lockOf().packages.find((p) => p.name === 'regtest/db')?.version).toBe('1.5.0');
  });

  it('locks dependencies that `when` switches off, so --locked can switch them on later', async () => {
    const dir = join(work, 'gated');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'manifest.yaml'),
      [
        'package: {name: regtest/gated, version: 1.0.0, license: Apache-2.0}',
        'variables: {features: {cache: false}}',
        'resources: []',
        'dependencies:',
        '  - {name: regtest/db, version: "^1.0.0"}',
        '  - {name: regtest/cache, version: "^1.0.0", when: features.cache}',
        '',
      ].join('\n'),
    );
    await push(createActionContext({ cwd: work, env: env }), { dir, channels: [] });
    const first = await render('regtest/gated');
    expect(first.greetings['regtest/cache']).toBeUndefined();
    await first.source.writeLock();
    expect(lockOf().packages.map((p) => p.name)).toContain('regtest/cache');
    const source = await createPackageSource({
      cwd: project,
      env,
      lockfile: join(project, 'stackanetes.lock'),
      locked: true,
    });
    const rendered = await renderReference({
      reference: 'regtest/gated',
      namespace: 'demo',
      source,
      cwd: project,
      sets: ['features.cache=true'],
    });
    expect(rendered.packages.map((p) => p.name)).toContain('regtest/cache');
  });

  it('--locked without a lockfile, or with a package missing from it, refuses to resolve', async () => {
    await expect(createPackageSource({ cwd: project, env, locked: true })).rejects.toThrow(ConflictError);
    writeFileSync(join(project, 'stackanetes.lock'), 'lockVersion: 1\nroots: []\npackages: []\n');
    await expect(render('regtest/meta', { locked: true })).rejects.toThrow(
      '--locked: regtest/meta is not in',
    );
  });

  it('replays a locked render offline from the blob cache', async () => {
    await (await render('regtest/meta')).source.writeLock();
    const port = await freePort();
    const lockPath = join(project, 'stackanetes.lock');
    writeFileSync(
      lockPath,
      readFileSync(lockPath, 'utf8').replaceAll(registry.url, `http://127.0.0.1:${port}`),
    );
    const locked = lockOf().packages.find((p) => p.name === 'regtest/db')?.version;
    const { greetings } = await render('regtest/meta', { locked: true });
    expect(greetings['regtest/db']).toBe(`hello from db ${locked}`);
  });

  it('never renders a blob whose digest does not match the lock', async () => {
    await (await render('regtest/meta')).source.writeLock();
    const proxy = await startProxy(registry.url);
    try {
      const wrong = Buffer.from(
        await (
          await fetch(`${registry.url}/api/v1/packages/regtest/db/2.0.0/stackanetes/pull`)
        ).arrayBuffer(),
      );
      proxy.replaceBody(/\/blobs\/sha256\//, wrong);
      const lockPath = join(project, 'stackanetes.lock');
      writeFileSync(lockPath, readFileSync(lockPath, 'utf8').replaceAll(registry.url, proxy.url));
      const coldEnv = { ...env, STACKANETES_HOME: tempDir('render-cold') };
      const source = await createPackageSource({
        cwd: project,
        env: coldEnv,
        lockfile: lockPath,
        locked: true,
      });
      await expect(
        renderReference({ reference: 'regtest/meta', namespace: 'demo', source, cwd: project }),
      ).rejects.toThrow(/^digest mismatch for regtest\/meta@1\.0\.0/);
      await expect(
        renderReference({ reference: 'regtest/meta', namespace: 'demo', source, cwd: project }),
      ).rejects.toThrow(RegistryError);
    } finally {
      await proxy.stop();
    }
  });

  it('takes dependencies of a local meta-package from sibling directories first, then from the registry', async () => {
    const packages = join(project, 'packages');
    cpSync(
      fixturePackage(work, 'meta', '1.0.0', (t) => t.replace('WEB_DIGEST', digests['web@1.0.0'] as string)),
      join(packages, 'meta'),
      { recursive: true },
    );
    cpSync(fixturePackage(work, 'db', '1.9.0'), join(packages, 'db'), { recursive: true });
    const { greetings, source } = await render(join(packages, 'meta'));
    expect(greetings).toEqual({
      'regtest/db': 'hello from db 1.9.0',
      'regtest/cache': 'hello from cache 1.0.0',
      'regtest/web': 'hello from web 1.0.0',
    });
    expect(source.resolved().find((r) => r.name === 'regtest/db')?.origin).toBe(
      `directory:${join(packages, 'db')}`,
    );
    await source.writeLock();
    const lock = lockOf();
    expect(lock.packages.find((p) => p.name === 'regtest/db')).toEqual({
      name: 'regtest/db',
      version: '1.9.0',
      path: join('packages', 'db'),
    });
    expect(lock.packages.find((p) => p.name === 'regtest/web')?.registry).toBe(registry.url);
  });

  it('asks for the registry session it is given once, on first registry use, and never for a local package', async () => {
    let opened = 0;
    const session = (): ReturnType<typeof openRegistrySession> => {
      opened += 1;
      return openRegistrySession({ env });
    };
    await render(fixturePackage(work, 'db', '1.9.0'), { session, lockfile: join(work, 'local.lock') });
    expect(opened).toBe(0);
    const { greetings } = await render('regtest/meta@1.0.0', { session, lockfile: join(work, 'meta.lock') });
    expect(Object.keys(greetings).length).toBeGreaterThan(1);
    expect(opened).toBe(1);
  });

  it('names the missing package, the registry and who needs it', async () => {
    await pushFixture('meta', '3.0.0', {
      rewrite: (t) => t.replace('regtest/web', 'regtest/absent').replace(/digest: .*/, 'version: "*"'),
    });
    const failure = render('regtest/meta@3.0.0');
    await expect(failure).rejects.toThrow(NotFoundError);
    await expect(render('regtest/meta@3.0.0')).rejects.toThrow(
      /^package regtest\/absent not found at registry 127\.0\.0\.1:\d+ \(required by regtest\/meta@3\.0\.0\)$/,
    );
  });

  it('reports a diamond with incompatible constraints across registry packages', async () => {
    await pushFixture('web', '5.0.0', {
      rewrite: (t) => `${t}\ndependencies:\n  - name: regtest/db\n    version: "^2.0.0"\n`,
    });
    await pushFixture('meta', '4.0.0', { rewrite: (t) => t.replace(/digest: .*/, 'version: "5.0.0"') });
    await expect(render('regtest/meta@4.0.0')).rejects.toThrow(
      'incompatible requirements on regtest/db: regtest/meta@4.0.0 needs @^1.0.0, regtest/web@5.0.0 needs @^2.0.0; no release satisfies all (available: 2.0.0, 1.5.0, 1.1.0, 1.0.0)',
    );
  });

  it('--in-channel refuses a root release outside the channel', async () => {
    await expect(render('regtest/cache@1.1.0', { inChannel: 'stable' })).rejects.toThrow(
      'regtest/cache@1.1.0 is not in channel stable (its releases: 1.0.0)',
    );
    rmSync(join(project, 'stackanetes.lock'), { force: true });
  });
});
