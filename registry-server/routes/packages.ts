/** Listing, searching, pushing and showing packages. */
import { metadataProblem } from '../../src/package/limits.js';
import { badRequest, conflict, forbidden, notFound, StorageConflict, unprocessable } from '../errors.js';
import { parseJsonObject, readBody, sendJson, type RequestContext } from '../http.js';
import type { ReleaseRecord } from '../storage/types.js';
import { checkManifestMatches, inspectBlob } from '../tarball.js';
import { checkMediaType, checkNamePart, checkRelease, OWN_MEDIA_TYPE } from '../validate.js';
import { manifestJson, type Access } from './access.js';
import { PACKAGE_PATH, param, type ApiRoutes, type RouteDeps } from './deps.js';

export function registerPackageRoutes(routes: ApiRoutes, deps: RouteDeps, access: Access): void {
  const { storage } = deps;

  routes.on('/api/v1/packages', {
    GET: async (ctx) => {
      await access.allowRead(ctx);
      const namespace = ctx.query.get('namespace') || undefined;
      const query = ctx.query.get('query') || undefined;
      const mediaType = ctx.query.get('media_type') || undefined;
      if (namespace) checkNamePart(namespace, 'namespace');
      if (mediaType) checkMediaType(mediaType);
      if (query && query.length > 256)
        throw unprocessable('invalid-parameters', 'query is longer than 256 characters');
      const list = await storage.listPackages({ namespace, query, mediaType });
      sendJson(
        ctx,
        200,
        list.map((p) => ({
          name: `${p.namespace}/${p.name}`,
          namespace: p.namespace,
          default: p.defaultRelease ?? null,
          releases: p.releases,
          manifests: p.mediaTypes,
          visibility: 'public',
          created_at: p.createdAt,
        })),
      );
    },
  });

  routes.on('/api/v1/packages/search', {
    GET: async (ctx) => {
      await access.allowRead(ctx);
      const q = ctx.query.get('q') ?? ctx.query.get('query') ?? '';
      if (q.length > 256)
        throw unprocessable('invalid-parameters', 'search term is longer than 256 characters');
      const list = await storage.listPackages({ query: q || undefined });
      sendJson(
        ctx,
        200,
        list.map((p) => `${p.namespace}/${p.name}`),
      );
    },
  });

  routes.on(PACKAGE_PATH, {
    GET: async (ctx, p) => {
      await access.allowRead(ctx);
      const ns = param(p, 'ns');
      const name = param(p, 'pkg');
      const all = await storage.listManifests(ns, name);
      if (all.length === 0)
        throw notFound('package-not-found', `package ${ns}/${name} does not exist`, {
          package: `${ns}/${name}`,
        });
      sendJson(ctx, 200, all.map(manifestJson));
    },
    POST: (ctx, p) => push(ctx, deps, access, param(p, 'ns'), param(p, 'pkg')),
  });
}

async function push(ctx: RequestContext, deps: RouteDeps, access: Access, ns: string, name: string) {
  const { storage, config } = deps;
  const user = await access.currentUser(ctx);
  const body = parseJsonObject(await readBody(ctx.req, config.maxBodyBytes, config.bodyTimeoutMs));
  const release = checkRelease(body.release);
  const mediaType = checkMediaType(body.media_type ?? body.mediaType);
  if (typeof body.blob !== 'string' || body.blob.length === 0)
    throw badRequest('field blob must be the base64 of the package .tar.gz');
  if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body.blob)) throw badRequest('field blob is not valid base64');
  const data = Buffer.from(body.blob, 'base64');
  const force = ctx.query.get('force') === 'true' || body.force === true;
  const metadataTrouble = metadataProblem(body.metadata ?? null);
  if (metadataTrouble)
    throw unprocessable('invalid-parameters', `field metadata is refused: ${metadataTrouble}`);
  const inspected = await inspectBlob(data, {
    maxUnpackedBytes: config.maxUnpackedBytes,
    maxEntries: config.maxEntries,
  });
  if (mediaType === OWN_MEDIA_TYPE) checkManifestMatches(inspected, `${ns}/${name}`, release);
  const claim = await storage.claimNamespace(ns, user);
  if (!claim.role)
    throw forbidden(`user ${user} is not a member of namespace ${ns}; ask one of its owners to add you`, {
      namespace: ns,
      user,
    });
  const record: ReleaseRecord = {
    namespace: ns,
    name,
    release,
    mediaType,
    digest: inspected.digest,
    gzipDigest: inspected.gzipDigest,
    size: data.length,
    metadata: body.metadata ?? null,
    createdAt: new Date().toISOString(),
  };
  const pushed = (extra: { replaced: boolean; unchanged?: true }): void =>
    sendJson(ctx, 200, {
      status: 'ok',
      package: `${ns}/${name}`,
      release,
      media_type: mediaType,
      digest: record.digest,
      ...extra,
    });
  try {
    const outcome = await storage.putRelease(record, data, { force });
    pushed({ replaced: outcome === 'replaced' });
  } catch (err) {
    if (!(err instanceof StorageConflict && err.kind === 'exists')) throw err;
    // The same bytes again is a no-op that succeeded, so publishing a whole package set can be
    // re-run; only different content under the same release needs force.
    const same = (await storage.getRelease(ns, name, release)).find(
      (r) => r.mediaType === mediaType && r.digest === record.digest,
    );
    if (!same)
      throw conflict(
        'package-exists',
        `${ns}/${name}@${release} (${mediaType}) already exists: push a new release, or use force to replace it`,
        { package: `${ns}/${name}`, release },
      );
    pushed({ replaced: false, unchanged: true });
  }
}
