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
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const idPrefix = randomBytes(4).toString('hex');
  let counter = 0;
  const route = createRouter({
    storage: countErrors(storage, metrics),
    config,
    blobs: new BlobCache(config.blobCacheBytes),
    metrics,
    version,
  });

  async function handleOps(ctx: RequestContext, path: string): Promise<boolean> {
    if (path === '/healthz') {
      ctx.route = '/healthz';
      sendJson(ctx, 200, { status: 'ok' });
      return true;
    }
    if (path === '/readyz') {
      ctx.route = '/readyz';
      const ok = !shuttingDown && (await storage.ready().catch(() => false));
      sendJson(ctx, ok ? 200 : 503, {
        status: ok ? 'ready' : shuttingDown ? 'shutting-down' : 'storage-unavailable',
        storage: storage.kind,
      });
      return true;
    }
    if (path === '/metrics') {
      ctx.route = '/metrics';
      const text = await metrics.registry.metrics();
      ctx.res.writeHead(200, { 'content-type': metrics.registry.contentType });
      ctx.res.end(text);
      return true;
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    inFlight++;
    const headerId = req.headers['x-request-id'];
    const requestId =
      typeof headerId === 'string' && REQUEST_ID.test(headerId)
        ? headerId
        : `${idPrefix}-${(++counter).toString(36)}`;
    res.setHeader('x-request-id', requestId);
    if (shuttingDown) res.setHeader('connection', 'close');
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
      if (!(await handleOps(ctx, rawPath))) {
        let segments = splitPath(rawPath);
        if (segments[0] === 'cnr') segments = segments.slice(1);
        ctx.segments = segments;
        await route(ctx)(ctx);
      }
    } catch (err) {
      if (err instanceof HttpError) {
        if (!res.headersSent) sendError(ctx, err);
      } else {
        logger.log('error', 'request failed', {
          reqId: requestId,
          method: ctx.method,
          route: ctx.route,
          error: (err as Error).message,
          stack: (err as Error).stack,
        });
        if (!res.headersSent) {
          const storageDown = isUnavailable(err);
          sendError(
            ctx,
            storageDown
              ? unavailable('storage is unavailable; retry later')
              : new HttpError(500, 'internal-error', `internal error (request id ${requestId})`),
          );
        } else res.destroy();
      }
    } finally {
      const finish = () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        metrics.requests.inc({ method: ctx.method, route: ctx.route, status: String(res.statusCode) });
        metrics.duration.observe({ method: ctx.method, route: ctx.route }, seconds);
        if (logger.enabled('info')) {
          logger.log('info', 'request', {
            reqId: requestId,
            method: ctx.method,
            route: ctx.route,
            status: res.statusCode,
            ms: Math.round(seconds * 1e5) / 100,
            user: ctx.user,
          });
        }
        inFlight--;
        if (inFlight === 0 && idleWaiters.length > 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      };
      if (res.writableFinished) finish();
      else res.once('close', finish);
    }
  }

  const server: Server = createServer({ keepAliveTimeout: 65000, requestTimeout: 120000 }, (req, res) => {
    void handle(req, res);
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
        logger.log('info', 'shutting down', { inFlight });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise<void>((resolve) => idleWaiters.push(resolve)),
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
