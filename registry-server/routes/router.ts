/**
 * The API's path matcher, on find-my-way (the radix router under fastify): static segments win
 * over parameters, with backtracking, so `/channels` and `/blobs/sha256/…` sit beside
 * `/:release/:media_type` as before. find-my-way only matches; methods, parameter validation and
 * route labels stay here so the answers (405 vs 404, which check fails first) are the wire
 * protocol's, not the library's.
 */
import FindMyWay from 'find-my-way';
import { methodNotAllowed, notFound } from '../errors.js';
import type { RequestContext } from '../http.js';
import { checkChannel, checkNamePart } from '../validate.js';
import type { ApiRoutes, Handler, Params, RouteHandler } from './deps.js';

/**
 * Parameters checked before anything else, in path order, whatever the method and even when no
 * route matches below them: a bad namespace is a 4xx about the namespace, not a 404 or a 405.
 */
const CHECKS: Readonly<Record<string, (value: string) => string>> = {
  ns: (v) => checkNamePart(v, 'namespace'),
  pkg: (v) => checkNamePart(v, 'package'),
  channel: (v) => checkChannel(v),
};

interface Route {
  /** The template, reported as the route label in metrics and logs. */
  template: string;
  methods: Partial<Record<string, RouteHandler>>;
  /** A catch-all that only validates its parameters before answering 404. */
  fallback: boolean;
}

/** The matcher of API routes; `lookup` returns the handler of a request (404 when none). */
export interface ApiRouter extends ApiRoutes {
  /** Paths below `path` that match no route still have their parameters checked first. */
  validateBelow(path: string): void;
  lookup(ctx: RequestContext): Handler;
}

const noRoute: Handler = async (ctx) => {
  throw notFound('not-found', `no route for ${ctx.method} ${ctx.req.url?.split('?')[0]}`);
};

function checked(params: Record<string, string | undefined>): Params {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || name === '*') continue;
    const check = CHECKS[name];
    out[name] = check ? check(value) : value;
  }
  return out;
}

export function createApiRouter(): ApiRouter {
  // Every route is stored under GET: methods are dispatched below, so an unknown method on a
  // known path is a 405 with our error body.
  const fmw = FindMyWay({ maxParamLength: 64 * 1024 });
  const add = (path: string, route: Route) => fmw.on('GET', path, () => undefined, route);
  return {
    on(path, methods) {
      add(path, { template: path, methods, fallback: false });
    },
    validateBelow(path) {
      add(`${path}/*`, { template: path, methods: {}, fallback: true });
    },
    lookup(ctx) {
      // Segments are already decoded, empty ones and the `/cnr` prefix dropped; encoding them
      // again keeps a `/` inside a segment from becoming a separator.
      const path = `/${ctx.segments.map(encodeURIComponent).join('/')}`;
      const found = fmw.find('GET', path);
      if (!found) return noRoute;
      const route = found.store as Route;
      return async (c) => {
        const params = checked(found.params);
        if (route.fallback) return noRoute(c);
        c.route = route.template;
        const handler = route.methods[c.method === 'HEAD' ? 'GET' : c.method];
        if (!handler) throw methodNotAllowed(c.method, route.template);
        await handler(c, params);
      };
    },
  };
}
