import { describe, expect, it } from '@jest/globals';
import {
  backoffDelay,
  isRetriableError,
  isRetriableStatus,
  KUBE_RETRY,
  nextRetryDelay,
  REGISTRY_RETRY,
  retryAfterMs,
  retryDelay,
  type RetryPolicy,
} from '../../src/util/retry.js';

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };
const low = () => 0;
const high = () => 0.999999;

describe('the retry policy', () => {
  it('retries rate limiting and the 5xx gateway family, never a client error or 501', () => {
    for (const s of [429, 500, 502, 503, 504, 521, 522, 524]) expect(isRetriableStatus(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 422, 501]) expect(isRetriableStatus(s)).toBe(false);
  });

  it('fails fast when the server is not there, and retries a connection that broke once established', () => {
    expect(isRetriableError('ECONNREFUSED')).toBe(false);
    expect(isRetriableError('ECONNREFUSED', true)).toBe(false);
    expect(isRetriableError('ENOTFOUND')).toBe(false);
    expect(isRetriableError('ECONNRESET')).toBe(true);
    expect(isRetriableError('ETIMEDOUT')).toBe(true);
    // a timeout before the connection existed is a server that is not there
    expect(isRetriableError('ECONNTIMEOUT', false)).toBe(false);
    expect(isRetriableError('EPROTO', true)).toBe(true);
  });

  it('doubles the delay per retry up to the ceiling, jittered between half and all of it', () => {
    expect(backoffDelay(policy, 1, low)).toBe(50);
    expect(backoffDelay(policy, 1, high)).toBeCloseTo(100, 3);
    expect(backoffDelay(policy, 3, low)).toBe(200);
    expect(backoffDelay(policy, 10, low)).toBe(500);
    expect(backoffDelay(policy, 10, high)).toBeCloseTo(1000, 3);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs(['3'], now)).toBe(3000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:04 GMT', now)).toBe(4000);
    expect(retryAfterMs('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('waits at least what Retry-After asks, and gives up when it asks for more than the policy allows', () => {
    expect(retryDelay(policy, 1, '2', low)).toBe(2000);
    expect(retryDelay(policy, 10, '0', high)).toBeCloseTo(1000, 3);
    expect(retryDelay(policy, 1, '6', low)).toBeUndefined();
  });

  it('never retries a request that is not idempotent, nor beyond the attempts', () => {
    const failure = { status: 503 };
    expect(nextRetryDelay(policy, { ...failure, attempt: 1, idempotent: false }, low)).toBeUndefined();
    expect(nextRetryDelay(policy, { ...failure, attempt: 3, idempotent: true }, low)).toBe(200);
    expect(nextRetryDelay(policy, { ...failure, attempt: 4, idempotent: true }, low)).toBeUndefined();
    expect(nextRetryDelay(policy, { status: 404, attempt: 1, idempotent: true }, low)).toBeUndefined();
    expect(nextRetryDelay(policy, { code: 'ECONNRESET', attempt: 1, idempotent: true }, low)).toBe(50);
  });

  it('starts no retry whose wait would end past the deadline', () => {
    const now = 1_000_000;
    const failed = { status: 500, attempt: 1, idempotent: true };
    expect(nextRetryDelay(policy, { ...failed, deadline: now + 51 }, low, now)).toBe(50);
    expect(nextRetryDelay(policy, { ...failed, deadline: now + 50 }, low, now)).toBeUndefined();
    expect(
      nextRetryDelay(policy, { ...failed, deadline: now + 1500, retryAfter: '2' }, low, now),
    ).toBeUndefined();
  });

  it('gives the Kubernetes API six attempts from 100 ms and a registry four from 200 ms', () => {
    expect([KUBE_RETRY.attempts, KUBE_RETRY.baseDelayMs]).toEqual([6, 100]);
    expect([REGISTRY_RETRY.attempts, REGISTRY_RETRY.baseDelayMs]).toEqual([4, 200]);
  });
});
