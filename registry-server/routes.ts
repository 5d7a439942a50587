/**
 * The App Registry routes. The router turns decoded path segments into a route template (for
 * metrics) and a handler call; every path/query/body value is validated before storage sees it.
 */
import { createHash } from 'node:crypto';
import {
  badRequest,
  forbidden,
  HttpError,
  methodNotAllowed,
  notFound,
  conflict,
  StorageConflict,
  unauthorized,
  unprocessable,
} from './errors.js';
import {
  authenticate,
  DUMMY_HASH,
  hashPassword,
  issueToken,
  tokenFromHeader,
  verifyPassword,
} from './auth.js';
import type { BlobCache } from './blob-cache.js';
import type { ServerConfig } from './config.js';
import { parseJsonObject, readBody, sendBytes, sendJson, type RequestContext } from './http.js';
import type { ServerMetrics } from './metrics.js';
import { parseRange, resolveRelease } from './releases.js';
import type { ReleaseRecord, Role, Storage } from './storage/types.js';
import { checkManifestMatches, inspectBlob } from './tarball.js';
import { metadataProblem } from '../src/package/limits.js';
import {
  checkChannel,
  checkDigest,
  checkMediaType,
  checkNamePart,
  checkPassword,
  checkRelease,
  checkUserName,
  isExactRelease,
  OWN_MEDIA_TYPE,
} from './validate.js';
import { createUiRouter } from './ui/routes.js';

/** What handlers depend on; passed in so tests and several servers per process stay independent. */
export interface RouteDeps {
  storage: Storage;
  config: ServerConfig;
  blobs: BlobCache;
  metrics: ServerMetrics;
  version: string;
}

type Handler = (ctx: RequestContext) => Promise<void>;

const SMALL_BODY = 64 * 1024;

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

/** Builds the dispatcher; returns the handler to run and sets ctx.route. */
export function createRouter(deps: RouteDeps): (ctx: RequestContext) => Handler {
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

  async function allowRead(ctx: RequestContext): Promise<void> {
    if (!config.anonymousReads) await currentUser(ctx);
  }

  async function requireRole(ctx: RequestContext, ns: string, roles: readonly Role[]): Promise<string> {
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
    if (createHash('sha256').update(data).digest('hex') === gzipDigest) blobs.set(gzipDigest, data);
    else deps.metrics.storageErrors.inc({ operation: 'getBlob' });
    return data;
  }

  /** Resolves `default`, an exact release or a range to that release's manifests. */
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

  async function manifestOf(
    ns: string,
    name: string,
    wanted: string,
    mediaType: string,
  ): Promise<ReleaseRecord> {
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
  }

  const listPackages: Handler = async (ctx) => {
    await allowRead(ctx);
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
  };

  const search: Handler = async (ctx) => {
    await allowRead(ctx);
    const q = ctx.query.get('q') ?? ctx.query.get('query') ?? '';
    if (q.length > 256)
      throw unprocessable('invalid-parameters', 'search term is longer than 256 characters');
    const list = await storage.listPackages({ query: q || undefined });
    sendJson(
      ctx,
      200,
      list.map((p) => `${p.namespace}/${p.name}`),
    );
  };

  const push =
    (ns: string, name: string): Handler =>
    async (ctx) => {
      const user = await currentUser(ctx);
      const body = parseJsonObject(await readBody(ctx.req, config.maxBodyBytes, config.bodyTimeoutMs));
      const release = checkRelease(body.release);
      const mediaType = checkMediaType(body.media_type ?? body.mediaType);
      if (typeof body.blob !== 'string' || body.blob.length === 0)
        throw badRequest('field blob must be the base64 of the package .tar.gz');
      if (!/^[A-Za-z0-9+/\r\n]*={0,2}\s*$/.test(body.blob))
        throw badRequest('field blob is not valid base64');
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
        if (err instanceof StorageConflict && err.kind === 'exists') {
          // The same bytes again is a no-op that succeeded, so publishing a whole package set
          // can be re-run; only different content under the same release needs force.
          const same = (await storage.getRelease(ns, name, release)).find(
            (r) => r.mediaType === mediaType && r.digest === record.digest,
          );
          if (same) {
            pushed({ replaced: false, unchanged: true });
            return;
          }
          throw conflict(
            'package-exists',
            `${ns}/${name}@${release} (${mediaType}) already exists: push a new release, or use force to replace it`,
            { package: `${ns}/${name}`, release },
          );
        }
        throw err;
      }
    };

  const showPackage =
    (ns: string, name: string): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      const all = await storage.listManifests(ns, name);
      if (all.length === 0)
        throw notFound('package-not-found', `package ${ns}/${name} does not exist`, {
          package: `${ns}/${name}`,
        });
      sendJson(ctx, 200, all.map(manifestJson));
    };

  const showRelease =
    (ns: string, name: string, wanted: string): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      sendJson(ctx, 200, (await manifestsOf(ns, name, wanted)).map(manifestJson));
    };

  const showManifest =
    (ns: string, name: string, wanted: string, mediaType: string): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      const m = await manifestOf(ns, name, wanted, mediaType);
      const channels = (await storage.listChannels(ns, name))
        .filter((c) => c.releases.includes(m.release))
        .map((c) => c.name);
      sendJson(ctx, 200, { ...manifestJson(m), channels });
    };

  const deleteRelease =
    (ns: string, name: string, release: string, mediaType: string): Handler =>
    async (ctx) => {
      await requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      const m = await manifestOf(ns, name, release, mediaType);
      if (!(await storage.deleteRelease(ns, name, m.release, m.mediaType))) {
        throw notFound('package-release-not-found', `release ${release} of ${ns}/${name} does not exist`);
      }
      sendJson(ctx, 200, {
        status: 'deleted',
        package: `${ns}/${name}`,
        release: m.release,
        media_type: m.mediaType,
      });
    };

  const sendPackage = async (ctx: RequestContext, m: ReleaseRecord, json: boolean) => {
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
  };

  const pull =
    (ns: string, name: string, wanted: string, mediaType: string, json: boolean): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      await sendPackage(
        ctx,
        await manifestOf(ns, name, wanted, mediaType),
        json || ctx.query.get('format') === 'json',
      );
    };

  const blobByDigest =
    (ns: string, name: string, digest: string, json: boolean): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      const hex = checkDigest(digest);
      const m = await storage.findByDigest(ns, name, hex);
      if (!m)
        throw notFound('package-not-found', `package ${ns}/${name} has no blob sha256:${hex}`, {
          digest: hex,
        });
      await sendPackage(ctx, m, json || ctx.query.get('format') === 'json');
    };

  const channelJson = (c: { name: string; current: string; releases: string[] }) => ({
    name: c.name,
    current: c.current,
    releases: c.releases,
  });

  const listChannels =
    (ns: string, name: string): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      const channels = await storage.listChannels(ns, name);
      if (channels.length === 0 && !(await storage.getIndex(ns, name)))
        throw notFound('package-not-found', `package ${ns}/${name} does not exist`);
      sendJson(ctx, 200, channels.map(channelJson));
    };

  const showChannel =
    (ns: string, name: string, channel: string): Handler =>
    async (ctx) => {
      await allowRead(ctx);
      const c = (await storage.listChannels(ns, name)).find((x) => x.name === channel);
      if (!c)
        throw notFound('channel-not-found', `package ${ns}/${name} has no channel ${channel}`, { channel });
      sendJson(ctx, 200, channelJson(c));
    };

  const addToChannel =
    (ns: string, name: string, channel: string, release: string): Handler =>
    async (ctx) => {
      await requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      try {
        sendJson(ctx, 200, channelJson(await storage.addToChannel(ns, name, channel, release)));
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-release') {
          throw notFound('package-release-not-found', `package ${ns}/${name} has no release ${release}`, {
            release,
          });
        }
        throw err;
      }
    };

  const removeFromChannel =
    (ns: string, name: string, channel: string, release: string): Handler =>
    async (ctx) => {
      await requireRole(ctx, ns, ['owner', 'member']);
      checkRelease(release);
      let result;
      try {
        result = await storage.removeFromChannel(ns, name, channel, release);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-release') {
          throw notFound(
            'package-release-not-found',
            `channel ${channel} of ${ns}/${name} does not contain ${release}`,
            { channel, release },
          );
        }
        throw err;
      }
      if (result === 'absent')
        throw notFound('channel-not-found', `package ${ns}/${name} has no channel ${channel}`, { channel });
      sendJson(
        ctx,
        200,
        result ? channelJson(result) : { name: channel, current: null, releases: [], deleted: true },
      );
    };

  const deleteChannel =
    (ns: string, name: string, channel: string): Handler =>
    async (ctx) => {
      await requireRole(ctx, ns, ['owner', 'member']);
      if (!(await storage.deleteChannel(ns, name, channel)))
        throw notFound('channel-not-found', `package ${ns}/${name} has no channel ${channel}`, { channel });
      sendJson(ctx, 200, { status: 'deleted', channel });
    };

  function credentials(body: Record<string, unknown>): { username: string; password: string } {
    const user = body.user as { username?: unknown; password?: unknown } | undefined;
    if (!user || typeof user !== 'object')
      throw badRequest('body must be {"user": {"username": "…", "password": "…"}}');
    if (typeof user.username !== 'string' || typeof user.password !== 'string')
      throw badRequest('user.username and user.password must be strings');
    return { username: user.username, password: user.password };
  }

  const login: Handler = async (ctx) => {
    const { username, password } = credentials(
      parseJsonObject(await readBody(ctx.req, SMALL_BODY, config.bodyTimeoutMs)),
    );
    const user = await storage.getUser(username);
    // Unknown users cost one scrypt too, so timing does not reveal which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) throw unauthorized('wrong user name or password');
    const token = await issueToken(storage, username, config.tokenTtlMs);
    ctx.user = username;
    sendJson(ctx, 200, { token, user: username, expires_in: Math.floor(config.tokenTtlMs / 1000) });
  };

  const logout: Handler = async (ctx) => {
    const token = tokenFromHeader(ctx.req.headers.authorization);
    if (!token) throw unauthorized('send the token to revoke in the Authorization header');
    const { hash, username } = await authenticate(storage, token);
    ctx.user = username;
    await storage.revokeToken(hash);
    sendJson(ctx, 200, { status: 'revoked' });
  };

  const signup: Handler = async (ctx) => {
    if (!config.allowSignup)
      throw forbidden('sign-up is disabled on this registry: ask an administrator for an account');
    const { username, password } = credentials(
      parseJsonObject(await readBody(ctx.req, SMALL_BODY, config.bodyTimeoutMs)),
    );
    checkUserName(username);
    checkPassword(password);
    try {
      await storage.addUser({
        username,
        passwordHash: await hashPassword(password),
        createdAt: new Date().toISOString(),
      });
    } catch (err) {
      if (err instanceof StorageConflict && err.kind === 'exists')
        throw conflict('resource-in-use', `user ${username} already exists`);
      throw err;
    }
    ctx.user = username;
    sendJson(ctx, 201, {
      token: await issueToken(storage, username, config.tokenTtlMs),
      user: username,
      expires_in: Math.floor(config.tokenTtlMs / 1000),
    });
  };

  const listMembers =
    (ns: string): Handler =>
    async (ctx) => {
      await requireRole(ctx, ns, ['owner', 'member']);
      sendJson(ctx, 200, (await storage.listMembers(ns)) ?? []);
    };

  const setMember =
    (ns: string, username: string): Handler =>
    async (ctx) => {
      checkUserName(username);
      await requireRole(ctx, ns, ['owner']);
      const raw = await readBody(ctx.req, SMALL_BODY, config.bodyTimeoutMs);
      const body = raw.length > 0 ? parseJsonObject(raw) : {};
      const role = body.role ?? 'member';
      if (role !== 'member' && role !== 'owner')
        throw unprocessable(
          'invalid-parameters',
          `invalid role ${JSON.stringify(role)}: use member or owner`,
        );
      try {
        await storage.setMember(ns, username, role);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'missing-user')
          throw notFound('user-not-found', `user ${username} does not exist`);
        if (err instanceof StorageConflict && err.kind === 'in-use')
          throw conflict('resource-in-use', err.message);
        throw err;
      }
      sendJson(ctx, 200, { namespace: ns, username, role });
    };

  const removeMember =
    (ns: string, username: string): Handler =>
    async (ctx) => {
      checkUserName(username);
      const user = await currentUser(ctx);
      // Members may leave on their own; removing someone else takes an owner.
      await requireRole(ctx, ns, user === username ? ['owner', 'member'] : ['owner']);
      let removed;
      try {
        removed = await storage.removeMember(ns, username);
      } catch (err) {
        if (err instanceof StorageConflict && err.kind === 'in-use')
          throw conflict('resource-in-use', `${err.message}: make another member owner first`);
        throw err;
      }
      if (!removed) throw notFound('user-not-found', `${username} is not a member of ${ns}`);
      sendJson(ctx, 200, { status: 'removed', namespace: ns, username });
    };

  const version: Handler = async (ctx) =>
    sendJson(ctx, 200, { 'appr-api': deps.version, 'stackanetes-registry': deps.version });

  const notFoundRoute: Handler = async (ctx) => {
    throw notFound('not-found', `no route for ${ctx.method} ${ctx.req.url?.split('?')[0]}`);
  };

  function methods(ctx: RequestContext, route: string, table: Partial<Record<string, Handler>>): Handler {
    ctx.route = route;
    const method = ctx.method === 'HEAD' ? 'GET' : ctx.method;
    const handler = table[method];
    if (handler) return handler;
    return async () => {
      throw methodNotAllowed(ctx.method, route);
    };
  }

  function packagesRoutes(ctx: RequestContext, s: string[]): Handler {
    if (s.length === 0) return methods(ctx, '/api/v1/packages', { GET: listPackages });
    if (s.length === 1 && s[0] === 'search') return methods(ctx, '/api/v1/packages/search', { GET: search });
    if (s.length < 2) return notFoundRoute;
    const ns = checkNamePart(s[0] as string, 'namespace');
    const name = checkNamePart(s[1] as string, 'package');
    const base = '/api/v1/packages/:ns/:pkg';
    const r = s.slice(2);
    if (r.length === 0) return methods(ctx, base, { GET: showPackage(ns, name), POST: push(ns, name) });
    if (r[0] === 'channels') {
      if (r.length === 1) return methods(ctx, `${base}/channels`, { GET: listChannels(ns, name) });
      const channel = checkChannel(r[1] as string);
      if (r.length === 2)
        return methods(ctx, `${base}/channels/:channel`, {
          GET: showChannel(ns, name, channel),
          DELETE: deleteChannel(ns, name, channel),
        });
      if (r.length === 3) {
        const release = r[2] as string;
        return methods(ctx, `${base}/channels/:channel/:release`, {
          POST: addToChannel(ns, name, channel, release),
          DELETE: removeFromChannel(ns, name, channel, release),
        });
      }
      return notFoundRoute;
    }
    if (r[0] === 'blobs' && r[1] === 'sha256' && (r.length === 3 || (r.length === 4 && r[3] === 'json'))) {
      return methods(ctx, `${base}/blobs/sha256/:digest${r.length === 4 ? '/json' : ''}`, {
        GET: blobByDigest(ns, name, r[2] as string, r.length === 4),
      });
    }
    const release = r[0] as string;
    if (r.length === 1) return methods(ctx, `${base}/:release`, { GET: showRelease(ns, name, release) });
    const mediaType = r[1] as string;
    if (r.length === 2)
      return methods(ctx, `${base}/:release/:media_type`, {
        GET: showManifest(ns, name, release, mediaType),
        DELETE: deleteRelease(ns, name, release, mediaType),
      });
    if (r[2] === 'pull' && (r.length === 3 || (r.length === 4 && r[3] === 'json'))) {
      return methods(ctx, `${base}/:release/:media_type/pull${r.length === 4 ? '/json' : ''}`, {
        GET: pull(ns, name, release, mediaType, r.length === 4),
      });
    }
    return notFoundRoute;
  }

  const ui = createUiRouter(deps);

  return (ctx) => {
    const s = ctx.segments;
    ctx.route = 'unmatched';
    if (s.length === 1 && s[0] === 'version') return methods(ctx, '/version', { GET: version });
    const page = ui(ctx);
    if (page) return page;
    if (s[0] !== 'api' || s[1] !== 'v1') return notFoundRoute;
    const r = s.slice(2);
    try {
      if (r[0] === 'packages') return packagesRoutes(ctx, r.slice(1));
      if (r[0] === 'users') {
        if (r.length === 1) return methods(ctx, '/api/v1/users', { POST: signup });
        if (r.length === 2 && r[1] === 'login')
          return methods(ctx, '/api/v1/users/login', { POST: login, DELETE: logout });
      }
      if (r[0] === 'namespaces' && r.length >= 3 && r[2] === 'members') {
        const ns = checkNamePart(r[1] as string, 'namespace');
        if (r.length === 3) return methods(ctx, '/api/v1/namespaces/:ns/members', { GET: listMembers(ns) });
        if (r.length === 4) {
          const user = r[3] as string;
          return methods(ctx, '/api/v1/namespaces/:ns/members/:user', {
            PUT: setMember(ns, user),
            DELETE: removeMember(ns, user),
          });
        }
      }
    } catch (err) {
      if (err instanceof HttpError) {
        return async () => {
          throw err;
        };
      }
      throw err;
    }
    return notFoundRoute;
  };
}
