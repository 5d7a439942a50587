/**
 * Transport and integrity faults, each through the built CLI: an expired token, a closed port, a
 * registry answering 500 before it recovers, and blobs corrupted in transit or in the cache. Each
 * ends in one clear line and the registry exit code (6), and a corrupted blob is never unpacked.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../services/ports.mjs';
import {
  expectOneLineError,
  fixturePackage,
  startProxy,
  startRegistry,
  removeTempDirs,
  tempDir,
  type FaultProxy,
  type RunningRegistry,
} from './helpers.js';

let registry: RunningRegistry;
let proxy: FaultProxy;
let home: string;
let work: string;

const cli = (args: string[], env: Record<string, string> = {}, input = ''): Promise<CliResult> =>
  runCli(args, {
    cwd: work,
    input,
    env: { STACKANETES_HOME: home, STACKANETES_REGISTRY: proxy.url, CI: 'true', ...env },
  });

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry.url);
  home = tempDir('faults-home');
  work = tempDir('faults-work');
  expect((await cli(['login', '-u', 'alice', '--password-stdin'], {}, 'password\n')).code).toBe(0);
  for (const version of ['1.0.0', '1.1.0']) {
    expect((await cli(['push', fixturePackage(work, 'db', version)])).code).toBe(0);
  }
});

afterAll(async () => {
  removeTempDirs();
  await proxy.stop();
  await registry.stop();
});

describe('registry faults', () => {
  it('names host and cause when the registry port is closed', async () => {
    const port = await freePort();
    const result = await cli(['list', '--registry', `127.0.0.1:${port}`], {
      STACKANETES_REGISTRY_RETRIES: '1',
    });
    expectOneLineError(
      result,
      6,
      new RegExp(
        `^error: cannot reach registry 127\\.0\\.0\\.1:${port} \\(list packages\\): connection refused`,
      ),
    );
  });

  it("shows a proxy's HTML error page as status and title, not as markup", async () => {
    const page =
      '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{}</style></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n';
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await cli(['list', '--registry', `127.0.0.1:${port}`], {
        STACKANETES_REGISTRY_RETRIES: '0',
      });
      expectOneLineError(
        result,
        6,
        /^error: registry 127\.0\.0\.1:\d+ failed list packages: HTTP 502 \(an HTML page: "502 Bad Gateway"\)/,
      );
      expect(result.stderr).not.toContain('<');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('forgets the token on logout even when the registry is unreachable, and says it was not revoked', async () => {
    const port = await freePort();
    const offline = tempDir('faults-logout-home');
    const host = `127.0.0.1:${port}`;
    writeFileSync(
      join(offline, 'credentials.json'),
      JSON.stringify({ auths: { [host]: { token: 'stk_placeholder', kind: 'token' } } }),
      { mode: 0o600 },
    );
    const result = await cli(['logout', host], {
      STACKANETES_HOME: offline,
      STACKANETES_REGISTRY_RETRIES: '0',
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^logged out of ${host.replace(/\./g, '\\.')}; the registry did not revoke the token.*connection refused`,
        ),
      ),
    ]);
    expect(JSON.parse(readFileSync(join(offline, 'credentials.json'), 'utf8'))).toEqual({ auths: {} });
  });

  it('retries idempotent reads after 500 and succeeds once the registry recovers', async () => {
    proxy.seen.length = 0;
    proxy.failNext(2, /^\/api\/v1\/packages\/regtest\/db$/);
    const result = await cli(['show', 'regtest/db', '--output', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).version).toBe('1.1.0');
    expect(proxy.seen.filter((p) => p === '/api/v1/packages/regtest/db')).toHaveLength(3);
  });

  it('gives up after the retries with the status in one line', async () => {
    proxy.failNext(10, /^\/api\/v1\/packages\/regtest\/db$/);
    const result = await cli(['show', 'regtest/db'], { STACKANETES_REGISTRY_RETRIES: '2' });
    proxy.failNext(0, /$^/);
    expectOneLineError(
      result,
      6,
      /^error: registry 127\.0\.0\.1:\d+ failed show regtest\/db: HTTP 500 injected failure/,
    );
  });

  it('never retries a push (not idempotent): one POST, one error', async () => {
    proxy.seen.length = 0;
    proxy.failNext(1, /^\/api\/v1\/packages\/regtest\/db(\?|$)/);
    const result = await cli(['push', fixturePackage(work, 'db', '1.2.0')]);
    expectOneLineError(
      result,
      6,
      /^error: registry 127\.0\.0\.1:\d+ failed push regtest\/db@1\.2\.0: HTTP 500/,
    );
    expect(
      proxy.seen.filter((p) => p.startsWith('/api/v1/packages/regtest/db') && !p.includes('/channels')),
    ).toHaveLength(1);
  });

  it('refuses a blob whose digest does not match and unpacks nothing', async () => {
    const other = Buffer.from(
      await (await fetch(`${registry.url}/api/v1/packages/regtest/db/1.0.0/stackanetes/pull`)).arrayBuffer(),
    );
    proxy.replaceBody(/\/1\.1\.0\/stackanetes\/pull$/, other);
    const dest = join(work, 'corrupted');
    // A fresh home: `show` above cached the good blob, which would (rightly) be used instead.
    const result = await cli(['pull', 'regtest/db@1.1.0', '--dir', dest], {
      STACKANETES_HOME: tempDir('faults-fresh'),
    });
    proxy.replaceBody(/$^/, undefined);
    expectOneLineError(
      result,
      6,
      /^error: digest mismatch for regtest\/db@1\.1\.0 from 127\.0\.0\.1:\d+: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}; the blob is corrupted and was not unpacked/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(work).some((f) => f.includes('.pull-'))).toBe(false);
  });

  it('refuses a blob that is not even gzip', async () => {
    proxy.replaceBody(/\/1\.1\.0\/stackanetes\/pull$/, Buffer.from('this is not a tarball'));
    const result = await cli(['pull', 'regtest/db@1.1.0', '--dir', join(work, 'garbage')], {
      STACKANETES_HOME: tempDir('faults-fresh'),
    });
    proxy.replaceBody(/$^/, undefined);
    expectOneLineError(
      result,
      6,
      /^error: the blob of regtest\/db@1\.1\.0 from .* is unusable: it is not valid gzip; nothing was unpacked/,
    );
    expect(existsSync(join(work, 'garbage'))).toBe(false);
  });

  it('reuses a cached blob without downloading it again, and re-fetches a corrupted cache entry', async () => {
    expect((await cli(['pull', 'regtest/db@1.0.0', '--dir', join(work, 'first')])).code).toBe(0);
    proxy.seen.length = 0;
    expect((await cli(['pull', 'regtest/db@1.0.0', '--dir', join(work, 'second')])).code).toBe(0);
    expect(proxy.seen.some((p) => p.endsWith('/pull'))).toBe(false);

    const cacheDir = join(home, 'cache', 'blobs', 'appr');
    for (const file of readdirSync(cacheDir)) writeFileSync(join(cacheDir, file), 'damaged');
    const third = await cli(['pull', 'regtest/db@1.0.0', '--dir', join(work, 'third')]);
    expect(third.code).toBe(0);
    expect(third.stderr).toMatch(
      /^warning: cached blob sha256:[0-9a-f]{64} is corrupted; fetching it again$/m,
    );
    expect(proxy.seen.some((p) => p.endsWith('/1.0.0/stackanetes/pull'))).toBe(true);
  });

  it('rejects an expired token with one line telling the user to log in again', async () => {
    const shortLived = await startRegistry(['--token-ttl', '1s']);
    try {
      const env = { STACKANETES_REGISTRY: shortLived.url };
      expect((await cli(['login', '-u', 'alice', '--password-stdin'], env, 'password\n')).code).toBe(0);
      await new Promise((r) => setTimeout(r, 1500));
      const result = await cli(['push', join(work, 'db-1.0.0', 'db')], env);
      expectOneLineError(
        result,
        6,
        /^error: registry 127\.0\.0\.1:\d+ refused the credentials \(push regtest\/db@1\.0\.0\): token expired/,
      );
      expect(result.stderr).toContain('fix: log in again: stackanetes login');
    } finally {
      await shortLived.stop();
    }
  });
});
