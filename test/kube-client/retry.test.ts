import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTransport, isApiError } from '../../src/kube/http.js';

// An API server that answers each path's first `failures` requests with `status` (and Retry-After).
const hits = new Map<string, number>();
const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] as string;
  const n = (hits.get(path) ?? 0) + 1;
  hits.set(path, n);
  const [, status, failures, retryAfter] = path.split('/');
  res.setHeader('Content-Type', 'application/json');
  if (n <= Number(failures)) {
    res.writeHead(Number(status), retryAfter ? { 'Retry-After': retryAfter } : {});
    res.end(
      JSON.stringify({
        kind: 'Status',
        code: Number(status),
        reason: 'TooManyRequests',
        message: 'slow down',
      }),
    );
    return;
  }
  res.end('{"kind":"Namespace"}');
});
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const transportFor = (deadline?: number) =>
  createTransport(
    { server: url, context: 'test', namespace: 'default', authenticate: async () => ({ headers: {} }) },
    { backoffMs: 1, ...(deadline ? { deadline } : {}) },
  );

describe('the Kubernetes transport follows the shared retry policy', () => {
  it('waits out the Retry-After of a 429 before retrying a read', async () => {
    const transport = transportFor();
    const started = Date.now();
    await expect(transport.request({ method: 'GET', path: '/429/1/1', idempotent: true })).resolves.toEqual({
      kind: 'Namespace',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(transport.stats.retries).toBe(1);
    transport.close();
  });

  it('reports the 429 at once when its Retry-After would end past the deadline', async () => {
    const transport = transportFor(Date.now() + 500);
    const err = await transport
      .request({ method: 'GET', path: '/429/5/2', idempotent: true })
      .catch((e) => e);
    expect(isApiError(err, 429)).toBe(true);
    expect(hits.get('/429/5/2')).toBe(1);
    transport.close();
  });

  it('never retries a write that is not idempotent', async () => {
    const transport = transportFor();
    const err = await transport
      .request({ method: 'POST', path: '/503/5', idempotent: false })
      .catch((e) => e);
    expect(isApiError(err, 503)).toBe(true);
    expect(hits.get('/503/5')).toBe(1);
    transport.close();
  });
});
