/** One release of a package: its manifests, deleting it, pulling its tarball. */
import { notFound } from '../errors.js';
import { sendJson } from '../http.js';
import { checkRelease } from '../validate.js';
import { manifestJson, type Access } from './access.js';
import { PACKAGE_PATH, param, type ApiRoutes, type Params, type RouteDeps } from './deps.js';

export function registerReleaseRoutes(routes: ApiRoutes, deps: RouteDeps, access: Access): void {
  const { storage } = deps;
  const of = (p: Params) =>
    [param(p, 'ns'), param(p, 'pkg'), param(p, 'release'), param(p, 'media_type')] as const;

  routes.on(`${PACKAGE_PATH}/:release`, {
    GET: async (ctx, p) => {
      await access.allowRead(ctx);
      const found = await access.manifestsOf(param(p, 'ns'), param(p, 'pkg'), param(p, 'release'));
      sendJson(ctx, 200, found.map(manifestJson));
    },
  });

  routes.on(`${PACKAGE_PATH}/:release/:media_type`, {
    GET: async (ctx, p) => {
      await access.allowRead(ctx);
      const [ns, name, wanted, mediaType] = of(p);
      const m = await access.manifestOf(ns, name, wanted, mediaType);
      const channels = (await storage.listChannels(ns, name))
        .filter((c) => c.releases.includes(m.release))
        .map((c) => c.name);
      sendJson(ctx, 200, { ...manifestJson(m), channels });
    },
    DELETE: async (ctx, p) => {
      const [ns, name, release, mediaType] = of(p);
      await access.requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      const m = await access.manifestOf(ns, name, release, mediaType);
      if (!(await storage.deleteRelease(ns, name, m.release, m.mediaType))) {
        throw notFound('package-release-not-found', `release ${release} of ${ns}/${name} does not exist`);
      }
      sendJson(ctx, 200, {
        status: 'deleted',
        package: `${ns}/${name}`,
        release: m.release,
        media_type: m.mediaType,
      });
    },
  });

  for (const json of [false, true]) {
    routes.on(`${PACKAGE_PATH}/:release/:media_type/pull${json ? '/json' : ''}`, {
      GET: async (ctx, p) => {
        await access.allowRead(ctx);
        const m = await access.manifestOf(...of(p));
        await access.sendPackage(ctx, m, json || ctx.query.get('format') === 'json');
      },
    });
  }
}
