/**
 * OCI registries on equal terms with the App Registry, against Debian's docker-registry in each of
 * the distribution spec's three auth modes (anonymous, htpasswd Basic, Bearer token realm): push
 * two releases, move `stable`, resolve a range and a channel, show and list, deploy a meta-package
 * whose dependencies live under another `oci://` path to the simulator, pull with digests checked,
 * refuse a tampered blob before anything reaches the cluster, and say wrong credentials in one line.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciClient } from '../../src/registry/oci.js';
import { createTransport } from '../../src/registry/http.js';
import { startCluster, type TestCluster } from '../cluster/harness.js';
import type { CliResult } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';
import { startOciRegistry, type OciAuthMode, type OciTestRegistry } from './oci-servers.js';
import { expectOneLineError, removeTempDirs, tempDir } from './helpers.js';

const clusterFixtures = join(import.meta.dirname, '..', 'fixtures', 'cluster');

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await cluster?.stop();
  removeTempDirs();
});

/** Copies a cluster fixture package with its version rewritten. */
function clusterPackage(root: string, name: string, version: string, edit: (t: string) => string = (t) => t) {
  const dir = join(root, `${name}-${version}`);
  mkdirSync(dir, { recursive: true });
  cpSync(join(clusterFixtures, name), dir, { recursive: true });
  const manifest = join(dir, 'manifest.yaml');
  writeFileSync(
    manifest,
    edit(readFileSync(manifest, 'utf8').replace(/^ {2}version: 1\.0\.0$/m, `  version: ${version}`)),
  );
  return dir;
}

describe.each<OciAuthMode>(['anonymous', 'basic', 'bearer'])('OCI registry, %s', (mode) => {
  let reg: OciTestRegistry;
  let home: string;
  let userHome: string;
  let work: string;
  let deps: string;
  let metas: string;
  const ns = `oci-${mode}`;
  const env = (): Record<string, string> => ({ STACKANETES_HOME: home, HOME: userHome, CI: 'true' });
  const cli = (args: string[], input?: string): Promise<CliResult> =>
    runCli(args, { cwd: work, env: env(), timeoutMs: 120000, ...(input !== undefined ? { input } : {}) });
  const json = <T>(r: CliResult): T => {
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    reg = await startOciRegistry(mode);
    home = tempDir(`oci-${mode}-home`);
    userHome = tempDir(`oci-${mode}-user`);
    work = tempDir(`oci-${mode}-work`);
    deps = `oci://${reg.host}/team/deps`;
    metas = `oci://${reg.host}/team/meta`;
    if (mode === 'basic') {
      const login = await cli(
        ['login', `oci://${reg.host}`, '-u', reg.user, '--password-stdin'],
        reg.password,
      );
      expect(login.stderr).toBe('');
      expect(login.code).toBe(0);
    }
    if (mode === 'bearer') {
      // Credentials the user already has from `docker login`: a plain auths entry.
      mkdirSync(join(userHome, '.docker'), { recursive: true });
      const auth = Buffer.from(`${reg.user}:${reg.password}`).toString('base64');
      writeFileSync(
        join(userHome, '.docker', 'config.json'),
        JSON.stringify({ auths: { [`https://${reg.host}`]: { auth } } }),
      );
    }
  });
  afterAll(async () => {
    await reg?.stop();
  });

  it('pushes two releases and moves the stable tag with push --channel and channel --add/--remove', async () => {
    for (const name of ['web', 'extra'])
      expect((await cli(['push', clusterPackage(work, name, '1.0.0'), '--registry', deps])).code).toBe(0);
    const first = json<{ registry: string; channels: string[] }>(
      await cli([
        'push',
        clusterPackage(work, 'db', '1.0.0'),
        '--registry',
        deps,
        '--channel',
        'stable',
        '-o',
        'json',
      ]),
    );
    expect(first.registry).toBe(`${deps}/fixture/db`);
    const second = await cli([
      'push',
      clusterPackage(work, 'db', '1.1.0', (t) => t.replace('replicas: 1', 'replicas: 2')),
      '--registry',
      deps,
    ]);
    expect(second.code).toBe(0);
    type Channel = { name: string; current: string; releases: string[] };
    const moved = json<Channel[]>(
      await cli(['channel', `${deps}/fixture/db`, '--name', 'stable', '--add', '1.1.0', '-o', 'json']),
    );
    expect(moved).toEqual([{ name: 'stable', current: '1.1.0', releases: ['1.0.0', '1.1.0'] }]);
    const back = json<Channel[]>(
      await cli([
        'channel',
        'fixture/db',
        '--registry',
        deps,
        '--name',
        'stable',
        '--remove',
        '1.1.0',
        '-o',
        'json',
      ]),
    );
    expect(back).toEqual([{ name: 'stable', current: '1.0.0', releases: ['1.0.0'] }]);
    const again = await cli(['channel', `${deps}/fixture/db`, '--name', 'stable', '--add', '1.1.0']);
    expect(again.stderr).toBe('fixture/db: added 1.1.0 to stable\n');
    expect(again.stdout).toMatch(/^stable\s+1\.0\.0,1\.1\.0\s+1\.1\.0$/m);
  });

  it('resolves a range and a channel the same way for every verb', async () => {
    const version = async (ref: string) =>
      json<{ version: string }>(await cli(['show', ref, '-o', 'json'])).version;
    expect(await version(`${deps}/fixture/db@~1.0.0`)).toBe('1.0.0');
    expect(await version(`${deps}/fixture/db@^1.0.0`)).toBe('1.1.0');
    expect(await version(`${deps}/fixture/db:stable`)).toBe('1.1.0');
    expect(await version(`${deps}/fixture/db:1.0.0`)).toBe('1.0.0');
    expect(await version(`${deps}/fixture/db`)).toBe('1.1.0');
    // --registry oci://host/path + namespace/name is the same address.
    const viaFlag = json<{ version: string }>(
      await cli(['show', 'fixture/db:stable', '--registry', deps, '-o', 'json']),
    );
    expect(viaFlag.version).toBe('1.1.0');
  });

  it('show lists the release tags with their manifest digests and the channels', async () => {
    const shown = json<{
      registry: string;
      releases: { version: string; digest: string; channels: string[] }[];
      channels: { name: string; current: string }[];
    }>(await cli(['show', `${deps}/fixture/db@1.0.0`, '-o', 'json']));
    expect(shown.registry).toBe(deps);
    expect(shown.releases.map((r) => [r.version, r.channels]).sort()).toEqual([
      ['1.0.0', ['stable']],
      ['1.1.0', ['stable']],
    ]);
    for (const r of shown.releases) expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(shown.channels).toEqual([{ name: 'stable', current: '1.1.0', releases: ['1.0.0', '1.1.0'] }]);
    const table = await cli(['show', `${deps}/fixture/db:stable`]);
    expect(table.stdout).toMatch(/^stable\s+1\.0\.0,1\.1\.0\s+1\.1\.0$/m);
  });

  it('list shows the packages under the path with their releases and channels', async () => {
    const listed = json<{ name: string; default: string; releases: string[]; channels: string[] }[]>(
      await cli(['list', '--registry', deps, '-o', 'json']),
    );
    expect(listed).toEqual([
      { name: 'fixture/db', default: '1.1.0', releases: ['1.1.0', '1.0.0'], channels: ['stable'] },
      { name: 'fixture/extra', default: '1.0.0', releases: ['1.0.0'], channels: [] },
      { name: 'fixture/web', default: '1.0.0', releases: ['1.0.0'], channels: [] },
    ]);
  });

  it('deploys a meta-package from oci:// whose dependencies live under another oci:// path', async () => {
    const meta = clusterPackage(work, 'app', '1.0.0', (t) =>
      t
        .replace(/(\{name: fixture\/db), version: "\^1\.0\.0"/, `$1, channel: stable, registry: "${deps}"`)
        .replace(/(\{name: fixture\/(web|extra), version: "\^1\.0\.0")/g, `$1, registry: "${deps}"`),
    );
    expect(readFileSync(join(meta, 'manifest.yaml'), 'utf8')).toContain(`registry: "${deps}"`);
    expect((await cli(['push', meta, '--registry', metas])).code).toBe(0);
    const project = tempDir(`oci-${mode}-project`);
    const r = await cluster.cli(['deploy', `${metas}/fixture/app:1.0.0`, '-n', ns], {
      cwd: project,
      env: env(),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 1 deployed');
    const db = await cluster.get('statefulset', 'db', ns);
    expect(db).toBeDefined();
    expect(JSON.stringify(db)).toContain('"replicas":2'); // stable → 1.1.0
    expect(await cluster.get('deployment', 'web', ns)).toBeDefined();
    const lock = readFileSync(join(project, 'stackanetes.lock'), 'utf8');
    expect(lock).toMatch(new RegExp(`oci: ${deps}/fixture/db@sha256:[0-9a-f]{64}`));
    expect(lock).toMatch(new RegExp(`oci: ${metas}/fixture/app@sha256:[0-9a-f]{64}`));
    // The same manifest as a local directory resolved through a registry that lacks the
    // dependencies: their registry: entries still say where they live. Offline, the error says so.
    const local = await cli(['generate', meta, '-n', ns, '--registry', metas]);
    expect(local.stderr).toBe('');
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/kind: StatefulSet[\s\S]*replicas: 2/);
    const offline = await cli(['generate', meta, '-n', ns]);
    expectOneLineError(
      offline,
      4,
      new RegExp(`not found locally.*; fix: it lives at ${deps}: render with --registry`),
    );
  });

  it('pulls a release with the digest push reported', async () => {
    const pushed = json<{ digest: string; reference: string }>(
      await cli(['push', clusterPackage(work, 'db', '1.2.0'), '--registry', deps, '-o', 'json']),
    );
    const pulled = json<{ digest: string; version: string }>(
      await cli(['pull', `${deps}/fixture/db@1.2.0`, '--dir', join(work, 'pulled-db'), '--output', 'json']),
    );
    expect(pulled).toEqual(expect.objectContaining({ digest: pushed.digest, version: '1.2.0' }));
    const byManifest = json<{ digest: string }>(
      await cli(['pull', pushed.reference, '--dir', join(work, 'pulled-by-digest'), '--output', 'json']),
    );
    expect(byManifest.digest).toBe(pushed.digest);
  });

  it('refuses a tampered blob and deploys nothing of it', async () => {
    const pushed = json<{ gzipDigest: string }>(
      await cli(['push', clusterPackage(work, 'db', '2.0.0'), '--registry', deps, '-o', 'json']),
    );
    const blob = reg.blobPath(pushed.gzipDigest);
    const bytes = readFileSync(blob);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
    writeFileSync(blob, bytes);
    const writes = cluster.sim.requests.count({ write: true });
    const r = await cluster.cli(['deploy', `${deps}/fixture/db@2.0.0`, '-n', `${ns}-tampered`], {
      cwd: tempDir(`oci-${mode}-tampered`),
      env: env(),
    });
    expectOneLineError(
      r,
      r.code,
      /^error: digest mismatch for pull team\/deps\/fixture\/db:2\.0\.0: expected sha256:/,
    );
    expect(r.code).not.toBe(0);
    expect(cluster.sim.requests.count({ write: true })).toBe(writes);
    expect(await cluster.get('namespace', `${ns}-tampered`)).toBeUndefined();
  });

  if (mode !== 'anonymous') {
    it('says wrong credentials in one line, for login and for a pull, and logs in with the right ones', async () => {
      const login = await cli(
        ['login', `oci://${reg.host}`, '-u', reg.user, '--password-stdin'],
        'wrong-password',
      );
      expectOneLineError(
        login,
        login.code,
        new RegExp(`^error: OCI registry ${reg.host.replace(/\./g, '\\.')} refused `),
      );
      expect(login.code).not.toBe(0);
      const right = await cli(
        ['login', `oci://${reg.host}`, '-u', reg.user, '--password-stdin'],
        reg.password,
      );
      expect(right.stderr).toBe('');
      expect(right.code).toBe(0);
      const stranger = tempDir(`oci-${mode}-stranger`);
      const pull = await runCli(['pull', `${deps}/fixture/db@1.0.0`, '--dir', join(stranger, 'db')], {
        cwd: stranger,
        env: { STACKANETES_HOME: stranger, HOME: stranger, CI: 'true' },
      });
      expectOneLineError(
        pull,
        pull.code,
        new RegExp(`^error: OCI registry ${reg.host.replace(/\./g, '\\.')} refused `),
      );
      expect(pull.code).not.toBe(0);
    });
  }

  if (mode === 'bearer') {
    it('asks the token realm for the scope of each challenge', () => {
      const scopes = reg.tokenRequests.filter((t) => t.user === reg.user).flatMap((t) => t.scopes);
      expect(scopes).toContain('repository:team/deps/fixture/db:pull,push');
      expect(scopes).toContain('repository:team/deps/fixture/db:pull');
    });
  }

  it('skips blobs the repository has and mounts blobs from another repository of the host', async () => {
    const basic = mode === 'anonymous' ? undefined : `${reg.user}:${reg.password}`;
    const client = new OciClient({
      host: reg.host,
      transport: createTransport({ retries: 0 }),
      ...(basic ? { basic: async () => basic } : {}),
    });
    const layer = Buffer.from(`layer bytes for ${mode}`);
    const first = await client.pushPackage('team/one/x/pkg', '1.0.0', layer, { name: 'x/pkg' });
    expect(first.blobs.map((b) => b.how)).toEqual(['uploaded', 'uploaded']);
    const again = await client.pushPackage('team/one/x/pkg', '1.0.0', layer, { name: 'x/pkg' });
    expect(again.blobs.map((b) => b.how)).toEqual(['existed', 'existed']);
    const elsewhere = await client.pushPackage('team/two/x/pkg', '1.0.0', layer, { name: 'x/pkg' });
    expect(elsewhere.blobs.map((b) => b.how)).toEqual(['mounted', 'mounted']);
    const pulled = await client.pullPackage('team/two/x/pkg', '1.0.0');
    expect(pulled.tarGz.equals(layer)).toBe(true);
  });
});
