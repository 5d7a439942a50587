/**
 * The App Registry routes. Each module registers its paths on one matcher; every path/query/body
 * value is validated before storage sees it. The web UI claims `/`, `/favicon.ico` and `/ui/…`
 * first; everything else is the JSON API.
 */
import { sendJson, type RequestContext } from '../http.js';
import { createUiRouter } from '../ui/routes.js';
import { createAccess } from './access.js';
import { registerBlobRoutes } from './blobs.js';
import { registerChannelRoutes } from './channels.js';
import type { Handler, RouteDeps } from './deps.js';
import { registerMemberRoutes } from './members.js';
import { registerPackageRoutes } from './packages.js';
import { registerReleaseRoutes } from './releases.js';
import { createApiRouter } from './router.js';
import { registerUserRoutes } from './users.js';

export type { RouteDeps } from './deps.js';

/** Builds the dispatcher; returns the handler to run and sets ctx.route. */
export function createRouter(deps: RouteDeps): (ctx: RequestContext) => Handler {
  const access = createAccess(deps);
  const api = createApiRouter();
  api.on('/version', {
    GET: async (ctx) =>
      sendJson(ctx, 200, { 'appr-api': deps.version, 'stackanetes-registry': deps.version }),
  });
  registerPackageRoutes(api, deps, access);
  registerReleaseRoutes(api, deps, access);
  registerBlobRoutes(api, deps, access);
  registerChannelRoutes(api, deps, access);
  registerUserRoutes(api, deps);
  registerMemberRoutes(api, deps, access);
  api.validateBelow('/api/v1/packages/:ns/:pkg');
  api.validateBelow('/api/v1/packages/:ns/:pkg/channels/:channel');
  api.validateBelow('/api/v1/namespaces/:ns/members');
  const ui = createUiRouter(deps);
  return (ctx) => {
    ctx.route = 'unmatched';
    return ui(ctx) ?? api.lookup(ctx);
  };
}
