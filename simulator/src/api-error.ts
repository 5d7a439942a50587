/**
 * Errors the simulated API server answers with, shaped as the real server's `Status` bodies so
 * clients (kubectl, client-node) print the same messages and branch on the same reasons.
 */
import type { JsonObject } from './json.js';

/** One entry of `details.causes` (field-level reason, e.g. for 422 or apply conflicts). */
export interface StatusCause {
  type?: string;
  reason?: string;
  message: string;
  field?: string;
}

/** What `details` names: the object the failure is about. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A failure with its HTTP code and the Status `reason` the real server uses for it. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The `Status` body sent on the wire. */
  toStatus(): JsonObject {
    const body: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = JSON.parse(JSON.stringify(this.details)) as JsonObject;
    return body;
  }
}

/** How the real server names a resource in messages: `deployments.apps`, or `configmaps` for core. */
export function qualifiedResource(plural: string, group: string): string {
  return group === '' ? plural : `${plural}.${group}`;
}

/** 404 for a named object. */
export function notFound(plural: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(plural, group)} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 when creating an object that exists. */
export function alreadyExists(plural: string, group: string, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedResource(plural, group)} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });
}

/** 409 for an update carrying a stale resourceVersion (optimistic concurrency). */
export function staleConflict(plural: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(plural, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: plural },
  );
}

/** One invalid field, collected by validation before answering 422. */
export interface FieldError {
  field: string;
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueForbidden'
    | 'FieldValueDuplicate'
    | 'FieldValueNotFound'
    | 'FieldValueTooLong';
  detail: string;
  value?: unknown;
}

/**
 * A value as the real server prints it in field errors (Go's `%#v` for the simple cases:
 * quoted strings, bare numbers, `map[string]string{"a":"b"}`, `[]string{"a"}`).
 */
export function goValue(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null)
    return JSON.stringify(v);
  if (v === undefined) return '""';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string'))
    return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  if (typeof v === 'object' && Object.values(v as object).every((x) => typeof x === 'string'))
    return `map[string]string{${Object.entries(v as Record<string, string>)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v);
}

/** 422 Invalid with the per-field causes, message formatted like the real server's. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const describe = (e: FieldError): string => {
    switch (e.type) {
      case 'FieldValueRequired':
        return `Required value${e.detail ? `: ${e.detail}` : ''}`;
      case 'FieldValueForbidden':
        return `Forbidden: ${e.detail}`;
      case 'FieldValueNotSupported':
        return `Unsupported value: ${goValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
      case 'FieldValueDuplicate':
        return `Duplicate value: ${goValue(e.value)}`;
      case 'FieldValueNotFound':
        return `Not found: ${goValue(e.value)}`;
      case 'FieldValueTooLong':
        return `Too long: ${e.detail}`;
      default:
        return `Invalid value: ${goValue(e.value)}: ${e.detail}`;
    }
  };
  const parts = errors.map((e) => `${e.field}: ${describe(e)}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  return new ApiError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: describe(e), field: e.field })),
  });
}

/** 400 for a request the server cannot decode or that contradicts its URL. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}
