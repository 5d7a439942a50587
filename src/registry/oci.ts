/**
 * Packages in any OCI distribution registry (Harbor, Quay, GHCR, ECR, the CNCF registry): a
 * release is an OCI image manifest whose config describes the package and whose single layer is
 * the package .tar.gz, tagged with the version — the layout Helm uses for charts. Blobs are
 * verified against their digests before use; registries that answer 401 with a Bearer challenge
 * get the token dance, with Basic credentials when the user logged in.
 */
import { ConflictError, NotFoundError, RegistryError, type StackanetesError } from '../errors.js';
import { normaliseRegistryUrl } from '../config/config.js';
import { memoryBlobLocations, type BlobLocations } from './blob-locations.js';
import { sha256 } from '../util/hash.js';
import { responseMessage, type HttpResponse, type Transport } from './http.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const PACKAGE_CONFIG = 'application/vnd.stackanetes.package.config.v1+json';
export const PACKAGE_LAYER = 'application/vnd.stackanetes.package.v1.tar+gzip';

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export const CHANNEL_ANNOTATION = 'io.stackanetes.channel';
export const CHANNEL_RELEASES_ANNOTATION = 'io.stackanetes.channel.releases';

export interface OciManifest {
  schemaVersion: number;
  mediaType?: string;
  config: OciDescriptor;
  layers?: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface FetchedManifest {
  digest: string;
  manifest: OciManifest;
}

/** A channel as a tag: its current release and the releases it has held (kpm's channel). */
export interface OciChannel {
  name: string;
  current: string;
  releases: string[];
  /** Digest of the channel's own manifest. */
  digest: string;
  /** Whether stackanetes wrote it (a plain tag pushed by another tool is read as a channel of one release). */
  own?: boolean;
}

/** How a blob reached the repository. */
export interface BlobUpload {
  digest: string;
  how: 'existed' | 'mounted' | 'uploaded';
}

export interface OciClientOptions {
  /** `host[:port]`; loopback hosts use http. */
  host: string;
  transport: Transport;
  /** `user:password` for Basic auth (and for Bearer token requests), when logged in. */
  basic?: () => Promise<string | undefined>;
  /** Where blobs of this host were seen, for cross-repository mounts; default: this client's own pushes and pulls. */
  blobLocations?: BlobLocations;
}

/** A client for one OCI registry host. */
export class OciClient {
  readonly host: string;
  private readonly base: string;
  private readonly transport: Transport;
  private readonly basic: () => Promise<string | undefined>;
  private readonly bearer = new Map<string, string>();
  private readonly challenged = new Set<string>();
  /** Blob digest → a repository of this host known to hold it, for cross-repository mounts. */
  private readonly known: BlobLocations;

  constructor(options: OciClientOptions) {
    this.host = options.host;
    this.base = normaliseRegistryUrl(options.host);
    this.transport = options.transport;
    this.basic = options.basic ?? (async () => undefined);
    this.known = options.blobLocations ?? memoryBlobLocations();
  }

  private async send(
    method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE',
    pathOrUrl: string,
    repository: string,
    what: string,
    extra: { headers?: Record<string, string>; body?: Buffer } = {},
  ): Promise<HttpResponse> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    // Upload Locations are chosen by the server and may name another origin: credentials given
    // for this registry go to this registry only.
    const sameOrigin = new URL(url).origin === new URL(this.base).origin;
    const build = async (): Promise<Record<string, string>> => {
      const headers: Record<string, string> = { ...(extra.headers ?? {}) };
      if (!sameOrigin) return headers;
      const token = this.bearer.get(repository);
      const basic = await this.basic();
      if (token) headers.authorization = `Bearer ${token}`;
      else if (basic) headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
      return headers;
    };
    const request = async (): Promise<HttpResponse> =>
      this.transport.request({
        method,
        url,
        headers: await build(),
        ...(extra.body ? { body: extra.body } : {}),
        what,
      });
    let res = await request();
    if (res.status === 401 && sameOrigin) {
      // A token is per scope: one that allowed pull does not allow push, and a cross-repository
      // mount needs pull on the source too. Each new challenge gets one token request; the same
      // challenge twice means the credentials are not enough.
      const challenge = String(res.headers['www-authenticate'] ?? '');
      const key = `${repository} ${challenge}`;
      if (/^bearer/i.test(challenge) && !this.challenged.has(key)) {
        this.challenged.add(key);
        await this.fetchToken(challenge, repository, what);
        res = await request();
      }
    }
    return res;
  }

  private async fetchToken(challenge: string, repository: string, what: string): Promise<void> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm)
      throw new RegistryError(`OCI registry ${this.host} asked for a token without a realm (${what})`);
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new RegistryError(
        `OCI registry ${this.host} named a token realm that is not a URL: ${JSON.stringify(params.realm)}`,
      );
    }
    if (params.service) url.searchParams.set('service', params.service);
    // Several scopes are separate `scope` parameters (distribution token spec).
    const scopes = (params.scope ?? (repository ? `repository:${repository}:pull,push` : ''))
      .split(' ')
      .filter(Boolean);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const basic = await this.basic();
    const res = await this.transport.request({
      url: url.toString(),
      headers: basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {},
      what: `token for ${what}`,
    });
    if (res.status !== 200) throw this.fail(res, `a token for ${what}`);
    let doc: { token?: string; access_token?: string };
    try {
      doc = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
    } catch {
      throw new RegistryError(`the token service of OCI registry ${this.host} answered with no JSON`);
    }
    const token = doc.token ?? doc.access_token;
    if (!token)
      throw new RegistryError(`OCI registry ${this.host} answered the token request without a token`);
    this.bearer.set(repository, token);
  }

  private fail(res: HttpResponse, what: string): StackanetesError {
    const message = responseMessage(res);
    if (res.status === 404)
      return new NotFoundError(`${what}: not found at OCI registry ${this.host} (${message})`);
    if (res.status === 401 || res.status === 403) {
      return new RegistryError(`OCI registry ${this.host} refused ${what}: ${message}`, {
        hint: `check the user and password: stackanetes login oci://${this.host} -u USER (or docker login ${this.host})`,
      });
    }
    return new RegistryError(`OCI registry ${this.host} failed ${what}: HTTP ${res.status} ${message}`);
  }

  /** Checks that the host speaks the distribution API (GET /v2/). */
  async ping(): Promise<void> {
    const res = await this.send('GET', '/v2/', '', 'ping /v2/');
    if (res.status !== 200) throw this.fail(res, 'ping /v2/');
  }

  /** Tags of a repository (empty when the repository does not exist). */
  async tags(repository: string): Promise<string[]> {
    const what = `list tags of ${repository}`;
    const res = await this.send('GET', `/v2/${repository}/tags/list`, repository, what, {
      headers: { accept: 'application/json' },
    });
    if (res.status === 404) return [];
    if (res.status !== 200) throw this.fail(res, what);
    const doc = JSON.parse(res.body.toString('utf8')) as { tags?: string[] | null };
    return doc.tags ?? [];
  }

  /**
   * Uploads a blob unless the repository has it (HEAD). When another repository of this host is
   * known to hold it, the registry is asked to mount it from there instead of receiving the bytes
   * again; a registry that cannot mount answers with a normal upload session, which is then used.
   */
  private async uploadBlob(repository: string, bytes: Buffer, what: string): Promise<BlobUpload> {
    const digest = sha256(bytes);
    const head = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`, repository, what);
    if (head.status === 200) {
      await this.known.set(digest, repository);
      return { digest, how: 'existed' };
    }
    const from = await this.known.get(digest);
    const query = from && from !== repository ? `?mount=${digest}&from=${encodeURIComponent(from)}` : '';
    let start = await this.send('POST', `/v2/${repository}/blobs/uploads/${query}`, repository, what);
    if (query && [401, 403, 404].includes(start.status)) {
      // No pull access to the source repository (or it is gone): send the bytes instead.
      start = await this.send('POST', `/v2/${repository}/blobs/uploads/`, repository, what);
    }
    if (start.status === 201 && query) {
      await this.known.set(digest, repository);
      return { digest, how: 'mounted' };
    }
    if (start.status !== 202) throw this.fail(start, what);
    const location = String(start.headers.location ?? '');
    if (!location)
      throw new RegistryError(`OCI registry ${this.host} started an upload without a Location (${what})`);
    const target = new URL(location, this.base);
    target.searchParams.set('digest', digest);
    const put = await this.send('PUT', target.toString(), repository, what, {
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw this.fail(put, what);
    await this.known.set(digest, repository);
    return { digest, how: 'uploaded' };
  }

  /** The manifest `repository:reference`, parsed, with its digest (computed from the bytes). */
  async manifest(repository: string, reference: string, what: string): Promise<FetchedManifest> {
    const res = await this.send('GET', `/v2/${repository}/manifests/${reference}`, repository, what, {
      headers: { accept: OCI_MANIFEST },
    });
    if (res.status !== 200) throw this.fail(res, what);
    const digest = sha256(res.body);
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(
        `digest mismatch for ${what}: the manifest hashes to ${digest}; nothing was unpacked`,
      );
    }
    try {
      return { digest, manifest: JSON.parse(res.body.toString('utf8')) as OciManifest };
    } catch {
      throw new RegistryError(`OCI registry ${this.host} answered ${what} with a manifest that is not JSON`);
    }
  }

  /** The digest a tag points at (HEAD), or undefined when there is no such tag. */
  async resolveTag(repository: string, tag: string): Promise<string | undefined> {
    const what = `look up ${repository}:${tag}`;
    const res = await this.send('HEAD', `/v2/${repository}/manifests/${tag}`, repository, what, {
      headers: { accept: OCI_MANIFEST },
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.fail(res, what);
    const digest = res.headers['docker-content-digest'];
    return typeof digest === 'string' ? digest : undefined;
  }

  private async putManifest(
    repository: string,
    tag: string,
    manifest: OciManifest,
    what: string,
  ): Promise<string> {
    const body = Buffer.from(JSON.stringify(manifest));
    const res = await this.send('PUT', `/v2/${repository}/manifests/${tag}`, repository, what, {
      headers: { 'content-type': OCI_MANIFEST },
      body,
    });
    if (res.status !== 201) throw this.fail(res, what);
    return sha256(body);
  }

  /** Repositories of the host (`/v2/_catalog`, all pages); registries that hide it answer with an error. */
  async catalog(): Promise<string[]> {
    const what = 'list repositories (/v2/_catalog)';
    const names: string[] = [];
    let path: string | undefined = '/v2/_catalog?n=1000';
    while (path) {
      const res = await this.send('GET', path, '', what, { headers: { accept: 'application/json' } });
      if (res.status !== 200) throw this.fail(res, what);
      const doc = JSON.parse(res.body.toString('utf8')) as { repositories?: string[] | null };
      names.push(...(doc.repositories ?? []));
      const link = String(res.headers.link ?? '');
      const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
      path = next && next !== path ? next : undefined;
    }
    return names;
  }

  /**
   * A channel: the tag `name`, pointing at a manifest that carries the current release's config
   * and layer (so `repo:stable` pulls like any tag, with any OCI tool) plus annotations naming the
   * channel and its releases. The annotations make it a manifest of its own, so the channel can be
   * deleted by digest without deleting the release it points at.
   */
  async channel(repository: string, name: string): Promise<OciChannel | undefined> {
    const what = `read channel ${name} of ${repository}`;
    if (!(await this.resolveTag(repository, name))) return undefined;
    const { manifest, digest } = await this.manifest(repository, name, what);
    return channelOf(name, manifest, digest);
  }

  /** Points channel `name` at `current`, with `releases` as its release list; returns the channel. */
  async setChannel(
    repository: string,
    name: string,
    releases: string[],
    current: string,
  ): Promise<OciChannel> {
    const what = `move channel ${name} of ${repository} to ${current}`;
    const release = await this.manifest(repository, current, what);
    const manifest: OciManifest = {
      ...release.manifest,
      annotations: {
        ...(release.manifest.annotations ?? {}),
        'org.opencontainers.image.version': current,
        [CHANNEL_ANNOTATION]: name,
        [CHANNEL_RELEASES_ANNOTATION]: releases.join(','),
      },
    };
    const digest = await this.putManifest(repository, name, manifest, what);
    return { name, current, releases, digest };
  }

  /** Deletes channel `name` (its own manifest, by digest; the releases stay). */
  async deleteChannel(repository: string, name: string): Promise<void> {
    const what = `delete channel ${name} of ${repository}`;
    const found = await this.channel(repository, name);
    if (!found) throw new NotFoundError(`${what}: there is no such tag at OCI registry ${this.host}`);
    if (!found.own)
      throw new ConflictError(
        `${repository}:${name} is a tag another tool pushed, not a stackanetes channel; it was left alone`,
      );
    const res = await this.send('DELETE', `/v2/${repository}/manifests/${found.digest}`, repository, what);
    if (res.status !== 202 && res.status !== 200) throw this.fail(res, what);
  }

  /** Pushes a package release: config blob, layer blob, then the manifest under `tag`. Returns the manifest digest. */
  async pushPackage(
    repository: string,
    tag: string,
    tarGz: Buffer,
    config: Record<string, unknown>,
  ): Promise<{ manifestDigest: string; layerDigest: string; blobs: BlobUpload[] }> {
    const what = `push ${repository}:${tag}`;
    const configBytes = Buffer.from(JSON.stringify(config));
    const configBlob = await this.uploadBlob(repository, configBytes, what);
    const layerBlob = await this.uploadBlob(repository, tarGz, what);
    const manifest: OciManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: PACKAGE_CONFIG, digest: configBlob.digest, size: configBytes.length },
      layers: [
        {
          mediaType: PACKAGE_LAYER,
          digest: layerBlob.digest,
          size: tarGz.length,
          annotations: {
            'org.opencontainers.image.title': `${repository.split('/').pop() ?? 'package'}-${tag}.tar.gz`,
          },
        },
      ],
      annotations: { 'org.opencontainers.image.version': tag },
    };
    const manifestDigest = await this.putManifest(repository, tag, manifest, what);
    return { manifestDigest, layerDigest: layerBlob.digest, blobs: [configBlob, layerBlob] };
  }

  /** The package layer of `repository:reference` (tag or manifest digest), verified against its digests. */
  async pullPackage(
    repository: string,
    reference: string,
  ): Promise<{ tarGz: Buffer; manifestDigest: string; layerDigest: string }> {
    const what = `pull ${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const { manifest, digest: manifestDigest } = await this.manifest(repository, reference, what);
    const layer = manifest.layers?.find((l) => l.mediaType === PACKAGE_LAYER);
    if (!layer)
      throw new NotFoundError(
        `${what}: the artifact at OCI registry ${this.host} is not a stackanetes package (no ${PACKAGE_LAYER} layer)`,
      );
    const blob = await this.send('GET', `/v2/${repository}/blobs/${layer.digest}`, repository, what);
    if (blob.status !== 200) throw this.fail(blob, what);
    const actual = sha256(blob.body);
    if (actual !== layer.digest) {
      throw new RegistryError(
        `digest mismatch for ${what}: expected ${layer.digest}, got ${actual}; the blob is corrupted and was not unpacked`,
      );
    }
    await this.known.set(layer.digest, repository);
    return { tarGz: blob.body, manifestDigest, layerDigest: layer.digest };
  }
}

/** Reads a channel from its manifest; a tag without our annotations is a channel of one release. */
function channelOf(name: string, manifest: OciManifest, digest: string): OciChannel | undefined {
  const annotations = manifest.annotations ?? {};
  const current = annotations['org.opencontainers.image.version'];
  if (!current || !isSemverTag(current)) return undefined;
  const listed =
    annotations[CHANNEL_ANNOTATION] === name ? annotations[CHANNEL_RELEASES_ANNOTATION] : undefined;
  const releases = listed ? listed.split(',').filter(isSemverTag) : [current];
  return {
    name,
    current,
    releases: releases.includes(current) ? releases : [...releases, current],
    digest,
    own: listed !== undefined,
  };
}

/** Release tags are versions; every other tag is a channel. */
export function isSemverTag(tag: string): boolean {
  return /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(tag);
}
