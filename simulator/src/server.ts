/**
 * The HTTP face of the simulator: authentication, fault injection, the request log, discovery,
 * OpenAPI, and the REST routes for every served resource (including watch streams and tables).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { Api, type DeleteOptions, type PatchType, type Subresource, type WriteOptions } from './api.js';
import { ApiError, badRequest } from './api-error.js';
import type { Faults } from './faults.js';
import type { Json, JsonObject, KubeObject } from './json.js';
import { isObject, str } from './json.js';
import { discoveryEntry, openApiV2Document, openApiV3Document, openApiV3Root } from './openapi.js';
import type { RequestLog, RequestRecord, RequestVerb } from './requests.js';
import { decodeProtobuf, PROTOBUF_MEDIA_TYPE } from './protobuf.js';
import type { ResourceType } from './resources.js';
import { groupVersion } from './resources.js';
import { labelsOf, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { resourceKey, type WatchEvent } from './store.js';
import { toTable, type IncludeObject } from './tables.js';
import { checkApplyKeys, fieldProblems, strictError } from './field-validation.js';

/** Kinds with a `/scale` subresource. */
const scalable = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** The request body limit of the real server (3 MiB). */
const maxBody = 3 * 1024 * 1024;

/** Settings the HTTP layer reads on every request. */
export interface HttpSettings {
  token?: string;
  address(): string;
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function send(
  res: ServerResponse,
  status: number,
  body: Json,
  accept = '',
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const yaml = accept.includes('application/yaml') && !accept.includes('application/json');
  const text = yaml ? toYaml(body) : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': yaml ? 'application/yaml' : 'application/json',
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

function faultError(status: number): ApiError {
  switch (status) {
    case 503:
      return new ApiError(
        503,
        'ServiceUnavailable',
        'the server is currently unable to handle the request (injected fault)',
        { retryAfterSeconds: 1 },
      );
    case 429:
      return new ApiError(
        429,
        'TooManyRequests',
        'the server has received too many requests and has asked us to try again later (injected fault)',
        { retryAfterSeconds: 1 },
      );
    case 504:
      return new ApiError(
        504,
        'Timeout',
        'the server was unable to return a response in the time allotted, but may still be processing the request (injected fault)',
      );
    case 409:
      return new ApiError(
        409,
        'Conflict',
        'the object has been modified; please apply your changes to the latest version and try again (injected fault)',
      );
    default:
      return new ApiError(status, 'InternalError', 'Internal error occurred: injected fault', {
        causes: [{ message: 'injected fault' }],
      });
  }
}

function patchTypeOf(contentType: string): PatchType | undefined {
  const ct = contentType.split(';')[0]!.trim().toLowerCase();
  if (ct === 'application/json-patch+json') return 'json';
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+json') return 'apply';
  return undefined;
}

/** Handles one HTTP request against the simulated API. */
export class HttpFrontend {
  private readonly watches = new Set<ServerResponse>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly api: Api,
    private readonly log: RequestLog,
    private readonly faults: Faults,
    private readonly settings: HttpSettings,
  ) {}

  /** Ends watch streams and unanswered requests (before the server closes). */
  closeAll(): void {
    for (const res of this.watches) res.end();
    for (const res of this.hanging) res.destroy();
    this.watches.clear();
    this.hanging.clear();
  }

  /** The request listener. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.serve(req, res).catch((err: unknown) => {
      const apiErr =
        err instanceof ApiError
          ? err
          : new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error).message}`);
      send(res, apiErr.code, apiErr.toStatus());
    });
  };

  private classify(method: string, url: URL): RequestRecord {
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RequestRecord = {
      method,
      path: url.pathname,
      query,
      status: 0,
      verb: 'discovery',
      write: false,
      dryRun: url.searchParams.getAll('dryRun').includes('All'),
    };
    const fieldManager = url.searchParams.get('fieldManager');
    if (fieldManager) record.fieldManager = fieldManager;
    const route = this.routeOf(url.pathname);
    if (!route) return record;
    record.resource = route.type.plural;
    if (route.namespace !== undefined) record.namespace = route.namespace;
    if (route.name !== undefined) record.name = route.name;
    if (route.subresource !== undefined) record.subresource = route.subresource;
    const watch = url.searchParams.get('watch');
    const verbs: Record<string, RequestVerb> = {
      GET: route.name === undefined ? (watch === 'true' || watch === '1' ? 'watch' : 'list') : 'get',
      POST: 'create',
      PUT: 'update',
      PATCH: 'patch',
      DELETE: route.name === undefined ? 'deletecollection' : 'delete',
    };
    record.verb = verbs[method] ?? 'get';
    record.write = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method);
    return record;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://simulator');
    let record: RequestRecord;
    try {
      record = this.classify(method, url);
    } catch {
      record = { method, path: url.pathname, query: {}, status: 0, verb: 'get', write: false, dryRun: false };
    }
    const contentType = String(req.headers['content-type'] ?? '');
    if (method === 'PATCH') {
      const pt = patchTypeOf(contentType);
      if (pt) record.patchType = pt;
    }
    this.log.add(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });

    if (this.settings.token !== undefined) {
      const auth = String(req.headers.authorization ?? '');
      if (auth !== `Bearer ${this.settings.token}`) {
        send(res, 401, new ApiError(401, 'Unauthorized', 'Unauthorized').toStatus());
        return;
      }
    }
    const latency = this.faults.latencyFor(record);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    const decision = this.faults.decide(record);
    if (decision.kind === 'timeout') {
      record.fault = 'timeout';
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      req.resume();
      return;
    }
    if (decision.kind === 'error') {
      record.fault = 'error';
      req.resume();
      const err = faultError(decision.status);
      send(
        res,
        err.code,
        err.toStatus(),
        '',
        err.details?.retryAfterSeconds ? { 'Retry-After': String(err.details.retryAfterSeconds) } : {},
      );
      return;
    }
    const accept = String(req.headers.accept ?? '');
    const body = await readBody(req);
    try {
      // kubectl sends the objects it builds itself (create namespace) as protobuf; they are
      // turned into the JSON the same request would carry, so everything after sees JSON only.
      const protobuf = body.length > 0 && contentType.startsWith(PROTOBUF_MEDIA_TYPE);
      const raw = protobuf ? JSON.stringify(decodeProtobuf(body)) : body.toString('utf8');
      await this.dispatch(method, url, req, res, raw, protobuf ? 'application/json' : contentType, accept);
      // Streams (watch) stay open; their status is known as soon as headers went out.
      if (res.headersSent && record.status === 0) record.status = res.statusCode;
    } catch (err) {
      if (err instanceof ApiError) send(res, err.code, err.toStatus(), accept);
      else throw err;
    }
  }

  private async dispatch(
    method: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    contentType: string,
    accept: string,
  ): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (method === 'GET' && this.discovery(path, res, accept)) return;
    const route = this.routeOf(path);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const { type, namespace, name, subresource } = route;
    if (subresource === 'scale' && scalable.has(type.kind) && !type.crdName && name !== undefined) {
      return this.scale(method, type, namespace, name, req, res, raw, contentType, accept);
    }
    if (subresource !== undefined && subresource !== 'status') {
      throw new ApiError(
        404,
        'NotFound',
        `the server could not find the requested resource (${subresource} subresource is not simulated)`,
      );
    }
    if (subresource === 'status' && !type.hasStatus)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const sub: Subresource = subresource === 'status' ? 'status' : 'main';
    const q = url.searchParams;
    const write: WriteOptions = {
      dryRun: q.getAll('dryRun').includes('All'),
      ...(q.get('fieldManager') ? { fieldManager: q.get('fieldManager')! } : {}),
      force: q.get('force') === 'true',
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    const warnings: string[] = [];
    const checkFields = (body: Json, how: 'decode' | 'apply' | 'patch', text = ''): void => {
      const mode = q.get('fieldValidation') ?? 'Warn';
      if (mode === 'Ignore' || !isObject(body)) return;
      const problems = fieldProblems(type, body, how, how === 'decode' ? text : '');
      if (problems.length === 0) return;
      if (mode === 'Strict') throw strictError(type, how, problems);
      warnings.push(...problems.map((f) => `299 - ${JSON.stringify(f)}`));
    };
    const ok = (status: number, body: Json): void =>
      send(res, status, body, accept, warnings.length > 0 ? { Warning: warnings.join(', ') } : {});
    if (type.namespaced && namespace === undefined && name !== undefined)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');

    switch (method) {
      case 'GET': {
        if (name === undefined) {
          const watch = q.get('watch');
          if (watch === 'true' || watch === '1') return this.watch(type, namespace, q, accept, res);
          const list = this.api.list(type, namespace, {
            labelSelector: q.get('labelSelector'),
            fieldSelector: q.get('fieldSelector'),
            limit: q.get('limit') ? Number(q.get('limit')) : 0,
            continueToken: q.get('continue'),
            resourceVersion: q.get('resourceVersion'),
            resourceVersionMatch: q.get('resourceVersionMatch'),
          });
          const listMeta: JsonObject = { resourceVersion: list.resourceVersion };
          if (list.continueToken) listMeta.continue = list.continueToken;
          if (wantsTable(accept))
            return ok(
              200,
              toTable(
                type,
                list.items,
                list.resourceVersion,
                includeObject(q),
                list.continueToken ? { continue: list.continueToken } : {},
              ),
            );
          const typed = !type.crdName;
          const items = list.items.map((o) => (typed ? stripTypeMeta(o) : o));
          return ok(200, {
            kind: type.listKind,
            apiVersion: groupVersion(type.group, type.version),
            metadata: listMeta,
            items,
          });
        }
        const obj = this.api.get(type, namespace, name);
        if (wantsTable(accept))
          return ok(200, toTable(type, [obj], str(obj.metadata, 'resourceVersion') ?? '', includeObject(q)));
        return ok(200, obj);
      }
      case 'POST': {
        if (name !== undefined) throw methodNotAllowed();
        const body = Api.decodeBody(raw, contentType);
        checkFields(body, 'decode', raw);
        const created = this.api.create(type, namespace, body, write);
        return ok(201, created);
      }
      case 'PUT': {
        if (name === undefined) throw methodNotAllowed();
        const body = Api.decodeBody(raw, contentType);
        checkFields(body, 'decode', raw);
        return ok(200, this.api.update(type, namespace, name, body, write, sub));
      }
      case 'PATCH': {
        if (name === undefined) throw methodNotAllowed();
        const patchType = patchTypeOf(contentType);
        if (!patchType) {
          throw new ApiError(
            415,
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
          );
        }
        const body = Api.decodeBody(raw, patchType === 'apply' ? 'application/yaml' : 'application/json');
        if (patchType === 'apply' && isObject(body)) checkApplyKeys(type, body);
        if (patchType !== 'json') checkFields(body, patchType === 'apply' ? 'apply' : 'patch');
        const existed = this.api.store.get(resourceKey(type), namespace, name) !== undefined;
        const result = this.api.patch(type, namespace, name, patchType, body, write, sub);
        return ok(patchType === 'apply' && !existed ? 201 : 200, result);
      }
      case 'DELETE': {
        const options = deleteOptions(raw, q, write);
        if (name === undefined) {
          return ok(
            200,
            this.api.deleteCollection(
              type,
              namespace,
              { labelSelector: q.get('labelSelector'), fieldSelector: q.get('fieldSelector') },
              options,
            ),
          );
        }
        return ok(200, this.api.delete(type, namespace, name, options));
      }
      default:
        throw methodNotAllowed();
    }
  }

  private scale(
    method: string,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    contentType: string,
    accept: string,
  ): void {
    const q = new URL(req.url ?? '/', 'http://simulator').searchParams;
    const opts: WriteOptions = {
      dryRun: q.getAll('dryRun').includes('All'),
      ...(q.get('fieldManager') ? { fieldManager: q.get('fieldManager')! } : {}),
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    if (method === 'GET') return send(res, 200, this.api.getScale(type, namespace, name), accept);
    if (method !== 'PUT' && method !== 'PATCH') {
      throw methodNotAllowed();
    }
    const patchType = method === 'PUT' ? 'put' : patchTypeOf(contentType);
    if (!patchType)
      throw new ApiError(415, 'UnsupportedMediaType', 'unsupported patch type for the scale subresource');
    const body = Api.decodeBody(raw, 'application/json');
    send(res, 200, this.api.writeScale(type, namespace, name, patchType, body, opts), accept);
  }

  /** Parses a resource URL into its type, namespace, name and subresource. */
  routeOf(path: string): Route | undefined {
    const segs = path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else return undefined;
    const registry = this.api.registry;
    if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
      const type = registry.byPlural(group, version, rest[2]!);
      if (!type || !type.namespaced || rest.length > 5) return undefined;
      return {
        type,
        namespace: rest[1]!,
        ...(rest[3] !== undefined ? { name: rest[3] } : {}),
        ...(rest[4] !== undefined ? { subresource: rest[4] } : {}),
      };
    }
    const type = registry.byPlural(group, version, rest[0]!);
    if (!type || rest.length > 3) return undefined;
    if (type.namespaced && rest.length > 1) return undefined;
    return {
      type,
      ...(rest[1] !== undefined ? { name: rest[1] } : {}),
      ...(rest[2] !== undefined ? { subresource: rest[2] } : {}),
    };
  }

  /** /version, discovery and OpenAPI; returns false when the path is none of them. */
  private discovery(path: string, res: ServerResponse, accept = ''): boolean {
    const registry = this.api.registry;
    const groups = registry.groups();
    if (path === '/version') {
      send(res, 200, {
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.0-stackanetes-simulator',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.0',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
      return true;
    }
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return true;
    }
    if (path === '/api') {
      send(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.settings.address() }],
      });
      return true;
    }
    const groupEntry = (name: string, versions: string[]): JsonObject => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]!}`, version: versions[0]! },
    });
    if (path === '/apis') {
      const list = [...groups].filter(([g]) => g !== '').map(([g, v]) => groupEntry(g, v));
      send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
      return true;
    }
    let m = /^\/apis\/([^/]+)$/.exec(path);
    if (m) {
      const versions = groups.get(m[1]!);
      if (!versions || m[1] === '') return false;
      send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(m[1]!, versions) });
      return true;
    }
    m = /^\/api\/([^/]+)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (m) {
      const [group, version] = path.startsWith('/api/')
        ? ['', m[1]!]
        : (m[1]!.split('/') as [string, string]);
      const types = registry.all().filter((t) => t.group === group && t.version === version);
      if (types.length === 0) return false;
      const resources: JsonObject[] = [];
      for (const t of types) {
        resources.push(discoveryEntry(t));
        if (t.hasStatus)
          resources.push({
            name: `${t.plural}/status`,
            singularName: '',
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['get', 'patch', 'update'],
          });
        if (scalable.has(t.kind) && !t.crdName) {
          resources.push({
            name: `${t.plural}/scale`,
            singularName: '',
            namespaced: t.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          });
        }
      }
      send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: groupVersion(group, version),
        resources,
      });
      return true;
    }
    if (path === '/openapi/v2') {
      // kubectl asks for the protobuf encoding only; it treats 406 as "no v2 document" and
      // works from the v3 documents (explain, field validation) and its built-in types.
      if (!/application\/json|\*\/\*/.test(accept) && accept.includes('protobuf')) {
        send(
          res,
          406,
          new ApiError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2').toStatus(),
        );
        return true;
      }
      send(res, 200, openApiV2Document(registry));
      return true;
    }
    if (path === '/openapi/v3') {
      send(res, 200, openApiV3Root(registry));
      return true;
    }
    m = /^\/openapi\/v3\/(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (m) {
      const doc =
        m[1] !== undefined
          ? openApiV3Document(registry, '', m[1])
          : openApiV3Document(registry, m[2]!, m[3]!);
      if (!doc) return false;
      send(res, 200, doc);
      return true;
    }
    return false;
  }

  /** A watch stream: initial state or history from `resourceVersion`, then live events. */
  private watch(
    type: ResourceType,
    namespace: string | undefined,
    q: URLSearchParams,
    accept: string,
    res: ServerResponse,
  ): void {
    const labelMatch = parseLabelSelector(q.get('labelSelector'));
    const fieldMatch = parseFieldSelector(q.get('fieldSelector'));
    const key = resourceKey(type);
    const asTable = wantsTable(accept);
    const include = includeObject(q);
    const matches = (o: KubeObject): boolean =>
      (namespace === undefined || str(o.metadata, 'namespace') === namespace) &&
      labelMatch(labelsOf(o)) &&
      fieldMatch(o);
    const encode = (eventType: string, o: KubeObject): string => {
      o.apiVersion = groupVersion(type.group, type.version);
      const object = asTable ? toTable(type, [o], str(o.metadata, 'resourceVersion') ?? '', include) : o;
      return `${JSON.stringify({ type: eventType, object })}\n`;
    };
    const rvParam = q.get('resourceVersion');
    const initialEvents = q.get('sendInitialEvents') === 'true';
    const pending: string[] = [];
    if (initialEvents || !rvParam || rvParam === '0') {
      for (const o of this.api.store.list(key, namespace)) if (matches(o)) pending.push(encode('ADDED', o));
      if (initialEvents) {
        pending.push(
          `${JSON.stringify({
            type: 'BOOKMARK',
            object: {
              kind: type.kind,
              apiVersion: groupVersion(type.group, type.version),
              metadata: {
                resourceVersion: String(this.api.store.resourceVersion),
                annotations: { 'k8s.io/initial-events-end': 'true' },
              },
            },
          })}\n`,
        );
      }
    } else {
      const rv = Number(rvParam);
      const events = Number.isFinite(rv) ? this.api.store.eventsSince(key, rv) : undefined;
      if (!events) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        const gone = new ApiError(
          410,
          'Expired',
          `too old resource version: ${rvParam} (${this.api.store.oldestResumable})`,
        );
        res.end(`${JSON.stringify({ type: 'ERROR', object: gone.toStatus() })}\n`);
        return;
      }
      for (const e of events) if (matches(e.object)) pending.push(encode(e.type, e.object));
    }
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Transfer-Encoding': 'chunked',
      'Cache-Control': 'no-cache, private',
    });
    res.flushHeaders();
    for (const line of pending) res.write(line);
    this.watches.add(res);
    // Objects the client currently believes match: an update moving one out of the selector
    // arrives as DELETED and one moving in as ADDED, as the real watch cache sends them.
    const objKey = (o: KubeObject): string =>
      `${str(o.metadata, 'namespace') ?? ''}/${str(o.metadata, 'name') ?? ''}`;
    const known = new Set(this.api.store.list(key, namespace).filter(matches).map(objKey));
    const unsubscribe = this.api.store.subscribe((e: WatchEvent) => {
      if (e.resource !== key) return;
      const k = objKey(e.object);
      const now = matches(e.object);
      const was = known.has(k);
      if (e.type === 'DELETED') {
        known.delete(k);
        if (was || now) res.write(encode('DELETED', e.object));
        return;
      }
      if (now) {
        known.add(k);
        res.write(encode(was ? 'MODIFIED' : 'ADDED', e.object));
      } else if (was) {
        known.delete(k);
        res.write(encode('DELETED', e.object));
      }
    });
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    timer?.unref();
    res.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.watches.delete(res);
    });
  }
}

function wantsTable(accept: string): boolean {
  return /as=Table/.test(accept);
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** Typed lists carry kind/apiVersion on the list only, as the real server encodes them. */
function stripTypeMeta(o: KubeObject): JsonObject {
  const { apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

function deleteOptions(raw: string, q: URLSearchParams, write: WriteOptions): DeleteOptions {
  const body: JsonObject =
    raw.trim() === ''
      ? {}
      : ((): JsonObject => {
          const parsed = Api.decodeBody(raw, 'application/json');
          if (!isObject(parsed)) throw badRequest('DeleteOptions must be an object');
          return parsed;
        })();
  const policy = (q.get('propagationPolicy') ?? str(body, 'propagationPolicy')) as
    DeleteOptions['propagationPolicy'] | undefined;
  if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy)) {
    throw badRequest(`propagationPolicy "${String(policy)}" is not one of Foreground, Background, Orphan`);
  }
  const orphan = body.orphanDependents === true || q.get('orphanDependents') === 'true';
  const dryRun = write.dryRun || (Array.isArray(body.dryRun) && body.dryRun.includes('All'));
  const pre = isObject(body.preconditions) ? body.preconditions : {};
  return {
    ...write,
    dryRun,
    ...(policy ? { propagationPolicy: policy } : orphan ? { propagationPolicy: 'Orphan' as const } : {}),
    preconditions: {
      ...(str(pre, 'uid') ? { uid: str(pre, 'uid') } : {}),
      ...(str(pre, 'resourceVersion') ? { resourceVersion: str(pre, 'resourceVersion') } : {}),
    },
  };
}

/** The 405 a real API server answers for a verb the path does not take (POST to a name, PUT to a list). */
function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody)
      throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${maxBody}`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
