/**
 * The HTTP transport shared by the registry clients, on got: request timeouts, retries by the
 * shared policy of src/util/retry.ts for idempotent methods only (a retried POST could push
 * twice), and every failure turned into one line naming the registry host and the cause. got is imported lazily so commands that never reach a registry do not load it.
 */
import { RegistryError, describeCause } from '../errors.js';
import {
  REGISTRY_RETRY,
  RETRY_ERROR_CODES,
  RETRY_STATUSES,
  retryDelay,
  type RetryPolicy,
} from '../util/retry.js';

export interface HttpRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  url: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  json?: unknown;
  searchParams?: Record<string, string>;
  /** What the request is for, in messages: `pull stackanetes/keystone@0.3.0`. */
  what: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface TransportOptions {
  /** Milliseconds for a whole request (connect + response). */
  timeoutMs?: number;
  /** Retries after the first attempt, for idempotent methods. */
  retries?: number;
  /** First backoff delay; doubles each retry. */
  backoffMs?: number;
}

/** Sends HTTP requests; non-2xx answers come back as responses, network failures as RegistryError. */
export interface Transport {
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Transport defaults, overridable for slow links (`STACKANETES_REGISTRY_TIMEOUT` in ms). */
export function transportOptionsFromEnv(env: NodeJS.ProcessEnv): TransportOptions {
  const timeout = Number(env.STACKANETES_REGISTRY_TIMEOUT);
  const retries = Number(env.STACKANETES_REGISTRY_RETRIES);
  return {
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 30000,
    retries: Number.isInteger(retries) && retries >= 0 ? retries : REGISTRY_RETRY.attempts - 1,
    backoffMs: REGISTRY_RETRY.baseDelayMs,
  };
}

/** Builds the got-backed transport. */
export function createTransport(options: TransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 30000;
  const policy: RetryPolicy = {
    ...REGISTRY_RETRY,
    attempts: (options.retries ?? REGISTRY_RETRY.attempts - 1) + 1,
    baseDelayMs: options.backoffMs ?? REGISTRY_RETRY.baseDelayMs,
  };
  return {
    async request(req) {
      const { default: got, HTTPError, RequestError } = await import('got');
      const host = safeHost(req.url);
      try {
        const response = await got(req.url, {
          method: req.method ?? 'GET',
          headers: req.headers ?? {},
          ...(req.json !== undefined ? { json: req.json } : req.body !== undefined ? { body: req.body } : {}),
          ...(req.searchParams ? { searchParams: req.searchParams } : {}),
          responseType: 'buffer',
          throwHttpErrors: true,
          followRedirect: true,
          timeout: { request: timeoutMs },
          retry: {
            limit: policy.attempts - 1,
            methods: ['GET', 'HEAD', 'PUT', 'DELETE'],
            statusCodes: [...RETRY_STATUSES],
            errorCodes: [...RETRY_ERROR_CODES],
            maxRetryAfter: policy.maxRetryAfterMs,
            // got has already applied the methods, statuses, codes and limit (0 means "do not
            // retry"); the wait itself is the shared policy's, Retry-After included.
            calculateDelay: ({ attemptCount, computedValue, error }) =>
              computedValue === 0
                ? 0
                : (retryDelay(policy, attemptCount, error.response?.headers['retry-after']) ?? 0),
          },
        });
        return { status: response.statusCode, headers: response.headers, body: response.body };
      } catch (err) {
        if (err instanceof HTTPError) {
          const body = err.response.body;
          return {
            status: err.response.statusCode,
            headers: err.response.headers,
            body: Buffer.isBuffer(body) ? body : Buffer.from(String(body ?? '')),
          };
        }
        if (err instanceof RequestError) {
          const code = err.code;
          const reason =
            code === 'ECONNREFUSED'
              ? 'connection refused (is the registry running and is the address right?)'
              : code === 'ETIMEDOUT'
                ? `no answer within ${timeoutMs} ms`
                : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
                  ? 'host name does not resolve'
                  : describeCause(err);
          throw new RegistryError(`cannot reach registry ${host} (${req.what}): ${reason}`, {
            cause: err,
            hint: 'check the registry address (--registry, STACKANETES_REGISTRY or config.yaml) and your network',
          });
        }
        throw err;
      }
    },
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The `error.message` (appr shape) or first line of a response body, for error messages. */
export function responseMessage(res: HttpResponse): string {
  const text = res.body.toString('utf8');
  try {
    const doc = JSON.parse(text) as {
      error?: { message?: string; code?: string } | string;
      message?: string;
      errors?: { message?: string }[];
    };
    if (typeof doc.error === 'object' && doc.error?.message) return doc.error.message;
    if (typeof doc.error === 'string') return doc.error;
    if (doc.errors?.[0]?.message) return doc.errors[0].message;
    if (doc.message) return doc.message;
  } catch {
    // not JSON
  }
  if (/^\s*<(!doctype|html|head|body|\?xml|[a-z]+[\s>])/i.test(text)) return htmlExcerpt(res.status, text);
  const line = text.split('\n')[0]?.trim() ?? '';
  return line === '' ? `HTTP ${res.status}` : line.slice(0, 200);
}

/**
 * A proxy's or web server's HTML error page, as the status and a short plain-text excerpt (its
 * title, else its first words): the markup itself would make a one-line error unreadable.
 */
function htmlExcerpt(status: number, html: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const plain = (title ?? html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' '))
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .trim();
  const excerpt = plain.length > 80 ? `${plain.slice(0, 77)}...` : plain;
  return excerpt === '' ? `(an HTML page, HTTP ${status})` : `(an HTML page: "${excerpt}")`;
}

/** The appr error code (`package-not-found`, …) of an error response, if any. */
export function responseCode(res: HttpResponse): string | undefined {
  try {
    const doc = JSON.parse(res.body.toString('utf8')) as { error?: { code?: string } };
    return typeof doc.error === 'object' ? doc.error?.code : undefined;
  } catch {
    return undefined;
  }
}
