/**
 * Request plumbing on node:http: a per-request context, bounded body reading, JSON answers and
 * the error body of the wire protocol.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest, HttpError, payloadTooLarge, requestTimeout } from './errors.js';

/** What a handler sees of one request. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Decoded path segments after the optional `/cnr` prefix. */
  segments: string[];
  query: URLSearchParams;
  requestId: string;
  /** Route template for metrics and logs, set by the router. */
  route: string;
  /** Authenticated user name, when a valid token was sent. */
  user: string | undefined;
}

/**
 * Reads the whole body up to `limit` bytes; beyond that, drains a bounded amount and answers 413.
 * A body that has not fully arrived after `timeoutMs` (a client that stalls, or declares a
 * Content-Length it never sends) answers 408 instead of holding the request open.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs = 30_000): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => {
      req.pause();
      reject(requestTimeout(timeoutMs));
    }, timeoutMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > limit;
    // Draining (instead of closing at once) lets well-behaved clients read the 413; past 4x the
    // limit we stop being polite.
    const drainCap = limit * 4;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > drainCap) {
          req.pause();
          reject(payloadTooLarge(limit));
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(payloadTooLarge(limit)) : resolve(Buffer.concat(chunks, size))));
    req.on('error', reject);
  });
}

/** Parses a JSON object body; 400 for anything else. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`request body is not valid JSON (${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badRequest('request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Sends a JSON answer. */
export function sendJson(
  ctx: RequestContext,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(JSON.stringify(value));
  ctx.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': body.length,
    ...headers,
  });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/** Sends bytes with a content type. */
export function sendBytes(
  ctx: RequestContext,
  status: number,
  body: Buffer,
  headers: Record<string, string>,
): void {
  ctx.res.writeHead(status, { 'content-length': body.length, ...headers });
  ctx.res.end(ctx.method === 'HEAD' ? undefined : body);
}

/** The wire protocol's error body. */
export function sendError(ctx: RequestContext, err: HttpError): void {
  const headers: Record<string, string> = {};
  if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="stackanetes-registry"';
  if (err.status === 413 || err.status === 408) headers.connection = 'close';
  sendJson(
    ctx,
    err.status,
    { error: { code: err.code, message: err.message, details: err.details } },
    headers,
  );
}
