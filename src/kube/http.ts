/**
 * The HTTP transport to the Kubernetes API: keep-alive connections, JSON in and out, retries with
 * exponential backoff for idempotent calls (5xx, 429, connection resets, response timeouts), and
 * one clear line when the cluster cannot be reached or refuses us. We speak REST directly instead
 * of through client-node's generated API classes because those deserialize into typed models,
 * which drops unknown fields and turns timestamps into Dates; a diff needs the objects exactly as
 * the server sent them.
 */
import http from 'node:http';
import https from 'node:https';
import { ClusterError, describeCause } from '../errors.js';
import type { AuthOptions, ClusterTarget } from './config.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Safe to send again after a failure that may or may not have reached the server. */
  idempotent: boolean;
}

/** A Kubernetes API answer other than 2xx, with the Status object's reason and message. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly details: unknown;
  constructor(status: number, reason: string, message: string, details: unknown) {
    super(message);
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

export function isApiError(err: unknown, status?: number): err is KubeApiError {
  return err instanceof KubeApiError && (status === undefined || err.status === status);
}

export interface TransportOptions {
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /** Attempts for idempotent calls, the first included (default 6). */
  attempts?: number;
  /** First backoff delay in milliseconds; doubles each retry (default 100). */
  backoffMs?: number;
  maxSockets?: number;
  /**
   * When the whole command must end (epoch ms, from --timeout): attempts are cut to what is
   * left, and no retry starts after it. Past it each request still gets one short attempt, so a
   * failed deploy can record why it failed.
   */
  deadline?: number;
}

/** The shortest attempt a request gets once the deadline has passed. */
const LAST_ATTEMPT_MS = 2000;

/** Counts what went over the wire, for reports and benchmarks. */
export interface TransportStats {
  requests: number;
  writes: number;
  retries: number;
}

/** An open streaming GET (a watch): `done` settles when the server ends it or it fails. */
export interface KubeStream {
  done: Promise<void>;
  /** Ends the stream from our side; `done` then resolves. */
  close(): void;
}

export interface KubeTransport {
  readonly server: string;
  readonly stats: TransportStats;
  request<T = unknown>(req: KubeRequest): Promise<T>;
  /**
   * A GET whose answer is a stream of JSON lines (a watch), each handed to `onLine` as it
   * arrives. Not retried: the caller knows where to resume from.
   */
  stream(req: Pick<KubeRequest, 'path' | 'query'>, onLine: (line: string) => void): KubeStream;
  close(): void;
}

const RETRIABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRIABLE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'ERESPONSETIMEOUT',
  'UND_ERR_SOCKET',
]);

class TransportFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly connected: boolean,
  ) {
    super(message);
  }
}

export function createTransport(target: ClusterTarget, options: TransportOptions = {}): KubeTransport {
  const url = new URL(target.server);
  const secure = url.protocol === 'https:';
  const basePath = url.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30000;
  const attempts = options.attempts ?? 6;
  const backoffMs = options.backoffMs ?? 100;
  const stats: TransportStats = { requests: 0, writes: 0, retries: 0 };
  let auth: Promise<AuthOptions> | undefined;
  let agent: http.Agent | undefined;
  const agentFor = (a: AuthOptions): http.Agent => {
    if (!agent) {
      const common = { keepAlive: true, maxSockets: options.maxSockets ?? 32 };
      agent = secure
        ? new https.Agent({
            ...common,
            ...(a.ca ? { ca: a.ca } : {}),
            ...(a.cert ? { cert: a.cert } : {}),
            ...(a.key ? { key: a.key } : {}),
            ...(a.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
            ...(a.servername ? { servername: a.servername } : {}),
          })
        : new http.Agent(common);
    }
    return agent;
  };

  const once = async (
    req: KubeRequest,
    a: AuthOptions,
    timeoutMs: number,
  ): Promise<{ status: number; body: string }> => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const qs = query.toString();
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { Accept: 'application/json', ...a.headers };
    if (payload !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    stats.requests++;
    if (req.method !== 'GET') stats.writes++;
    return new Promise((resolve, reject) => {
      const r = (secure ? https : http).request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || (secure ? 443 : 80),
          method: req.method,
          path: `${basePath}${req.path}${qs ? `?${qs}` : ''}`,
          headers,
          agent: agentFor(a),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (err) => reject(new TransportFailure('ECONNRESET', describeCause(err), true)));
        },
      );
      let connected = false;
      r.on('socket', (socket) => {
        if (!(socket as { connecting?: boolean }).connecting) connected = true;
        else socket.once(secure ? 'secureConnect' : 'connect', () => (connected = true));
      });
      r.setTimeout(timeoutMs, () => {
        r.destroy(
          new TransportFailure(
            connected ? 'ERESPONSETIMEOUT' : 'ECONNTIMEOUT',
            connected
              ? `no answer within ${timeoutMs} ms`
              : `connection not established within ${timeoutMs} ms`,
            connected,
          ),
        );
      });
      r.on('error', (err) => {
        if (err instanceof TransportFailure) return reject(err);
        const code = (err as NodeJS.ErrnoException).code ?? 'ECONNRESET';
        reject(new TransportFailure(code, describeCause(err), connected));
      });
      if (payload !== undefined) r.write(payload);
      r.end();
    });
  };

  const unreachable = (err: TransportFailure): ClusterError =>
    new ClusterError(`cannot reach the Kubernetes API at ${target.server}: ${err.message}`, {
      cause: err,
      hint: 'check that the cluster is running and that --kubeconfig/--context point at it',
    });

  return {
    server: target.server,
    stats,
    async request<T>(req: KubeRequest): Promise<T> {
      let refreshedAuth = false;
      const started = Date.now();
      const left = () => (options.deadline === undefined ? Infinity : options.deadline - Date.now());
      for (let attempt = 1; ; attempt++) {
        auth ??= target.authenticate();
        const a = await auth;
        let answer: { status: number; body: string };
        try {
          answer = await once(req, a, Math.round(Math.max(LAST_ATTEMPT_MS, Math.min(timeoutMs, left()))));
        } catch (err) {
          if (!(err instanceof TransportFailure)) throw err;
          // Refused or unresolvable connections mean the cluster is not there: fail fast.
          const retriable = RETRIABLE_CODES.has(err.code) || (err.connected && err.code !== 'ECONNREFUSED');
          const delay = backoff(backoffMs, attempt);
          if (req.idempotent && retriable && attempt < attempts && left() > delay) {
            stats.retries++;
            await sleep(delay);
            continue;
          }
          // The message states the time really spent, retries included.
          if (attempt > 1)
            err.message = `${err.message} (${attempt} attempts in ${Math.round((Date.now() - started) / 100) / 10} s)`;
          if (left() <= 0) err.message = `${err.message}, and --timeout ran out`;
          throw unreachable(err);
        }
        if (answer.status >= 200 && answer.status < 300) {
          try {
            return (answer.body ? JSON.parse(answer.body) : {}) as T;
          } catch {
            throw new ClusterError(
              `the server at ${target.server} answered ${req.method} ${req.path} with something that is not JSON: ${JSON.stringify(answer.body.slice(0, 80))}`,
              {
                hint: 'check that --kubeconfig/--context point at a Kubernetes API server, not a proxy or web page',
              },
            );
          }
        }
        if (answer.status === 401 && !refreshedAuth) {
          refreshedAuth = true;
          auth = undefined; // an expired token: ask the credential source once more
          continue;
        }
        if (answer.status === 401) {
          throw new ClusterError(
            `the Kubernetes API at ${target.server} refused the credentials of context ${target.context} (401 Unauthorized)`,
            { hint: 'log in again or fix the user entry of the kubeconfig' },
          );
        }
        if (RETRIABLE_STATUS.has(answer.status) && req.idempotent && attempt < attempts) {
          const delay = backoff(backoffMs, attempt);
          if (left() > delay) {
            stats.retries++;
            await sleep(delay);
            continue;
          }
        }
        throw toApiError(answer.status, answer.body);
      }
    },
    stream(req, onLine) {
      let request: http.ClientRequest | undefined;
      let closed = false;
      const done = (async (): Promise<void> => {
        auth ??= target.authenticate();
        const a = await auth;
        if (closed) return;
        const query = new URLSearchParams();
        for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, String(v));
        stats.requests++;
        await new Promise<void>((resolve, reject) => {
          const r = (secure ? https : http).request(
            {
              protocol: url.protocol,
              hostname: url.hostname.replace(/^\[|\]$/g, ''),
              port: url.port || (secure ? 443 : 80),
              method: 'GET',
              path: `${basePath}${req.path}?${query.toString()}`,
              headers: { Accept: 'application/json', ...a.headers },
              agent: agentFor(a),
            },
            (res) => {
              const status = res.statusCode ?? 0;
              let buffered = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                buffered += chunk;
                if (status < 200 || status >= 300) return;
                let nl = buffered.indexOf('\n');
                while (nl >= 0) {
                  const line = buffered.slice(0, nl).trim();
                  buffered = buffered.slice(nl + 1);
                  if (line) onLine(line);
                  nl = buffered.indexOf('\n');
                }
              });
              res.on('end', () => {
                if (status < 200 || status >= 300) reject(toApiError(status, buffered));
                else {
                  if (buffered.trim()) onLine(buffered.trim());
                  resolve();
                }
              });
              res.on('error', () => (closed ? resolve() : reject(new Error('watch stream broken'))));
              res.on('aborted', () => (closed ? resolve() : reject(new Error('watch stream aborted'))));
            },
          );
          request = r;
          r.on('error', (err) => (closed ? resolve() : reject(err)));
          r.end();
        });
      })();
      return {
        done,
        close() {
          closed = true;
          request?.destroy();
        },
      };
    },
    close() {
      agent?.destroy();
    },
  };
}

function toApiError(status: number, body: string): KubeApiError {
  let parsed: { reason?: string; message?: string; details?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    parsed = { message: body.trim().slice(0, 200) };
  }
  return new KubeApiError(
    status,
    parsed.reason ?? String(status),
    compactMessage(parsed) || `HTTP ${status}`,
    parsed.details,
  );
}

/**
 * A 422 message quotes the whole rejected value (a pod template is kilobytes of JSON); keep the
 * field and the reason, which is what a person needs, and drop long quoted values.
 */
function compactMessage(status: { message?: string; details?: unknown }): string | undefined {
  const causes = (status.details as { causes?: { field?: string; message?: string }[] } | undefined)?.causes;
  const message = status.message;
  if (!message || !Array.isArray(causes) || causes.length === 0 || message.length < 200) return message;
  const head = message.includes(' is invalid: ')
    ? message.slice(0, message.indexOf(' is invalid: ') + ' is invalid'.length)
    : undefined;
  const parts = causes.map((c) => {
    let text = c.message ?? '';
    if (text.startsWith('Invalid value: ')) {
      const cut = text.lastIndexOf(': ');
      const value = text.slice('Invalid value: '.length, cut);
      if (cut > 0 && value.length > 60) text = `Invalid value: ${text.slice(cut + 2)}`;
    }
    return c.field ? `${c.field}: ${text}` : text;
  });
  return head ? `${head}: ${parts.join('; ')}` : parts.join('; ');
}

function backoff(base: number, attempt: number): number {
  const delay = Math.min(base * 2 ** (attempt - 1), 3000);
  return delay / 2 + Math.random() * (delay / 2);
}

/** A promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
