/**
 * HTTP errors of the registry, one factory per row of the wire protocol's error table, so every
 * handler answers with the same `{"error": {code, message, details}}` body and status.
 */

/** An error that becomes an HTTP answer; anything else thrown by a handler is an internal 500. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Malformed request (bad JSON, missing field). */
export const badRequest = (message: string, details?: Record<string, unknown>): HttpError =>
  new HttpError(400, 'invalid-usage', message, details);
/** No credentials, or credentials that are unknown, expired or revoked. */
export const unauthorized = (message: string): HttpError =>
  new HttpError(401, 'unauthorized-access', message);
/** Valid credentials without rights on the namespace. */
export const forbidden = (message: string, details?: Record<string, unknown>): HttpError =>
  new HttpError(403, 'forbidden', message, details);
/** A package, release or channel that does not exist. */
export const notFound = (
  code:
    | 'package-not-found'
    | 'package-release-not-found'
    | 'channel-not-found'
    | 'namespace-not-found'
    | 'user-not-found'
    | 'not-found',
  message: string,
  details?: Record<string, unknown>,
): HttpError => new HttpError(404, code, message, details);
/** Method not served on an existing path. */
export const methodNotAllowed = (method: string, path: string): HttpError =>
  new HttpError(405, 'method-not-allowed', `${method} is not allowed on ${path}`);
/** Duplicate release, or state that would be broken by the change. */
export const conflict = (
  code: 'package-exists' | 'resource-in-use',
  message: string,
  details?: Record<string, unknown>,
): HttpError => new HttpError(409, code, message, details);
/** The body exceeds the configured limit. */
export const payloadTooLarge = (limit: number): HttpError =>
  new HttpError(413, 'payload-too-large', `request body exceeds the limit of ${limit} bytes`, { limit });
/** The body did not arrive in time. */
export const requestTimeout = (ms: number): HttpError =>
  new HttpError(408, 'request-timeout', `request body did not arrive within ${ms} ms`, { timeoutMs: ms });
/** A value that is well-formed JSON but semantically wrong (name, release, channel, blob). */
export const unprocessable = (
  code: 'invalid-release' | 'invalid-parameters' | 'invalid-version' | 'invalid-package',
  message: string,
  details?: Record<string, unknown>,
): HttpError => new HttpError(422, code, message, details);
/** The storage back end is unavailable. */
export const unavailable = (message: string): HttpError => new HttpError(503, 'unavailable', message);

/** Raised by storage back ends for unique/precondition violations; handlers map it to 409/404. */
export class StorageConflict extends Error {
  readonly kind: 'exists' | 'in-use' | 'missing-release' | 'missing-user' | 'missing-namespace';
  constructor(kind: StorageConflict['kind'], message: string) {
    super(message);
    this.name = 'StorageConflict';
    this.kind = kind;
  }
}
