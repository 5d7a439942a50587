/**
 * Client for the App Registry (appr/CNR) API our registry-server speaks, as kpm did: packages,
 * releases, blobs, channels, login. Every answer is checked for shape, every error status becomes
 * a typed error naming the registry and what was asked, and tokens are chosen per package by the
 * most specific credential scope.
 */
import { ConflictError, InputError, NotFoundError, RegistryError, type StackanetesError } from '../errors.js';
import { registryHost } from '../config/config.js';
import {
  responseCode,
  responseMessage,
  type HttpRequest,
  type HttpResponse,
  type Transport,
} from './http.js';
import { normaliseDigest } from './digest.js';

/** Our media type; other formats (`kpm`, `helm`) are stored opaquely by the server. */
export const MEDIA_TYPE = 'stackanetes';

/** One manifest of a release, as the API returns it (digests normalised to `sha256:hex`). */
export interface ApprManifest {
  package: string;
  release: string;
  mediaType: string;
  createdAt?: string;
  metadata?: unknown;
  digest: string;
  size?: number;
  /** Channels holding the release (only on the single-manifest route). */
  channels?: string[];
}

export interface ApprChannel {
  name: string;
  current: string;
  releases: string[];
}

export interface ApprPackageSummary {
  name: string;
  default?: string;
  releases: string[];
  mediaTypes: string[];
  visibility?: string;
  createdAt?: string;
}

/** Supplies the token for a request about a package (or none for anonymous reads). */
export type TokenLookup = (packageName?: string) => Promise<string | undefined>;

export interface ApprClientOptions {
  /** Base URL of the registry (`https://host[/prefix]`); routes are appended after `/api/v1`. */
  url: string;
  transport: Transport;
  token?: TokenLookup;
}

/** A connected appr client. */
export class ApprClient {
  readonly url: string;
  readonly host: string;
  private readonly transport: Transport;
  private readonly token: TokenLookup;

  constructor(options: ApprClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.host = registryHost(this.url);
    this.transport = options.transport;
    this.token = options.token ?? (async () => undefined);
  }

  private async send(
    req: Omit<HttpRequest, 'url'> & { path: string; packageName?: string; auth?: boolean },
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: 'application/json', ...(req.headers ?? {}) };
    if (req.auth !== false) {
      const token = await this.token(req.packageName);
      // appr clients send the token verbatim, without a scheme; our server accepts both.
      if (token) headers.authorization = token;
    }
    const { path, packageName: _p, auth: _a, ...rest } = req;
    return this.transport.request({ ...rest, headers, url: `${this.url}${path}` });
  }

  private fail(res: HttpResponse, what: string): StackanetesError {
    const message = responseMessage(res);
    const code = responseCode(res);
    const where = `registry ${this.host}`;
    switch (res.status) {
      case 401:
        return new RegistryError(`${where} refused the credentials (${what}): ${message}`, {
          hint: what.startsWith('login')
            ? 'check the user name and password'
            : `log in again: stackanetes login ${this.url}`,
        });
      case 403:
        return new RegistryError(`${where} forbids ${what}: ${message}`, {
          hint: 'ask an owner of the namespace to add you as a member',
        });
      case 404:
        return new NotFoundError(`${what}: ${message}${code ? ` (${code})` : ''} at ${where}`);
      case 409:
        return new ConflictError(`${what}: ${message}`, {
          hint:
            code === 'package-exists' ? 'push with --force to replace it, or bump the version' : undefined,
        });
      case 400:
      case 413:
      case 422:
        return new InputError(`${where} rejected ${what}: ${message}`);
      default:
        return new RegistryError(`${where} failed ${what}: HTTP ${res.status} ${message}`, {
          hint: 'retry later; if it persists, check the registry logs',
        });
    }
  }

  private async json<T>(req: Parameters<ApprClient['send']>[0]): Promise<T> {
    const res = await this.send(req);
    if (res.status < 200 || res.status >= 300) throw this.fail(res, req.what);
    try {
      return JSON.parse(res.body.toString('utf8')) as T;
    } catch {
      throw new RegistryError(`registry ${this.host} answered ${req.what} with something that is not JSON`, {
        hint: 'is this address an App Registry? (stackanetes talks /api/v1 of an appr-compatible registry)',
      });
    }
  }

  /** `{ "appr-api": version }` of the server. */
  async version(): Promise<string> {
    const doc = await this.json<Record<string, unknown>>({ path: '/version', what: 'version', auth: false });
    const version = doc['appr-api'] ?? doc.version;
    if (typeof version !== 'string')
      throw new RegistryError(`registry ${this.host} answered /version without "appr-api"`);
    return version;
  }

  /** Exchanges a user name and password for a token. */
  async login(username: string, password: string): Promise<string> {
    const doc = await this.json<{ token?: unknown }>({
      method: 'POST',
      path: '/api/v1/users/login',
      json: { user: { username, password } },
      what: `login as ${username}`,
      auth: false,
    });
    if (typeof doc.token !== 'string' || doc.token === '')
      throw new RegistryError(`registry ${this.host} answered the login without a token`);
    return doc.token;
  }

  /**
   * Revokes `token` on the server, so a copy of the credentials file stops working at logout.
   * False when the server no longer accepted it (revoked, expired or unknown): nothing to revoke.
   */
  async revokeToken(token: string): Promise<boolean> {
    const what = 'revoke the login token';
    const res = await this.send({
      method: 'DELETE',
      path: '/api/v1/users/login',
      headers: { authorization: token },
      what,
      auth: false,
    });
    if (res.status === 401) return false;
    if (res.status < 200 || res.status >= 300) throw this.fail(res, what);
    return true;
  }

  async listPackages(filter: { namespace?: string; query?: string } = {}): Promise<ApprPackageSummary[]> {
    const searchParams: Record<string, string> = {};
    if (filter.namespace) searchParams.namespace = filter.namespace;
    if (filter.query) searchParams.query = filter.query;
    const doc = await this.json<unknown[]>({ path: '/api/v1/packages', searchParams, what: 'list packages' });
    if (!Array.isArray(doc))
      throw new RegistryError(
        `registry ${this.host} answered the package list with something that is not a list`,
      );
    return doc.map((raw) => {
      const p = raw as Record<string, unknown>;
      const summary: ApprPackageSummary = {
        name: String(p.name),
        releases: Array.isArray(p.releases) ? p.releases.map(String) : [],
        mediaTypes: Array.isArray(p.manifests) ? p.manifests.map(String) : [],
      };
      if (typeof p.default === 'string') summary.default = p.default;
      if (typeof p.visibility === 'string') summary.visibility = p.visibility;
      if (typeof p.created_at === 'string') summary.createdAt = p.created_at;
      return summary;
    });
  }

  /** Every manifest of a package (all releases, all media types). */
  async packageManifests(name: string): Promise<ApprManifest[]> {
    const doc = await this.json<unknown>({
      path: `/api/v1/packages/${name}`,
      what: `show ${name}`,
      packageName: name,
    });
    const list = Array.isArray(doc) ? doc : [doc];
    return list.map((m) => toManifest(m, this.host));
  }

  /** The manifest of one release (`default`, an exact version or a range) in our media type. */
  async releaseManifest(name: string, release: string, mediaType = MEDIA_TYPE): Promise<ApprManifest> {
    const doc = await this.json<unknown>({
      path: `/api/v1/packages/${name}/${encodeURIComponent(release)}/${mediaType}`,
      what: `show ${name}@${release}`,
      packageName: name,
    });
    return toManifest(Array.isArray(doc) ? doc[0] : doc, this.host);
  }

  /** The .tar.gz of a release. Callers verify the digest before using it. */
  async pullRelease(name: string, release: string, mediaType = MEDIA_TYPE): Promise<Buffer> {
    const what = `pull ${name}@${release}`;
    const res = await this.send({
      path: `/api/v1/packages/${name}/${encodeURIComponent(release)}/${mediaType}/pull`,
      what,
      packageName: name,
      headers: { accept: 'application/x-gzip' },
    });
    if (res.status !== 200) throw this.fail(res, what);
    return res.body;
  }

  /** The .tar.gz whose appr digest is `digest`. */
  async pullBlob(name: string, digest: string): Promise<Buffer> {
    const hex = normaliseDigest(digest).slice('sha256:'.length);
    const what = `pull ${name}@sha256:${hex}`;
    const res = await this.send({
      path: `/api/v1/packages/${name}/blobs/sha256/${hex}`,
      what,
      packageName: name,
      headers: { accept: 'application/x-gzip' },
    });
    if (res.status !== 200) throw this.fail(res, what);
    return res.body;
  }

  /**
   * Pushes a release; 409 unless `force` or the registry already holds the same bytes, which it
   * reports as `unchanged` (so publishing a package set again is a no-op, not an error).
   */
  async push(
    name: string,
    release: string,
    tarGz: Buffer,
    options: { force?: boolean; metadata?: unknown; mediaType?: string } = {},
  ): Promise<{ outcome: 'pushed' | 'replaced' | 'unchanged' }> {
    const answer = await this.json<{ replaced?: unknown; unchanged?: unknown }>({
      method: 'POST',
      path: `/api/v1/packages/${name}`,
      ...(options.force ? { searchParams: { force: 'true' } } : {}),
      json: {
        blob: tarGz.toString('base64'),
        release,
        media_type: options.mediaType ?? MEDIA_TYPE,
        ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
      },
      what: `push ${name}@${release}`,
      packageName: name,
    });
    return {
      outcome: answer.unchanged === true ? 'unchanged' : answer.replaced === true ? 'replaced' : 'pushed',
    };
  }

  async deleteRelease(name: string, release: string, mediaType = MEDIA_TYPE): Promise<void> {
    await this.json({
      method: 'DELETE',
      path: `/api/v1/packages/${name}/${encodeURIComponent(release)}/${mediaType}`,
      what: `delete ${name}@${release}`,
      packageName: name,
    });
  }

  async channels(name: string): Promise<ApprChannel[]> {
    const doc = await this.json<unknown[]>({
      path: `/api/v1/packages/${name}/channels`,
      what: `list channels of ${name}`,
      packageName: name,
    });
    if (!Array.isArray(doc))
      throw new RegistryError(
        `registry ${this.host} answered the channel list of ${name} with something that is not a list`,
      );
    return doc.map(toChannel);
  }

  async channel(name: string, channel: string): Promise<ApprChannel> {
    return toChannel(
      await this.json({
        path: `/api/v1/packages/${name}/channels/${channel}`,
        what: `show channel ${channel} of ${name}`,
        packageName: name,
      }),
    );
  }

  async addToChannel(name: string, channel: string, release: string): Promise<void> {
    await this.json({
      method: 'POST',
      path: `/api/v1/packages/${name}/channels/${channel}/${encodeURIComponent(release)}`,
      what: `add ${name}@${release} to channel ${channel}`,
      packageName: name,
    });
  }

  async removeFromChannel(name: string, channel: string, release: string): Promise<void> {
    await this.json({
      method: 'DELETE',
      path: `/api/v1/packages/${name}/channels/${channel}/${encodeURIComponent(release)}`,
      what: `remove ${name}@${release} from channel ${channel}`,
      packageName: name,
    });
  }

  async deleteChannel(name: string, channel: string): Promise<void> {
    await this.json({
      method: 'DELETE',
      path: `/api/v1/packages/${name}/channels/${channel}`,
      what: `delete channel ${channel} of ${name}`,
      packageName: name,
    });
  }
}

function toManifest(raw: unknown, host: string): ApprManifest {
  const m = (raw ?? {}) as Record<string, unknown>;
  const content = (m.content ?? {}) as Record<string, unknown>;
  if (typeof m.release !== 'string' || typeof content.digest !== 'string') {
    throw new RegistryError(`registry ${host} answered a manifest without release or content.digest`);
  }
  const manifest: ApprManifest = {
    package: String(m.package ?? ''),
    release: m.release,
    mediaType: mediaTypeWord(String(m.mediaType ?? m.media_type ?? MEDIA_TYPE)),
    digest: normaliseDigest(content.digest),
  };
  if (typeof content.size === 'number') manifest.size = content.size;
  if (typeof m.created_at === 'string') manifest.createdAt = m.created_at;
  if (m.metadata !== undefined) manifest.metadata = m.metadata;
  if (Array.isArray(m.channels)) manifest.channels = m.channels.map(String);
  return manifest;
}

function toChannel(raw: unknown): ApprChannel {
  const c = (raw ?? {}) as Record<string, unknown>;
  return {
    name: String(c.name),
    current: String(c.current ?? ''),
    releases: Array.isArray(c.releases) ? c.releases.map(String) : [],
  };
}

/** The short media-type word out of `application/vnd.appr.package-manifest.<type>.v0.json`, or the word itself. */
export function mediaTypeWord(value: string): string {
  const m = /^application\/vnd\.appr\.package(?:-manifest)?\.([a-z0-9-]+)\.v0/.exec(value);
  return m?.[1] ?? value;
}
