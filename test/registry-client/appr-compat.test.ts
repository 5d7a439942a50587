/**
 * Wire compatibility with the App Registry clients of old: this test speaks the raw HTTP API the
 * way kpm 0.24 did (`/cnr` prefix, the token in `Authorization` without a scheme, a POST with the
 * base64 blob) and checks that what kpm pushed, stackanetes reads, and the other way round.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { loadPackageDirectory } from '../../src/package/load.js';
import { buildPackageTarball } from '../../src/package/tarball.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { fixturePackage, startRegistry, removeTempDirs, tempDir, type RunningRegistry } from './helpers.js';

let registry: RunningRegistry;
let home: string;
let work: string;
let token: string;

const cli = (args: string[], input = ''): Promise<CliResult> =>
  runCli(args, {
    cwd: work,
    input,
    env: { STACKANETES_HOME: home, STACKANETES_REGISTRY: registry.url, CI: 'true' },
  });

beforeAll(async () => {
  registry = await startRegistry();
  home = tempDir('compat-home');
  work = tempDir('compat-work');
});

afterAll(async () => {
  removeTempDirs();
  await registry.stop();
});

describe('appr wire compatibility (kpm 0.24 style)', () => {
  it('logs in under /cnr and gets a token', async () => {
    const res = await fetch(`${registry.url}/cnr/api/v1/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username: 'alice', password: 'password' } }),
    });
    expect(res.status).toBe(200);
    token = ((await res.json()) as { token: string }).token;
    expect(token).toEqual(expect.any(String));
  });

  it('accepts a kpm-style push (scheme-less Authorization, base64 blob) that the stackanetes CLI then shows and pulls', async () => {
    const dir = fixturePackage(work, 'db', '1.0.0', (t) => t.replace('regtest/db', 'regtest/kpmstyle'));
    const built = await buildPackageTarball(await loadPackageDirectory(dir));
    const res = await fetch(`${registry.url}/cnr/api/v1/packages/regtest/kpmstyle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({
        blob: built.tarGz.toString('base64'),
        release: '1.0.0',
        media_type: 'stackanetes',
      }),
    });
    expect(res.status).toBe(200);
    const shown = await cli(['show', `${registry.host}/regtest/kpmstyle`, '--output', 'json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      package: 'regtest/kpmstyle',
      version: '1.0.0',
      digest: built.digest,
    });
    const pulled = await cli([
      'pull',
      'regtest/kpmstyle@1.0.0',
      '--dir',
      `${work}/kpmstyle`,
      '--output',
      'json',
    ]);
    expect(JSON.parse(pulled.stdout).digest).toBe(built.digest);
  });

  it('serves what the stackanetes CLI pushed to a kpm-style pull, with the appr digest of the gunzipped tar', async () => {
    expect((await cli(['login', '-u', 'alice', '--password-stdin'], 'password\n')).code).toBe(0);
    const pushed = JSON.parse(
      (await cli(['push', fixturePackage(work, 'db', '1.0.0'), '--channel', 'stable', '--output', 'json']))
        .stdout,
    ) as { digest: string };
    const manifest = (await (
      await fetch(`${registry.url}/cnr/api/v1/packages/regtest/db/1.0.0/stackanetes`)
    ).json()) as { content: { digest: string }; channels: string[] };
    expect(`sha256:${manifest.content.digest}`).toBe(pushed.digest);
    expect(manifest.channels).toEqual(['stable']);
    const blob = Buffer.from(
      await (
        await fetch(`${registry.url}/cnr/api/v1/packages/regtest/db/1.0.0/stackanetes/pull`)
      ).arrayBuffer(),
    );
    expect(`sha256:${createHash('sha256').update(gunzipSync(blob)).digest('hex')}`).toBe(pushed.digest);
  });

  it('works with a registry address that carries the /cnr prefix, as appr clients configured it', async () => {
    const listed = await runCli(['list', '--registry', `${registry.url}/cnr`, '--output', 'json'], {
      env: { STACKANETES_HOME: home, CI: 'true' },
    });
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { name: string }[]).map((p) => p.name)).toEqual([
      'regtest/db',
      'regtest/kpmstyle',
    ]);
  });

  it('ignores releases of other media types (kpm, helm) stored opaquely beside ours', async () => {
    const other = await buildPackageTarball(await loadPackageDirectory(fixturePackage(work, 'db', '9.0.0')));
    const res = await fetch(`${registry.url}/cnr/api/v1/packages/regtest/db`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify({ blob: other.tarGz.toString('base64'), release: '9.0.0', media_type: 'kpm' }),
    });
    expect(res.status).toBe(200);
    const shown = JSON.parse((await cli(['show', 'regtest/db', '--output', 'json'])).stdout) as {
      version: string;
      releases: { version: string }[];
    };
    expect(shown.version).toBe('1.0.0');
    expect(shown.releases.map((r) => r.version)).toEqual(['1.0.0']);
  });
});
