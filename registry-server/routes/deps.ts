/** What route modules depend on; passed in so tests and several servers per process stay independent. */
import type { BlobCache } from '../blob-cache.js';
import type { ServerConfig } from '../config.js';
import type { RequestContext } from '../http.js';
import type { ServerMetrics } from '../metrics.js';
import type { Storage } from '../storage/types.js';

export interface RouteDeps {
  storage: Storage;
  config: ServerConfig;
  blobs: BlobCache;
  metrics: ServerMetrics;
  version: string;
}

/** Where every route of one package starts. */
export const PACKAGE_PATH = '/api/v1/packages/:ns/:pkg';

/** Answers one request whose route is already known. */
export type Handler = (ctx: RequestContext) => Promise<void>;

/** Path parameters of a matched route, already validated by the router. */
export type Params = Readonly<Record<string, string>>;

/** One method's handler on a route. */
export type RouteHandler = (ctx: RequestContext, params: Params) => Promise<void>;

/** What a route module registers on; each path lists its methods, any other method answers 405. */
export interface ApiRoutes {
  on(path: string, methods: Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', RouteHandler>>): void;
}

/** A parameter the route template guarantees; absent only through a template typo. */
export function param(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined) throw new Error(`route has no parameter :${name}`);
  return value;
}
