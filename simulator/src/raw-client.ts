/**
 * A minimal HTTP client for tests that assert on the wire (status codes, Status bodies, headers)
 * rather than on a client library's exceptions. Plain HTTP simulators only (fetch cannot be
 * given the self-signed CA without extra machinery; use kubectl or client-node for TLS).
 */

/** One response: status, parsed JSON body (or raw text), headers. */
export interface RawResponse {
  status: number;
  // Tests poke into arbitrary objects; `any` keeps those assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

/** Request options: body (object → JSON, string sent as is), content type, bearer token, accept. */
export interface RawRequestOptions {
  body?: unknown;
  contentType?: string;
  token?: string;
  accept?: string;
  signal?: AbortSignal;
}

/** Sends one request to `baseUrl + path` and decodes the answer. */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: RawRequestOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON (e.g. /healthz): keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A client bound to one simulator URL, with shorthands for the common verbs. */
export function rawClient(baseUrl: string, token?: string) {
  const tok = token !== undefined ? { token } : {};
  return {
    get: (path: string, accept?: string) =>
      rawRequest(baseUrl, 'GET', path, { ...tok, ...(accept ? { accept } : {}) }),
    post: (path: string, body: unknown) => rawRequest(baseUrl, 'POST', path, { ...tok, body }),
    put: (path: string, body: unknown) => rawRequest(baseUrl, 'PUT', path, { ...tok, body }),
    delete: (path: string, body?: unknown) =>
      rawRequest(baseUrl, 'DELETE', path, { ...tok, ...(body !== undefined ? { body } : {}) }),
    patch: (path: string, body: unknown, type: 'merge' | 'strategic' | 'json' | 'apply') =>
      rawRequest(baseUrl, 'PATCH', path, {
        ...tok,
        body,
        contentType: {
          merge: 'application/merge-patch+json',
          strategic: 'application/strategic-merge-patch+json',
          json: 'application/json-patch+json',
          apply: 'application/apply-patch+yaml',
        }[type],
      }),
  };
}
