import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport } from '../../src/registry/http.js';

// A registry that answers each path's first `failures` requests with the given status.
const hits = new Map<string, number>();
const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  const [, status, failures, retryAfter] = path.split('/');
  if (n <= Number(failures)) {
    res.writeHead(Number(status), retryAfter ? { 'Retry-After': retryAfter } : {});
    res.end('busy');
    return;
  }
  res.end('ok');
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the registry transport follows the shared retry policy', () => {
  it('retries a 429 after the Retry-After the registry asked for', async () => {
    const transport = createTransport({ retries: 2, backoffMs: 1 });
    const started = Date.now();
    const res = await transport.request({ url: `${base}/429/1/1`, what: 'test' });
    expect(res.status).toBe(200);
    expect(hits.get('/429/1/1')).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('gives up at once when Retry-After asks for more patience than the policy has', async () => {
    const transport = createTransport({ retries: 2, backoffMs: 1 });
    const res = await transport.request({ url: `${base}/503/1/3600`, what: 'test' });
    expect(res.status).toBe(503);
    expect(hits.get('/503/1/3600')).toBe(1);
  });

  it('does not retry a refused connection: the registry is not there', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const transport = createTransport({ retries: 3, backoffMs: 2000 });
    const started = Date.now();
    await expect(
      transport.request({ url: `http://127.0.0.1:${port}/x`, what: 'list packages' }),
    ).rejects.toThrow(`cannot reach registry 127.0.0.1:${port} (list packages): connection refused`);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
