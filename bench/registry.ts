/**
 * Registry benchmark on loopback, printed as tables:
 *  1. pull throughput and p99 at 64 connections for a 50 KB package: our server (filesystem and
 *     PostgreSQL back ends) next to Debian's docker-registry (the CNCF distribution registry)
 *     serving the same blob by digest, started by this run with its own temporary config;
 *  2. show/pull latency with 100 vs 100,000 releases in one package, in each back end (seeded
 *     directly: one package document, or one bulk INSERT ... SELECT generate_series);
 *  3. push and pull of the full package set (every directory of packages/) through the client,
 *     to docker-registry as OCI artifacts and to our server (filesystem) as appr releases.
 * Access logs are off on every server so the figures compare serving, not logging.
 * Run: `npm run build && node dist/bench/registry.js` (PostgreSQL: STACKANETES_BENCH_POSTGRES_URL,
 * else one is started like the tests do).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import * as tar from 'tar';
import { PgStorage } from '../registry-server/storage/postgres.js';
import { createActionContext } from '../src/actions/context.js';
import { login } from '../src/actions/login.js';
import { push } from '../src/actions/push.js';
import { openRegistrySession } from '../src/registry/session.js';
import { fetchRelease } from '../src/resolve/fetch-release.js';
import { parseOciReference, parseRegistryReference } from '../src/resolve/reference.js';
import { createThrowawayDatabase, serveArgv } from '../test/helpers/registry-process.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { average: number; p99: number };
  throughput: { average: number };
  errors: number;
  non2xx: number;
}
type Cannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PULL_SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_SECONDS = Math.max(2, Math.round(PULL_SECONDS / 2));
const LATENCY_CONNECTIONS = 8;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await done;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A real package tarball of about `target` gzip bytes (random README so it does not compress away). */
async function packageOfSize(name: string, version: string, target: number): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-pkg-'));
  try {
    writeFileSync(
      join(dir, 'manifest.yaml'),
      `package:\n  name: ${name}\n  version: ${version}\nvariables: {}\nresources: []\n`,
    );
    writeFileSync(join(dir, 'README.md'), randomBytes(Math.floor(target * 0.985)).toString('base64'));
    const chunks: Buffer[] = [];
    for await (const c of tar.c({ gzip: true, cwd: dir, portable: true }, ['manifest.yaml', 'README.md']))
      chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function startOurs(storage: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, serveArgv(root, port, storage, ['--log-level', 'warn']), {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`, child, 'stackanetes-registry');
  return { url, child };
}

async function startDockerRegistry(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog: {disabled: true}',
      'storage:',
      `  filesystem: {rootdirectory: ${join(dir, 'data')}}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/v2/`, child, 'docker-registry');
  return { url, child };
}

/** Monolithic OCI blob upload: POST to open a session, PUT the bytes with the digest. */
async function ociUpload(url: string, repo: string, blob: Buffer): Promise<string> {
  const digest = `sha256:${sha(blob)}`;
  const open = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (open.status !== 202) throw new Error(`OCI upload start: ${open.status}`);
  const location = new URL(open.headers.get('location') as string, url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: blob,
  });
  if (put.status !== 201) throw new Error(`OCI upload put: ${put.status} ${await put.text()}`);
  return digest;
}

/** Writes a filesystem store holding `bench/<name>` with `count` releases sharing one blob. */
function seedFs(dir: string, packages: { name: string; count: number }[], blob: Buffer): void {
  const gzipDigest = sha(blob);
  const digest = sha(gunzipSync(blob));
  for (const d of ['packages/bench', 'auth', 'locks', 'tmp', `blobs/sha256/${gzipDigest.slice(0, 2)}`])
    mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'FORMAT'), 'stackanetes-registry-fs 1\n');
  writeFileSync(join(dir, 'blobs', 'sha256', gzipDigest.slice(0, 2), gzipDigest), blob);
  const createdAt = new Date().toISOString();
  for (const { name, count } of packages) {
    const releases: Record<string, unknown> = {};
    for (let i = 0; i < count; i++)
      releases[releaseName(i)] = {
        stackanetes: { digest, gzipDigest, size: blob.length, metadata: null, createdAt },
      };
    writeFileSync(
      join(dir, 'packages', 'bench', `${name}.json`),
      JSON.stringify({ createdAt, releases, channels: {} }),
    );
  }
}

async function seedPg(url: string, packages: { name: string; count: number }[], blob: Buffer): Promise<void> {
  const store = new PgStorage({ url, poolSize: 1 });
  await store.init();
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const gzipDigest = sha(blob);
    await client.query('INSERT INTO blobs(digest, size, data) VALUES ($1, $2, $3)', [
      gzipDigest,
      blob.length,
      blob,
    ]);
    for (const { name, count } of packages) {
      const { rows } = await client.query<{ id: string }>(
        "INSERT INTO packages(namespace, name) VALUES ('bench', $1) RETURNING id",
        [name],
      );
      await client.query(
        `INSERT INTO releases(package_id, release, media_type, digest, gzip_digest, size, metadata)
         SELECT $1, '1.' || (i / 1000) || '.' || (i % 1000), 'stackanetes', $2, $3, $4, 'null'::jsonb FROM generate_series(0, $5::int - 1) AS i`,
        [rows[0]?.id, sha(gunzipSync(blob)), gzipDigest, blob.length, count],
      );
    }
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

function releaseName(i: number): string {
  return `1.${Math.floor(i / 1000)}.${i % 1000}`;
}

async function postgresUrl(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.STACKANETES_BENCH_POSTGRES_URL;
  if (given) return { url: given, stop: async () => undefined };
  const { startServices } = (await import(
    pathToFileURL(join(root, 'test', 'services', 'services.mjs')).href
  )) as {
    startServices(): Promise<{ postgresUrl: string; stop(): Promise<void> }>;
  };
  const services = await startServices();
  return { url: services.postgresUrl, stop: () => services.stop() };
}

async function verify(url: string, expected: Buffer): Promise<void> {
  const r = await fetch(url);
  const body = Buffer.from(await r.arrayBuffer());
  if (r.status !== 200 || !body.equals(expected))
    throw new Error(`${url} did not return the benchmark blob (${r.status})`);
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-registry-'));
  const children: ChildProcess[] = [];
  // A run cut short (Ctrl-C, or `| head` closing stdout) skips the finally below: the servers
  // it started must not outlive it. The shared PostgreSQL has its own reaper.
  process.on('exit', () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  process.on('SIGINT', () => process.exit(130));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const blob = await packageOfSize('bench/small', '1.0.50', 50 * 1024);
    const packages = [
      { name: 'small', count: 100 },
      { name: 'large', count: 100000 },
    ];
    const fsDir = join(work, 'fs');
    seedFs(fsDir, packages, blob);
    const pgServer = await postgresUrl();
    cleanups.push(() => pgServer.stop());
    const db = await createThrowawayDatabase(pgServer.url, 'bench');
    cleanups.unshift(() => db.drop());
    await seedPg(db.url, packages, blob);

    const added = spawnSync(
      process.execPath,
      [join(root, 'bin', 'stackanetes-registry'), 'user', 'add', 'bench', '--storage', fsDir],
      { input: 'bench-password\n' },
    );
    if (added.status !== 0) throw new Error(`user add failed: ${added.stderr.toString()}`);
    const oursFs = await startOurs(fsDir);
    children.push(oursFs.child);
    const oursPg = await startOurs(db.url);
    children.push(oursPg.child);
    const docker = await startDockerRegistry(join(work, 'oci'));
    children.push(docker.child);
    const ociDigest = await ociUpload(docker.url, 'bench/small', blob);

    const pullPath = '/api/v1/packages/bench/small/1.0.50/stackanetes/pull';
    const targets = [
      {
        label: 'docker-registry GET /v2/<name>/blobs/<digest>',
        url: `${docker.url}/v2/bench/small/blobs/${ociDigest}`,
      },
      { label: 'stackanetes-registry pull (filesystem)', url: `${oursFs.url}${pullPath}` },
      { label: 'stackanetes-registry pull (PostgreSQL)', url: `${oursPg.url}${pullPath}` },
    ];
    for (const t of targets) await verify(t.url, blob);

    const pullRows: string[][] = [];
    let dockerRps = 0;
    for (const t of targets) {
      await autocannon({ url: t.url, connections: 64, duration: 1 }); // warm-up
      const r = await autocannon({ url: t.url, connections: 64, duration: PULL_SECONDS });
      if (t.label.startsWith('docker')) dockerRps = r.requests.average;
      pullRows.push([
        t.label,
        fmt(r.requests.average),
        fmt(r.throughput.average / 1024 / 1024, 1),
        fmt(r.latency.average, 2),
        fmt(r.latency.p99),
        `${fmt(r.requests.average / dockerRps, 2)}x`,
        String(r.errors + r.non2xx),
      ]);
    }
    process.stdout.write(
      `\nPull of a ${fmt(blob.length / 1024, 1)} KiB package, 64 connections, ${PULL_SECONDS}s each, loopback\n`,
    );
    process.stdout.write(
      `${table(['server', 'req/s', 'MiB/s', 'mean ms', 'p99 ms', 'vs docker', 'errors'], pullRows)}\n`,
    );

    const latencyRows: string[][] = [];
    for (const [backend, server] of [
      ['filesystem', oursFs],
      ['PostgreSQL', oursPg],
    ] as const) {
      for (const route of ['show', 'pull', 'pull default'] as const) {
        const figures: CannonResult[] = [];
        for (const { name } of packages) {
          const base = `${server.url}/api/v1/packages/bench/${name}`;
          const url =
            route === 'show'
              ? `${base}/1.0.50/stackanetes`
              : route === 'pull'
                ? `${base}/1.0.50/stackanetes/pull`
                : `${base}/default/stackanetes/pull`;
          await fetch(url).then((r) => r.arrayBuffer()); // load caches once, as a running registry would have
          figures.push(
            await autocannon({ url, connections: LATENCY_CONNECTIONS, duration: LATENCY_SECONDS }),
          );
        }
        const [small, large] = figures as [CannonResult, CannonResult];
        // autocannon's latencies have 1 ms resolution; the mean from Little's law (connections / rate) is exact.
        const mean = (r: CannonResult) => (1000 * LATENCY_CONNECTIONS) / r.requests.average;
        latencyRows.push([
          `${backend} ${route}`,
          fmt(small.requests.average),
          fmt(mean(small), 3),
          fmt(small.latency.p99),
          fmt(large.requests.average),
          fmt(mean(large), 3),
          fmt(large.latency.p99),
          `${fmt(mean(large) / mean(small), 2)}x`,
          String(small.errors + small.non2xx + large.errors + large.non2xx),
        ]);
      }
    }
    process.stdout.write(
      `\nLatency with 100 vs 100,000 releases in the package, ${LATENCY_CONNECTIONS} connections, ${LATENCY_SECONDS}s each (p99 in whole ms)\n`,
    );
    process.stdout.write(
      `${table(['backend route', '100: req/s', 'mean ms', 'p99 ms', '100k: req/s', 'mean ms', 'p99 ms', '100k/100', 'errors'], latencyRows)}\n`,
    );

    const setRows = await packageSetTransfer(work, docker.url, oursFs.url);
    process.stdout.write(
      `\nPush and pull of the full package set through the client (pull: median of 3, empty cache each time)\n`,
    );
    process.stdout.write(
      `${table(['registry', 'packages', 'MiB', 'push ms', 'pull ms', 'pull vs docker'], setRows)}\n`,
    );
  } finally {
    for (const c of children) await stop(c);
    for (const c of cleanups) await c().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Pushes every package directory with the client's push action (one session, as `push DIR…`
 * would), then pulls each release back three times with an empty blob cache; the pulls verify
 * digests as users' pulls do.
 */
async function packageSetTransfer(work: string, dockerUrl: string, oursUrl: string): Promise<string[][]> {
  const dirs = readdirSync(join(root, 'packages'))
    .map((d) => join(root, 'packages', d))
    .filter((d) => existsSync(join(d, 'manifest.yaml')));
  const home = join(work, 'client-home');
  mkdirSync(home, { recursive: true });
  const pushEnv = { STACKANETES_HOME: home, HOME: home };
  const ociRegistry = `oci://${new URL(dockerUrl).host}/bench-set`;
  await login(createActionContext({ cwd: process.cwd(), env: pushEnv }), {
    registry: oursUrl,
    username: 'bench',
    password: 'bench-password',
  });
  const rows: string[][] = [];
  let dockerPull = 0;
  for (const [label, registry] of [
    ['docker-registry (OCI)', ociRegistry],
    ['stackanetes-registry (appr, filesystem)', oursUrl],
  ] as const) {
    const started = performance.now();
    const pushed: { package: string; version: string; size: number }[] = [];
    for (const dir of dirs)
      pushed.push(await push(createActionContext({ cwd: root, env: pushEnv }), { dir, registry }));
    const pushMs = performance.now() - started;
    const pulls: number[] = [];
    for (let i = 0; i < 3; i++) {
      rmSync(join(home, 'cache'), { recursive: true, force: true });
      const session = await openRegistrySession({ env: pushEnv });
      const t0 = performance.now();
      for (const p of pushed) {
        const ref = registry.startsWith('oci://')
          ? parseOciReference(`${registry}/${p.package}@${p.version}`)
          : parseRegistryReference(`${p.package}@${p.version}`);
        await fetchRelease(session, ref, { registry });
      }
      pulls.push(performance.now() - t0);
    }
    const pullMs = [...pulls].sort((a, b) => a - b)[1] as number;
    if (registry.startsWith('oci://')) dockerPull = pullMs;
    rows.push([
      label,
      String(pushed.length),
      fmt(pushed.reduce((n, p) => n + p.size, 0) / 1024 / 1024, 2),
      fmt(pushMs),
      fmt(pullMs),
      `${fmt(pullMs / dockerPull, 2)}x`,
    ]);
  }
  return rows;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
