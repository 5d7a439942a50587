/**
 * The registry verbs end to end: the built CLI as a subprocess against a real registry-server on
 * loopback, with STACKANETES_HOME in a temp dir. One registry per file; the steps build on each
 * other the way a user's session does (login, push, inspect, pull, resolve, lock).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli, type CliResult } from '../helpers/cli.js';
import {
  expectOneLineError,
  fixturePackage,
  startRegistry,
  removeTempDirs,
  tempDir,
  type RunningRegistry,
} from './helpers.js';

let registry: RunningRegistry;
let home: string;
let work: string;
const digests: Record<string, string> = {};

const cli = (
  args: string[],
  extra: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> =>
  runCli(args, {
    cwd: extra.cwd ?? work,
    input: extra.input ?? '',
    env: { STACKANETES_HOME: home, STACKANETES_REGISTRY: registry.url, CI: 'true', ...(extra.env ?? {}) },
  });

const json = <T>(result: CliResult): T => {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
};

async function pushVersion(
  name: string,
  version: string,
  flags: string[] = [],
  rewrite?: (t: string) => string,
): Promise<string> {
  const dir = fixturePackage(work, name, version, rewrite);
  const pushed = json<{ digest: string; version: string }>(
    await cli(['push', dir, '--output', 'json', ...flags]),
  );
  expect(pushed.version).toBe(version);
  digests[`${name}@${version}`] = pushed.digest;
  return pushed.digest;
}

beforeAll(async () => {
  registry = await startRegistry();
  home = tempDir('regclient-home');
  work = tempDir('regclient-work');
});

afterAll(async () => {
  removeTempDirs();
  await registry.stop();
});

describe('login', () => {
  it('refuses a wrong password with one line and exit code 6, storing nothing', async () => {
    const result = await cli(['login', registry.url, '-u', 'alice', '--password-stdin'], {
      input: 'not-the-password\n',
    });
    expectOneLineError(
      result,
      6,
      /^error: registry 127\.0\.0\.1:\d+ refused the credentials \(login as alice\): /,
    );
    expect(existsSync(join(home, 'credentials.json'))).toBe(false);
  });

  it('stores the token for the registry host in a file only the user can read', async () => {
    const result = await cli(['login', registry.url, '-u', 'alice', '--password-stdin', '--output', 'json'], {
      input: 'password\n',
    });
    expect(json<{ scope: string }>(result).scope).toBe(registry.host);
    expect(statSync(join(home, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('checks --scope before asking the registry, so a refused scope leaves no token issued', async () => {
    const tokensFile = join(registry.storage, 'auth', 'tokens.json');
    const before = existsSync(tokensFile) ? readFileSync(tokensFile, 'utf8') : '';
    const result = await cli(
      ['login', registry.url, '-u', 'alice', '--password-stdin', '--scope', 'Not A Scope'],
      {
        input: 'password\n',
      },
    );
    expectOneLineError(result, 2, /^error: --scope "Not A Scope" is not a namespace or namespace\/name/);
    expect(existsSync(tokensFile) ? readFileSync(tokensFile, 'utf8') : '').toBe(before);
  });

  it('refuses to read a password from a non-terminal stdin without --password-stdin', async () => {
    expectOneLineError(
      await cli(['login', '-u', 'alice']),
      2,
      /^error: no password: stdin is not a terminal/,
    );
  });
});

describe('push, list, show, channel', () => {
  it('pushes two versions into channels and prints the same digest for the same files', async () => {
    const first = await pushVersion('db', '1.0.0', ['--channel', 'stable']);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    await pushVersion('db', '1.1.0', ['--channel', 'beta']);
    const again = json<{ digest: string }>(
      await cli(['push', join(work, 'db-1.0.0', 'db'), '--force', '--output', 'json']),
    );
    expect(again.digest).toBe(first);
  });

  it('reports an identical re-push as unchanged (exit 0), with the same digest', async () => {
    const again = json<{ digest: string; status: string }>(
      await cli(['push', join(work, 'db-1.0.0', 'db'), '--output', 'json']),
    );
    expect(again).toMatchObject({ digest: digests['db@1.0.0'], status: 'unchanged' });
  });

  it('refuses a duplicate release with other content without --force (exit 5) and points at the fix', async () => {
    const dir = fixturePackage(join(work, 'changed'), 'db', '1.0.0', (t) => `${t}\n# changed\n`);
    const result = await cli(['push', dir]);
    expectOneLineError(result, 5, /^error: push regtest\/db@1\.0\.0: .*already exists/);
    expect(result.stderr).toContain('--force');
  });

  it('lists packages, by namespace and by substring', async () => {
    await pushVersion('cache', '1.0.0', ['--channel', 'stable']);
    await pushVersion('cache', '1.1.0');
    const all = json<{ name: string; releases: string[] }[]>(await cli(['list', '--output', 'json']));
    expect(all.map((p) => p.name)).toEqual(['regtest/cache', 'regtest/db']);
    expect(all.find((p) => p.name === 'regtest/db')?.releases).toEqual(['1.1.0', '1.0.0']);
    expect(
      json<{ name: string }[]>(await cli(['list', '--search', 'cach', '--output', 'json'])).map(
        (p) => p.name,
      ),
    ).toEqual(['regtest/cache']);
    expect(json<unknown[]>(await cli(['list', '--namespace', 'nobody', '--output', 'json']))).toEqual([]);
    const table = await cli(['list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^APP\s+RELEASE/);
  });

  it('shows the manifest, every release with digest and channels, and the README', async () => {
    const shown = json<{
      version: string;
      releases: { version: string; digest: string; channels: string[] }[];
      readme: string;
    }>(await cli(['show', 'regtest/db', '--output', 'json']));
    expect(shown.version).toBe('1.1.0');
    expect(shown.releases.map((r) => [r.version, r.digest, r.channels])).toEqual([
      ['1.1.0', digests['db@1.1.0'], ['beta']],
      ['1.0.0', digests['db@1.0.0'], ['stable']],
    ]);
    expect(shown.readme).toContain('# regtest/db');
    const yaml = parse((await cli(['show', 'regtest/db:stable', '--output', 'yaml'])).stdout) as {
      version: string;
    };
    expect(yaml.version).toBe('1.0.0');
  });

  it("adds, removes and deletes channel releases, answering with kpm's name/releases/current table", async () => {
    const added = await cli(['channel', 'regtest/db', '--name', 'stable', '--add', '1.1.0']);
    expect(added.code).toBe(0);
    expect(added.stdout.split('\n')[0]).toMatch(/^NAME\s+RELEASES\s+CURRENT$/);
    expect(added.stdout).toMatch(/stable\s+1\.1\.0,1\.0\.0\s+1\.1\.0/);
    const removed = json<{ name: string; current: string; releases: string[] }[]>(
      await cli(['channel', 'regtest/db', '--name', 'stable', '--remove', '1.1.0', '--output', 'json']),
    );
    expect(removed.find((c) => c.name === 'stable')).toEqual({
      name: 'stable',
      current: '1.0.0',
      releases: ['1.0.0'],
    });
    await cli(['channel', 'regtest/db', '--name', 'scratch', '--add', '1.0.0']);
    const deleted = json<{ name: string }[]>(
      await cli(['channel', 'regtest/db', '--name', 'scratch', '--delete', '--output', 'json']),
    );
    expect(deleted.map((c) => c.name).sort()).toEqual(['beta', 'stable']);
  });

  it('refuses to add a release that does not exist to a channel (exit 4)', async () => {
    expectOneLineError(
      await cli(['channel', 'regtest/db', '--name', 'stable', '--add', '9.9.9']),
      4,
      /^error: add regtest\/db@9\.9\.9 to channel stable: /,
    );
  });

  it('reports client and server versions', async () => {
    const version = json<{ client: string; server: string }>(await cli(['version', '--output', 'json']));
    expect(version.client).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.server).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('pull', () => {
  it('writes the release files after checking the digest, and resolves channels and digests', async () => {
    const dest = join(work, 'pulled-db');
    const pulled = json<{ version: string; digest: string; files: string[] }>(
      await cli(['pull', 'regtest/db@1.1.0', '--dir', dest, '--output', 'json']),
    );
    expect(pulled.digest).toBe(digests['db@1.1.0']);
    expect(pulled.files).toEqual(['README.md', 'manifest.yaml', 'templates/configmap.yaml.hbs']);
    expect(readFileSync(join(dest, 'manifest.yaml'), 'utf8')).toContain('version: 1.1.0');
    // The pulled directory pushes back to the same digest: pull and push are inverse.
    const repushed = json<{ digest: string }>(await cli(['push', dest, '--force', '--output', 'json']));
    expect(repushed.digest).toBe(digests['db@1.1.0']);
    const byChannel = json<{ version: string }>(
      await cli(['pull', 'regtest/db:stable', '--dir', join(work, 'pulled-stable'), '--output', 'json']),
    );
    expect(byChannel.version).toBe('1.0.0');
    const byDigest = json<{ version: string }>(
      await cli([
        'pull',
        `regtest/db@${digests['db@1.0.0']}`,
        '--dir',
        join(work, 'pulled-digest'),
        '--output',
        'json',
      ]),
    );
    expect(byDigest.version).toBe('1.0.0');
  });

  it('with --in-channel refuses a release that is not in the channel (exit 5) and writes nothing', async () => {
    const dest = join(work, 'pulled-refused');
    expectOneLineError(
      await cli(['pull', 'regtest/db@1.1.0', '--in-channel', 'stable', '--dir', dest]),
      5,
      /^error: regtest\/db@1\.1\.0 is not in channel stable \(its releases: 1\.0\.0\)/,
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('lists what exists when no release satisfies the range (exit 4)', async () => {
    expectOneLineError(
      await cli(['pull', 'regtest/db@^3.0.0']),
      4,
      /^error: no release of regtest\/db satisfies @\^3\.0\.0 \(required by the command line\); available: 1\.1\.0, 1\.0\.0/,
    );
  });

  it('names the registry when a package does not exist (exit 4)', async () => {
    expectOneLineError(
      await cli(['show', 'regtest/nothing']),
      4,
      /^error: show regtest\/nothing: package regtest\/nothing does not exist .* at registry 127\.0\.0\.1:\d+/,
    );
  });
});

describe('resolution through the registry and the lockfile', () => {
  it('update resolves a meta-package whose dependencies use a range, a channel and a digest, and writes stackanetes.lock', async () => {
    await pushVersion('web', '1.0.0');
    await pushVersion('web', '1.1.0');
    await pushVersion('meta', '1.0.0', [], (t) => t.replace('WEB_DIGEST', digests['web@1.0.0'] as string));
    const project = tempDir('regclient-project');
    writeFileSync(join(project, 'parameters.yaml'), 'greeting: from the user\n');
    const result = json<{ lockfile: string; packages: { name: string; version: string }[] }>(
      await cli(['update', 'regtest/meta', '--variables', 'parameters.yaml', '--output', 'json'], {
        cwd: project,
      }),
    );
    expect(result.lockfile).toBe(join(project, 'stackanetes.lock'));
    const lock = parse(readFileSync(result.lockfile, 'utf8')) as {
      roots: string[];
      packages: { name: string; version: string; digest: string; registry: string }[];
    };
    expect(lock.roots).toEqual(['regtest/meta']);
    expect(lock.packages.map((p) => [p.name, p.version, p.digest])).toEqual([
      ['regtest/cache', '1.0.0', digests['cache@1.0.0']],
      ['regtest/db', '1.1.0', digests['db@1.1.0']],
      ['regtest/meta', '1.0.0', digests['meta@1.0.0']],
      ['regtest/web', '1.0.0', digests['web@1.0.0']],
    ]);
    expect(lock.packages.every((p) => p.registry === registry.url)).toBe(true);

    // A newer release in range appears; re-running update with no arguments takes it from the lock's roots.
    await pushVersion('db', '1.2.0');
    const updated = json<{ packages: { name: string; previous?: string; version: string }[] }>(
      await cli(['update', '--output', 'json'], { cwd: project }),
    );
    expect(updated.packages.find((p) => p.name === 'regtest/db')).toMatchObject({
      previous: '1.1.0',
      version: '1.2.0',
    });
  });
});

describe('the everyday flow', () => {
  it('login makes the registry the default when none is set, says so, and push then needs no --registry', async () => {
    const fresh = tempDir('regclient-fresh-home');
    const env = { STACKANETES_HOME: fresh, STACKANETES_REGISTRY: '' };
    const login = await cli(['login', registry.url, '-u', 'alice', '--password-stdin'], {
      input: 'password\n',
      env,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(
      `${registry.url} is now the default registry (set in ${join(fresh, 'config.yaml')})`,
    );
    expect((await cli(['config', 'get', 'default'], { env })).stdout.trim()).toBe(registry.url);
    expect(statSync(join(fresh, 'config.yaml')).mode & 0o777).toBe(0o600);
    const pushed = await cli(
      ['push', fixturePackage(join(work, 'flow'), 'web', '0.9.0'), '--channel', 'beta'],
      {
        env,
      },
    );
    expect([pushed.code, pushed.stderr]).toEqual([0, '']);
    expect(pushed.stdout).toMatch(/regtest\/web\s+0\.9\.0\s+sha256:[0-9a-f]{64}\s+pushed/);
    // A second login to another address leaves the default alone, unless --set-default.
    await cli(['config', 'set', 'registries.other.url', 'https://other.example.com'], { env });
    await cli(['config', 'set', 'default', 'other'], { env });
    const again = await cli(['login', registry.url, '-u', 'alice', '--password-stdin'], {
      input: 'password\n',
      env,
    });
    expect(again.stdout).not.toContain('default registry');
    expect((await cli(['config', 'get', 'default'], { env })).stdout.trim()).toBe('other');
    const forced = await cli(['login', registry.url, '-u', 'alice', '--password-stdin', '--set-default'], {
      input: 'password\n',
      env,
    });
    expect(forced.stdout).toContain('is now the default registry');
    const view = await cli(['config', 'view', '-o', 'json'], { env });
    expect(JSON.parse(view.stdout)).toEqual({
      default: registry.url,
      registries: { other: { url: 'https://other.example.com' } },
    });
  });

  it('config refuses unknown keys (exit 2) and get of an unset key exits 4, in one line', async () => {
    const env = { STACKANETES_HOME: tempDir('regclient-config-home') };
    expectOneLineError(
      await cli(['config', 'set', 'colour', 'blue'], { env }),
      2,
      /^error: unknown config key "colour"/,
    );
    expectOneLineError(await cli(['config', 'get', 'default'], { env }), 4, /^error: default is not set/);
    expectOneLineError(
      await cli(['config', 'set', 'registries.x.url', 'http://a b'], { env }),
      2,
      /^error: registry address "http:\/\/a b" is not a host or URL/,
    );
  });

  it('pushes several directories in dependency order with one summary table, and again as unchanged', async () => {
    const root = join(work, 'many');
    const meta = fixturePackage(root, 'meta', '3.0.0', (t) =>
      t.replace('WEB_DIGEST', `sha256:${'a'.repeat(64)}`),
    );
    const dirs = [meta, fixturePackage(root, 'web', '3.0.0'), fixturePackage(root, 'db', '3.0.0')];
    const first = await cli(['push', ...dirs]);
    expect([first.code, first.stderr]).toEqual([0, '']);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PACKAGE\s+RELEASE\s+DIGEST\s+STATUS\s+REGISTRY\s+CHANNELS$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([
      'regtest/db',
      'regtest/web',
      'regtest/meta',
    ]);
    expect(lines.slice(1).every((l) => /\spushed\s/.test(l))).toBe(true);
    const second = json<{ package: string; status: string }[]>(await cli(['push', ...dirs, '-o', 'json']));
    expect(second.map((r) => [r.package, r.status])).toEqual([
      ['regtest/db', 'unchanged'],
      ['regtest/web', 'unchanged'],
      ['regtest/meta', 'unchanged'],
    ]);
  });
});

describe('delete-package and logout', () => {
  it('deletes one release, which then disappears from the listing', async () => {
    const deleted = json<{ status: string; release: string }>(
      await cli(['delete-package', 'regtest/cache@1.1.0', '--output', 'json']),
    );
    expect(deleted).toMatchObject({ status: 'deleted', release: '1.1.0' });
    const cache = json<{ name: string; releases: string[] }[]>(
      await cli(['list', '--search', 'cache', '--output', 'json']),
    );
    expect(cache[0]?.releases).toEqual(['1.0.0']);
  });

  it('refuses to delete without an exact release (exit 2)', async () => {
    expectOneLineError(
      await cli(['delete-package', 'regtest/cache']),
      2,
      /^error: delete-package needs an exact release, got "regtest\/cache"/,
    );
  });

  it('logs out, after which writes are refused for want of credentials', async () => {
    const stored = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as {
      auths: Record<string, { token: string }>;
    };
    const token = stored.auths[registry.host]?.token as string;
    expect(token).toBeTruthy();
    expect((await cli(['logout'])).stdout.trim()).toBe(`logged out of ${registry.host}`);
    // The server revoked it too: a copy of the credentials file is useless after logout.
    const reuse = await fetch(`${registry.url}/api/v1/packages/regtest/cache/1.0.0/stackanetes`, {
      method: 'DELETE',
      headers: { authorization: token },
    });
    expect(reuse.status).toBe(401);
    const result = await cli(['delete-package', 'regtest/cache@1.0.0']);
    expectOneLineError(
      result,
      6,
      /^error: registry 127\.0\.0\.1:\d+ refused the credentials \(delete regtest\/cache@1\.0\.0\)/,
    );
  });
});
