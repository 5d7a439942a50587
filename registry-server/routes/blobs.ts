/** A package's tarball by its content digest, whatever release it was pushed as. */
import { notFound } from '../errors.js';
import { checkDigest } from '../validate.js';
import type { Access } from './access.js';
import { PACKAGE_PATH, param, type ApiRoutes, type RouteDeps } from './deps.js';

export function registerBlobRoutes(routes: ApiRoutes, deps: RouteDeps, access: Access): void {
  for (const json of [false, true]) {
    routes.on(`${PACKAGE_PATH}/blobs/sha256/:digest${json ? '/json' : ''}`, {
      GET: async (ctx, p) => {
        await access.allowRead(ctx);
        const ns = param(p, 'ns');
        const name = param(p, 'pkg');
        const hex = checkDigest(param(p, 'digest'));
        const m = await deps.storage.findByDigest(ns, name, hex);
        if (!m)
          throw notFound('package-not-found', `package ${ns}/${name} has no blob sha256:${hex}`, {
            digest: hex,
          });
        await access.sendPackage(ctx, m, json || ctx.query.get('format') === 'json');
      },
    });
  }
}
