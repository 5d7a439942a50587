/**
 * Operations: Prometheus metrics, JSON logs with request ids and no secrets, configuration from
 * env and flags with one-line errors, and a graceful shutdown that completes a push in flight.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { packageBlob } from './helpers/tarball.js';
import { addUser, call, createDatabase, login, push, pushBody, startRegistry } from './helpers/registry.js';

describe('registry operations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-ops-'));
  beforeAll(() => addUser(dir, 'ops', 'password-secret'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts requests by route and status, observes latency and exposes storage errors on /metrics', async () => {
    const reg = await startRegistry(dir);
    try {
      await call(reg.url, 'GET', '/api/v1/packages/ops/none/1.0.0/stackanetes/pull');
      const text = (await call(reg.url, 'GET', '/metrics')).body as string;
      expect(text).toContain(
        'stackanetes_registry_http_requests_total{method="GET",route="/api/v1/packages/:ns/:pkg/:release/:media_type/pull",status="404"} 1',
      );
      expect(text).toContain(
        'stackanetes_registry_http_request_duration_seconds_count{method="GET",route="/api/v1/packages/:ns/:pkg/:release/:media_type/pull"} 1',
      );
      expect(text).toContain(
        'stackanetes_registry_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/v1/packages/:ns/:pkg/:release/:media_type/pull"} 1',
      );
      expect(text).toContain('# TYPE stackanetes_registry_storage_errors_total counter');
    } finally {
      await reg.stop();
    }
  });

  it('answers 500 with the request id and counts a storage error when a blob vanished from disk', async () => {
    const reg = await startRegistry(dir);
    try {
      const token = await login(reg.url, 'ops', 'password-secret');
      const blob = packageBlob('ops/damaged', '1.0.0');
      expect((await push(reg.url, token, 'ops/damaged', blob, '1.0.0')).status).toBe(200);
      const gzipDigest = createHash('sha256').update(blob).digest('hex');
      rmSync(join(dir, 'blobs', 'sha256', gzipDigest.slice(0, 2), gzipDigest));
      const res = await fetch(`${reg.url}/api/v1/packages/ops/damaged/1.0.0/stackanetes/pull`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect([res.status, body.error.code]).toEqual([500, 'internal-error']);
      expect(body.error.message).toContain(res.headers.get('x-request-id'));
      const text = (await call(reg.url, 'GET', '/metrics')).body as string;
      expect(text).toContain('stackanetes_registry_storage_errors_total{operation="getBlob"} 1');
    } finally {
      await reg.stop();
    }
  });

  it('reports not ready and answers 503 while its PostgreSQL database is gone', async () => {
    const db = await createDatabase();
    const reg = await startRegistry(db.url);
    try {
      expect((await call(reg.url, 'GET', '/readyz')).status).toBe(200);
      await db.drop();
      const ready = await call(reg.url, 'GET', '/readyz');
      expect([ready.status, ready.body.status]).toEqual([503, 'storage-unavailable']);
      const show = await call(reg.url, 'GET', '/api/v1/packages/ops/any/1.0.0/stackanetes');
      expect([show.status, show.body.error.code]).toEqual([503, 'unavailable']);
      const text = (await call(reg.url, 'GET', '/metrics')).body as string;
      expect(text).toMatch(/stackanetes_registry_storage_errors_total\{operation="getRelease"\} [1-9]/);
    } finally {
      await reg.stop();
      await db.drop();
    }
  });

  it('logs one JSON object per line with the request id it answered, and never the password or token', async () => {
    const reg = await startRegistry(dir, ['--log-level', 'info']);
    const token = await login(reg.url, 'ops', 'password-secret');
    const res = await fetch(`${reg.url}/api/v1/packages/ops/logged`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-from-client-1' },
      body: pushBody(packageBlob('ops/logged', '1.0.0'), '1.0.0'),
    });
    expect([res.status, res.headers.get('x-request-id')]).toEqual([200, 'req-from-client-1']);
    const generated = (await fetch(`${reg.url}/healthz`)).headers.get('x-request-id');
    expect(generated).toMatch(/^[a-f0-9]{8}-[a-z0-9]+$/);
    expect(await reg.stop()).toBe(0);
    const lines = reg
      .output()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'request',
        reqId: 'req-from-client-1',
        route: '/api/v1/packages/:ns/:pkg',
        status: 200,
        user: 'ops',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', reqId: generated, route: '/healthz' }),
    );
    expect(reg.output()).not.toContain(token);
    expect(reg.output()).not.toContain('password-secret');
  });

  it('takes limits from the environment and flags from the command line', async () => {
    const reg = await startRegistry(dir, [], { STACKANETES_REGISTRY_MAX_BODY: '2KiB' });
    try {
      const token = await login(reg.url, 'ops', 'password-secret');
      const big = await push(reg.url, token, 'ops/big', packageBlob('ops/big', '1.0.0', [], 4000), '1.0.0');
      expect([big.status, (big.body.error as { code: string }).code]).toEqual([413, 'payload-too-large']);
    } finally {
      await reg.stop();
    }
  });

  it('reports bad configuration in one line with a non-zero exit and no stack trace', async () => {
    const bad = await runCli(['serve', '--storage', dir, '--max-body', '20XB'], {
      bin: 'stackanetes-registry',
    });
    expect([bad.code, bad.stderr]).toEqual([
      2,
      'error: invalid size for --max-body: "20XB" (use e.g. 20MiB, 512KiB or a byte count)\n',
    ]);
    const none = await runCli(['serve'], {
      bin: 'stackanetes-registry',
      env: { STACKANETES_REGISTRY_STORAGE: '' },
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no storage given: pass --storage DIR/);
    const short = await runCli(['user', 'add', 'shorty', '--storage', dir], {
      bin: 'stackanetes-registry',
      input: 'abc\n',
    });
    expect([short.code, short.stderr]).toEqual([
      3,
      'error: invalid password: use 8 to 1024 characters; fix: pipe the password on stdin, e.g. printf "%s\\n" "$PASSWORD" | stackanetes-registry user add NAME\n',
    ]);
    // A storage path that is a file is bad input, not an internal error with a stack.
    const file = join(dir, 'FORMAT');
    for (const argv of [
      ['serve', '--listen', '127.0.0.1:0', '--storage', file],
      ['user', 'list', '--storage', file],
    ]) {
      const unusable = await runCli(argv, { bin: 'stackanetes-registry' });
      expect(unusable.code).toBe(3);
      expect(unusable.stderr).toMatch(/^error: cannot use storage .*FORMAT.*not a directory.*; fix: .*\n$/);
    }
  });

  it('finishes a push that is in flight when SIGTERM arrives, then exits 0', async () => {
    const reg = await startRegistry(dir);
    const token = await login(reg.url, 'ops', 'password-secret');
    const body = Buffer.from(pushBody(packageBlob('ops/graceful', '1.0.0', [], 20000), '1.0.0'));
    const half = Math.floor(body.length / 2);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${reg.url}/api/v1/packages/ops/graceful`,
        { method: 'POST', headers: { authorization: token, 'content-length': body.length } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, half));
      setTimeout(() => {
        reg.child.kill('SIGTERM');
        setTimeout(() => req.end(body.subarray(half)), 300);
      }, 100);
    });
    const answer = await response;
    expect(answer.status).toBe(200);
    // The one SIGTERM sent above must be enough: the process exits on its own once the push is done.
    expect(await reg.exited).toBe(0);
    const after = await startRegistry(dir);
    try {
      expect((await call(after.url, 'GET', '/api/v1/packages/ops/graceful/1.0.0/stackanetes')).status).toBe(
        200,
      );
    } finally {
      await after.stop();
    }
  });
});
