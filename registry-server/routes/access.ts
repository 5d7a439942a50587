/**
 * What several route modules share: who is asking and may they, which stored release a
 * `default`/exact/range reference means, and sending a package's bytes.
 */
import { authenticate, tokenFromHeader } from '../auth.js';
import { forbidden, notFound, unauthorized, unprocessable } from '../errors.js';
import { sendBytes, sendJson, type RequestContext } from '../http.js';
import { parseRange, resolveRelease } from '../releases.js';
import type { ReleaseRecord, Role } from '../storage/types.js';
import { checkMediaType, isExactRelease } from '../validate.js';
import type { RouteDeps } from './deps.js';
import { sha256Hex } from '../../src/util/hash.js';

/** Request bodies that are only a few fields (log-in, sign-up, membership). */
export const SMALL_BODY = 64 * 1024;

/** The appr manifest object of one release/media type. */
export function manifestJson(r: ReleaseRecord): Record<string, unknown> {
  return {
    package: `${r.namespace}/${r.name}`,
    release: r.release,
    created_at: r.createdAt,
    metadata: r.metadata ?? null,
    mediaType: `application/vnd.appr.package-manifest.${r.mediaType}.v0.json`,
    content: {
      mediaType: `application/vnd.appr.package.${r.mediaType}.v0.tar+gzip`,
      size: r.size,
      digest: r.digest,
      gzipDigest: r.gzipDigest,
      urls: [],
    },
  };
}

export interface Access {
  /** The authenticated user; 401 without a valid token. */
  currentUser(ctx: RequestContext): Promise<string>;
  /** Passes when anonymous reads are on or the request carries a valid token. */
  allowRead(ctx: RequestContext): Promise<void>;
  /** The user, when they hold one of `roles` in `ns`; 403 otherwise. */
  requireRole(ctx: RequestContext, ns: string, roles: readonly Role[]): Promise<string>;
  /** Resolves `default`, an exact release or a range to that release's manifests. */
  manifestsOf(ns: string, name: string, wanted: string): Promise<ReleaseRecord[]>;
  /** One media type of a resolved release; `-` when the release has only one. */
  manifestOf(ns: string, name: string, wanted: string, mediaType: string): Promise<ReleaseRecord>;
  /** Sends a release's .tar.gz, as bytes or wrapped in the appr JSON pull answer. */
  sendPackage(ctx: RequestContext, m: ReleaseRecord, json: boolean): Promise<void>;
}

export function createAccess(deps: RouteDeps): Access {
  const { storage, config, blobs } = deps;

  async function currentUser(ctx: RequestContext): Promise<string> {
    if (ctx.user) return ctx.user;
    const token = tokenFromHeader(ctx.req.headers.authorization);
    if (!token)
      throw unauthorized(
        'this request needs a token: log in with `stackanetes login` and send it in the Authorization header',
      );
    ctx.user = (await authenticate(storage, token)).username;
    return ctx.user;
  }

  async function blob(gzipDigest: string): Promise<Buffer> {
    const cached = blobs.get(gzipDigest);
    if (cached) return cached;
    const data = await storage.getBlob(gzipDigest);
    if (!data) {
      deps.metrics.storageErrors.inc({ operation: 'getBlob' });
      throw new Error(`blob ${gzipDigest} is referenced by a manifest but missing from storage`);
    }
    // Only bytes that still hash to their name are kept in memory: a blob damaged on disk is
    // served as it is (clients refuse it by digest) but not pinned past the forced re-push that
    // repairs it.
    if (sha256Hex(data) === gzipDigest) blobs.set(gzipDigest, data);
    else deps.metrics.storageErrors.inc({ operation: 'getBlob' });
    return data;
  }

  async function manifestsOf(ns: string, name: string, wanted: string): Promise<ReleaseRecord[]> {
    const exact = isExactRelease(wanted);
    if (!exact && wanted !== 'default' && wanted !== 'latest') parseRange(wanted);
    let release = wanted;
    if (exact) {
      const found = await storage.getRelease(ns, name, wanted);
      if (found.length > 0) return found;
    }
    const index = await storage.getIndex(ns, name);
    if (!index)
      throw notFound('package-not-found', `package ${ns}/${name} does not exist`, {
        package: `${ns}/${name}`,
      });
    if (!exact) {
      const resolved = resolveRelease(index.order, wanted);
      if (resolved !== undefined) {
        release = resolved;
        const found = await storage.getRelease(ns, name, release);
        if (found.length > 0) return found;
      }
    }
    throw notFound(
      'package-release-not-found',
      `package ${ns}/${name} has no release matching ${JSON.stringify(wanted)}`,
      { package: `${ns}/${name}`, release: wanted },
    );
  }

  return {
    currentUser,
    async allowRead(ctx) {
      if (!config.anonymousReads) await currentUser(ctx);
    },
    async requireRole(ctx, ns, roles) {
      const user = await currentUser(ctx);
      const members = await storage.listMembers(ns);
      const role = members?.find((m) => m.username === user)?.role;
      if (!role || !roles.includes(role)) {
        throw forbidden(
          `user ${user} is not ${roles.includes('member') ? 'a member' : 'an owner'} of namespace ${ns}`,
          { namespace: ns, user },
        );
      }
      return user;
    },
    manifestsOf,
    async manifestOf(ns, name, wanted, mediaType) {
      const all = await manifestsOf(ns, name, wanted);
      if (mediaType === '-') {
        if (all.length === 1) return all[0] as ReleaseRecord;
        throw unprocessable(
          'invalid-parameters',
          `release ${all[0]?.release} of ${ns}/${name} has several media types (${all.map((m) => m.mediaType).join(', ')}): name one instead of '-'`,
        );
      }
      checkMediaType(mediaType);
      const hit = all.find((m) => m.mediaType === mediaType);
      if (!hit)
        throw notFound(
          'package-release-not-found',
          `release ${all[0]?.release} of ${ns}/${name} has no media type ${mediaType}`,
          { media_type: mediaType },
        );
      return hit;
    },
    async sendPackage(ctx, m, json) {
      const data = await blob(m.gzipDigest);
      const filename = `${m.namespace}_${m.name}_${m.release}.tar.gz`;
      if (json) {
        sendJson(ctx, 200, {
          package: `${m.namespace}/${m.name}`,
          blob: data.toString('base64'),
          release: m.release,
          media_type: m.mediaType,
          filename,
          digest: m.digest,
        });
        return;
      }
      sendBytes(ctx, 200, data, {
        'content-type': 'application/x-gzip',
        'content-disposition': `attachment; filename="${filename}"`,
        etag: `"sha256:${m.gzipDigest}"`,
        'x-stackanetes-digest': `sha256:${m.digest}`,
      });
    },
  };
}
