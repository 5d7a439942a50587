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
import { KUBE_RETRY, nextRetryDelay, type FailedAttempt, type RetryPolicy } from '../util/retry.js';
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

class TransportFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly connected: boolean,
  ) {
    super(message);
  }
}

/** One answer as it came off the wire. */
interface RawAnswer {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

/** Where requests go and over which pooled connections; shared by `request` and `stream`. */
class Endpoint {
  readonly url: URL;
  readonly secure: boolean;
  readonly basePath: string;
  private agent: http.Agent | undefined;

  constructor(
    server: string,
    private readonly maxSockets: number,
  ) {
    this.url = new URL(server);
    this.secure = this.url.protocol === 'https:';
    this.basePath = this.url.pathname.replace(/\/+$/, '');
  }

  /** Request options for `path` (already carrying its query string), on the keep-alive agent. */
  options(
    method: string,
    path: string,
    headers: Record<string, string>,
    a: AuthOptions,
  ): http.RequestOptions {
    return {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.secure ? 443 : 80),
      method,
      path: `${this.basePath}${path}`,
      headers,
      agent: this.agentFor(a),
    };
  }

  send(options: http.RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    return (this.secure ? https : http).request(options, onResponse);
  }

  destroy(): void {
    this.agent?.destroy();
  }

  private agentFor(a: AuthOptions): http.Agent {
    if (!this.agent) {
      const common = { keepAlive: true, maxSockets: this.maxSockets };
      this.agent = this.secure
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
    return this.agent;
  }
}

function withQuery(path: string, query: KubeRequest['query'], always = false): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs || always ? `${path}?${qs}` : path;
}

/** One attempt of a request: resolves with any answer, rejects with a TransportFailure. */
function sendOnce(
  endpoint: Endpoint,
  req: KubeRequest,
  a: AuthOptions,
  timeoutMs: number,
  stats: TransportStats,
): Promise<RawAnswer> {
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...a.headers };
  if (payload !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  stats.requests++;
  if (req.method !== 'GET') stats.writes++;
  return new Promise((resolve, reject) => {
    const r = endpoint.send(
      endpoint.options(req.method, withQuery(req.path, req.query), headers, a),
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), retryAfter });
        });
        res.on('error', (err) => reject(new TransportFailure('ECONNRESET', describeCause(err), true)));
      },
    );
    let connected = false;
    r.on('socket', (socket) => {
      if (!(socket as { connecting?: boolean }).connecting) connected = true;
      else socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => (connected = true));
    });
    r.setTimeout(timeoutMs, () => {
      const message = connected
        ? `no answer within ${timeoutMs} ms`
        : `connection not established within ${timeoutMs} ms`;
      r.destroy(new TransportFailure(connected ? 'ERESPONSETIMEOUT' : 'ECONNTIMEOUT', message, connected));
    });
    r.on('error', (err) => {
      if (err instanceof TransportFailure) return reject(err);
      const code = (err as NodeJS.ErrnoException).code ?? 'ECONNRESET';
      reject(new TransportFailure(code, describeCause(err), connected));
    });
    if (payload !== undefined) r.write(payload);
    r.end();
  });
}

/** A watch: JSON lines handed to `onLine` as they arrive; see KubeTransport.stream. */
function openStream(
  endpoint: Endpoint,
  auth: () => Promise<AuthOptions>,
  stats: TransportStats,
  req: Pick<KubeRequest, 'path' | 'query'>,
  onLine: (line: string) => void,
): KubeStream {
  let request: http.ClientRequest | undefined;
  let closed = false;
  const done = (async (): Promise<void> => {
    const a = await auth();
    if (closed) return;
    stats.requests++;
    await new Promise<void>((resolve, reject) => {
      const headers = { Accept: 'application/json', ...a.headers };
      const r = endpoint.send(
        endpoint.options('GET', withQuery(req.path, req.query, true), headers, a),
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
}

function parseJsonAnswer<T>(target: ClusterTarget, req: KubeRequest, body: string): T {
  try {
    return (body ? JSON.parse(body) : {}) as T;
  } catch {
    throw new ClusterError(
      `the server at ${target.server} answered ${req.method} ${req.path} with something that is not JSON: ${JSON.stringify(body.slice(0, 80))}`,
      {
        hint: 'check that --kubeconfig/--context point at a Kubernetes API server, not a proxy or web page',
      },
    );
  }
}

export function createTransport(target: ClusterTarget, options: TransportOptions = {}): KubeTransport {
  const endpoint = new Endpoint(target.server, options.maxSockets ?? 32);
  const timeoutMs = options.timeoutMs ?? 30000;
  const policy: RetryPolicy = {
    ...KUBE_RETRY,
    attempts: options.attempts ?? KUBE_RETRY.attempts,
    baseDelayMs: options.backoffMs ?? KUBE_RETRY.baseDelayMs,
  };
  const stats: TransportStats = { requests: 0, writes: 0, retries: 0 };
  let auth: Promise<AuthOptions> | undefined;
  const currentAuth = (): Promise<AuthOptions> => (auth ??= target.authenticate());
  const left = () => (options.deadline === undefined ? Infinity : options.deadline - Date.now());

  const unreachable = (err: TransportFailure): ClusterError =>
    new ClusterError(`cannot reach the Kubernetes API at ${target.server}: ${err.message}`, {
      cause: err,
      hint: 'check that the cluster is running and that --kubeconfig/--context point at it',
    });

  const request = async <T>(req: KubeRequest): Promise<T> => {
    let refreshedAuth = false;
    const started = Date.now();
    const retry = async (failed: Omit<FailedAttempt, 'idempotent' | 'deadline'>): Promise<boolean> => {
      const delay = nextRetryDelay(policy, {
        ...failed,
        idempotent: req.idempotent,
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
      if (delay === undefined) return false;
      stats.retries++;
      await sleep(delay);
      return true;
    };
    for (let attempt = 1; ; attempt++) {
      const a = await currentAuth();
      let answer: RawAnswer;
      try {
        answer = await sendOnce(
          endpoint,
          req,
          a,
          Math.round(Math.max(LAST_ATTEMPT_MS, Math.min(timeoutMs, left()))),
          stats,
        );
      } catch (err) {
        if (!(err instanceof TransportFailure)) throw err;
        if (await retry({ attempt, code: err.code, connected: err.connected })) continue;
        // The message states the time really spent, retries included.
        if (attempt > 1)
          err.message = `${err.message} (${attempt} attempts in ${Math.round((Date.now() - started) / 100) / 10} s)`;
        if (left() <= 0) err.message = `${err.message}, and --timeout ran out`;
        throw unreachable(err);
      }
      if (answer.status >= 200 && answer.status < 300) return parseJsonAnswer<T>(target, req, answer.body);
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
      const retryAfter = answer.retryAfter === undefined ? {} : { retryAfter: answer.retryAfter };
      if (await retry({ attempt, status: answer.status, ...retryAfter })) continue;
      throw toApiError(answer.status, answer.body);
    }
  };

  return {
    server: target.server,
    stats,
    request,
    stream: (req, onLine) => openStream(endpoint, currentAuth, stats, req, onLine),
    close: () => endpoint.destroy(),
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

/** A promise that resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
