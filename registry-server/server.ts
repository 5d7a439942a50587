/**
 * The registry HTTP server on node:http: per-request id, routing, error mapping, metrics, JSON
 * access logs, health endpoints and a graceful shutdown that lets in-flight requests finish.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobCache } from './blob-cache.js';
import type { ServerConfig } from './config.js';
import { HttpError, StorageConflict, badRequest, unavailable } from './errors.js';
import { sendError, sendJson, type RequestContext } from './http.js';
import type { Logger } from './log.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { createRouter } from './routes/index.js';
import type { Storage } from './storage/types.js';

/** A running registry. */
export interface RegistryServer {
  readonly url: string;
  readonly port: number;
  readonly metrics: ServerMetrics;
  /** Stops accepting, finishes in-flight requests (bounded by the shutdown timeout), closes storage. */
  close(): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

function splitPath(rawPath: string): string[] {
  const parts = rawPath.split('/').filter((p) => p !== '');
  try {
    return parts.map((p) => decodeURIComponent(p));
  } catch {
    throw badRequest('the request path has invalid percent-encoding');
  }
}

/**
 * Errors that mean "the store cannot be reached or used right now" (503, retryable) rather than
 * a bug (500): connection failures, PostgreSQL connection/shutdown classes, full or read-only disks.
 */
function isUnavailable(err: unknown): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'ENOSPC',
      'EROFS',
      'EACCES',
      '3D000',
      '57P01',
      '57P02',
      '57P03',
      '53300',
    ].includes(code)
  )
    return true;
  if (code.startsWith('08')) return true;
  return /Connection terminated|timeout exceeded when trying to connect|connection timeout/i.test(
    String((err as Error).message),
  );
}

/**
 * Wraps storage so every failed call counts in `storage_errors_total{operation}`. Conflicts are
 * answers (409/404), not failures, and are not counted.
 */
function countErrors(storage: Storage, metrics: ServerMetrics): Storage {
  return new Proxy(storage, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((err: unknown) => {
          if (!(err instanceof StorageConflict)) metrics.storageErrors.inc({ operation: String(prop) });
          throw err;
        });
    },
  });
}

/** Counts requests in flight so a shutdown can wait for the last one. */
class InFlight {
  count = 0;
  private idleWaiters: (() => void)[] = [];

  start(): void {
    this.count++;
  }

  end(): void {
    this.count--;
    if (this.count === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  idle(): Promise<void> {
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}

/** What answering one request needs, shared by every request of a server. */
interface Plumbing {
  storage: Storage;
  logger: Logger;
  metrics: ServerMetrics;
  route: ReturnType<typeof createRouter>;
  inFlight: InFlight;
  shuttingDown: () => boolean;
  nextRequestId: () => string;
}

async function handleOps(ctx: RequestContext, path: string, p: Plumbing): Promise<boolean> {
  if (path === '/healthz') {
    ctx.route = '/healthz';
    sendJson(ctx, 200, { status: 'ok' });
    return true;
  }
  if (path === '/readyz') {
    ctx.route = '/readyz';
    const shuttingDown = p.shuttingDown();
    const ok = !shuttingDown && (await p.storage.ready().catch(() => false));
    sendJson(ctx, ok ? 200 : 503, {
      status: ok ? 'ready' : shuttingDown ? 'shutting-down' : 'storage-unavailable',
      storage: p.storage.kind,
    });
    return true;
  }
  if (path === '/metrics') {
    ctx.route = '/metrics';
    const text = await p.metrics.registry.metrics();
    ctx.res.writeHead(200, { 'content-type': p.metrics.registry.contentType });
    ctx.res.end(text);
    return true;
  }
  return false;
}

/** Answers a failed request: HttpErrors as they are, storage outages as 503, anything else as 500. */
function fail(ctx: RequestContext, err: unknown, logger: Logger): void {
  if (err instanceof HttpError) {
    if (!ctx.res.headersSent) sendError(ctx, err);
    return;
  }
  logger.log('error', 'request failed', {
    reqId: ctx.requestId,
    method: ctx.method,
    route: ctx.route,
    error: (err as Error).message,
    stack: (err as Error).stack,
  });
  if (ctx.res.headersSent) {
    ctx.res.destroy();
    return;
  }
  sendError(
    ctx,
    isUnavailable(err)
      ? unavailable('storage is unavailable; retry later')
      : new HttpError(500, 'internal-error', `internal error (request id ${ctx.requestId})`),
  );
}

/** Counts and logs a request once its answer is out. */
function finished(ctx: RequestContext, started: bigint, p: Plumbing): void {
  const { res } = ctx;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  p.metrics.requests.inc({ method: ctx.method, route: ctx.route, status: String(res.statusCode) });
  p.metrics.duration.observe({ method: ctx.method, route: ctx.route }, seconds);
  if (p.logger.enabled('info')) {
    p.logger.log('info', 'request', {
      reqId: ctx.requestId,
      method: ctx.method,
      route: ctx.route,
      status: res.statusCode,
      ms: Math.round(seconds * 1e5) / 100,
      user: ctx.user,
    });
  }
  p.inFlight.end();
}

async function handle(req: IncomingMessage, res: ServerResponse, p: Plumbing): Promise<void> {
  const started = process.hrtime.bigint();
  p.inFlight.start();
  const headerId = req.headers['x-request-id'];
  const requestId = typeof headerId === 'string' && REQUEST_ID.test(headerId) ? headerId : p.nextRequestId();
  res.setHeader('x-request-id', requestId);
  if (p.shuttingDown()) res.setHeader('connection', 'close');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const ctx: RequestContext = {
    req,
    res,
    method: req.method ?? 'GET',
    segments: [],
    query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
    requestId,
    route: 'unmatched',
    user: undefined,
  };
  try {
    if (!(await handleOps(ctx, rawPath, p))) {
      let segments = splitPath(rawPath);
      if (segments[0] === 'cnr') segments = segments.slice(1);
      ctx.segments = segments;
      await p.route(ctx)(ctx);
    }
  } catch (err) {
    fail(ctx, err, p.logger);
  } finally {
    if (res.writableFinished) finished(ctx, started, p);
    else res.once('close', () => finished(ctx, started, p));
  }
}

/** Starts a server for an opened (and initialised) storage. */
export async function startServer(options: {
  config: ServerConfig;
  storage: Storage;
  logger: Logger;
  version: string;
}): Promise<RegistryServer> {
  const { config, storage, logger, version } = options;
  const metrics = createMetrics();
  let shuttingDown = false;
  const inFlight = new InFlight();
  const idPrefix = randomBytes(4).toString('hex');
  let counter = 0;
  const plumbing: Plumbing = {
    storage,
    logger,
    metrics,
    route: createRouter({
      storage: countErrors(storage, metrics),
      config,
      blobs: new BlobCache(config.blobCacheBytes),
      metrics,
      version,
    }),
    inFlight,
    shuttingDown: () => shuttingDown,
    nextRequestId: () => `${idPrefix}-${(++counter).toString(36)}`,
  };

  const server: Server = createServer({ keepAliveTimeout: 65000, requestTimeout: 120000 }, (req, res) => {
    void handle(req, res, plumbing);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  logger.log('info', 'listening', {
    address: `${hostForUrl}:${address.port}`,
    storage: storage.kind,
    anonymousReads: config.anonymousReads,
    allowSignup: config.allowSignup,
  });

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    port: address.port,
    metrics,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        logger.log('info', 'shutting down', { inFlight: inFlight.count });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight.count > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            inFlight.idle(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, config.shutdownTimeoutMs);
            }),
          ]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await closed;
        await storage.close();
        logger.log('info', 'stopped', {});
      })();
      return closing;
    },
  };
}
