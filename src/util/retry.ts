/**
 * The one HTTP retry policy, used by the Kubernetes transport (our own loop) and by the registry
 * clients (got's retry options are filled from it). What is retried: idempotent requests only,
 * after an answer that says "busy or briefly broken" (429 and the gateway/5xx family) or a
 * connection that broke mid-way. What is not: a refused or unresolvable connection (the server is
 * not there, and saying so at once beats six silent attempts), and any other status. Delays double
 * from a base with "equal jitter" (half fixed, half random) so many clients do not retry in step;
 * a Retry-After the server sends is honoured when it is short enough, and no retry starts that
 * would end past the caller's deadline.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the first retry; doubles each retry. */
  baseDelayMs: number;
  /** Ceiling of the doubled delay. */
  maxDelayMs: number;
  /** A Retry-After longer than this ends the retries: the server asked for more patience than we have. */
  maxRetryAfterMs: number;
}

export const KUBE_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 3000,
  maxRetryAfterMs: 10_000,
};
export const REGISTRY_RETRY: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 3000,
  maxRetryAfterMs: 10_000,
};

/** Answers worth sending again: rate limited, or a server/gateway (Cloudflare's 52x included) briefly failing. */
export const RETRY_STATUSES: readonly number[] = [429, 500, 502, 503, 504, 521, 522, 524];

/** Failures of a connection that was there: the same request may well succeed on a new one. */
export const RETRY_ERROR_CODES: readonly string[] = [
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ERESPONSETIMEOUT',
  'UND_ERR_SOCKET',
  'EAI_AGAIN',
];

/** The server is not there (or not at that name): never retried, whatever else is known. */
const NOT_THERE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

export function isRetriableStatus(status: number): boolean {
  return RETRY_STATUSES.includes(status);
}

/**
 * Whether a failed request is worth repeating. `connected` says the connection had been
 * established, which makes any later failure (a reset, a timeout, garbage) a transient one.
 */
export function isRetriableError(code: string | undefined, connected = false): boolean {
  if (code !== undefined && NOT_THERE_CODES.has(code)) return false;
  return (code !== undefined && RETRY_ERROR_CODES.includes(code)) || connected;
}

/** The exponential, jittered delay before retry number `retry` (1 = the first retry). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const delay = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return delay / 2 + random() * (delay / 2);
}

/** A Retry-After header (delta seconds or an HTTP date) in milliseconds from `now`. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The delay before retry number `retry`, or undefined when the server's Retry-After is beyond
 * the policy's patience. A Retry-After is a floor: our own backoff may still wait longer.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfter?: string | string[],
  random: () => number = Math.random,
  now = Date.now(),
): number | undefined {
  const backoff = backoffDelay(policy, retry, random);
  const asked = retryAfterMs(retryAfter, now);
  if (asked === undefined) return backoff;
  if (asked > policy.maxRetryAfterMs) return undefined;
  return Math.max(asked, backoff);
}

/** What went wrong with attempt number `attempt` (1 = the first). */
export interface FailedAttempt {
  attempt: number;
  idempotent: boolean;
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** The error code, when there was none. */
  code?: string;
  connected?: boolean;
  retryAfter?: string | string[];
  /** Epoch ms after which no retry may start (nor be waited for). */
  deadline?: number;
}

/** Milliseconds to wait before the next attempt, or undefined when the failure is final. */
export function nextRetryDelay(
  policy: RetryPolicy,
  failed: FailedAttempt,
  random: () => number = Math.random,
  now = Date.now(),
): number | undefined {
  if (!failed.idempotent || failed.attempt >= policy.attempts) return undefined;
  const retriable =
    failed.status !== undefined
      ? isRetriableStatus(failed.status)
      : isRetriableError(failed.code, failed.connected ?? false);
  if (!retriable) return undefined;
  const delay = retryDelay(policy, failed.attempt, failed.retryAfter, random, now);
  if (delay === undefined) return undefined;
  if (failed.deadline !== undefined && failed.deadline - now <= delay) return undefined;
  return delay;
}
