/**
 * Packages in any OCI distribution registry (Harbor, Quay, GHCR, ECR, the CNCF registry): a
 * release is an OCI image manifest whose config describes the package and whose single layer is
 * the package .tar.gz, tagged with the version — the layout Helm uses for charts. Blobs are
 * verified against their digests before use; registries that answer 401 with a Bearer challenge
 * get the token dance, with Basic credentials when the user logged in.
 */
import { NotFoundError, RegistryError, type StackanetesError } from '../errors.js';
import { normaliseRegistryUrl } from '../config/config.js';
import { sha256 } from './digest.js';
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

export interface OciClientOptions {
  /** `host[:port]`; loopback hosts use http. */
  host: string;
  transport: Transport;
  /** `user:password` for Basic auth (and for Bearer token requests), when logged in. */
  basic?: () => Promise<string | undefined>;
}

/** A client for one OCI registry host. */
export class OciClient {
  readonly host: string;
  private readonly base: string;
  private readonly transport: Transport;
  private readonly basic: () => Promise<string | undefined>;
  private readonly bearer = new Map<string, string>();

  constructor(options: OciClientOptions) {
    this.host = options.host;
    this.base = normaliseRegistryUrl(options.host);
    this.transport = options.transport;
    this.basic = options.basic ?? (async () => undefined);
  }

  private async send(
    method: 'GET' | 'HEAD' | 'POST' | 'PUT',
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
    if (res.status === 401 && sameOrigin && !this.bearer.has(repository)) {
      const challenge = String(res.headers['www-authenticate'] ?? '');
      if (/^bearer/i.test(challenge)) {
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
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${repository}:pull,push`);
    const basic = await this.basic();
    const res = await this.transport.request({
      url: url.toString(),
      headers: basic ? { authorization: `Basic ${Buffer.from(basic).toString('base64')}` } : {},
      what: `token for ${what}`,
    });
    if (res.status !== 200) throw this.fail(res, `token for ${what}`);
    const doc = JSON.parse(res.body.toString('utf8')) as { token?: string; access_token?: string };
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
        hint: `log in: stackanetes login oci://${this.host} -u USER`,
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

  private async uploadBlob(repository: string, bytes: Buffer, what: string): Promise<string> {
    const digest = sha256(bytes);
    const head = await this.send('HEAD', `/v2/${repository}/blobs/${digest}`, repository, what);
    if (head.status === 200) return digest;
    const start = await this.send('POST', `/v2/${repository}/blobs/uploads/`, repository, what);
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
    return digest;
  }

  /** Pushes a package release: config blob, layer blob, then the manifest under `tag`. Returns the manifest digest. */
  async pushPackage(
    repository: string,
    tag: string,
    tarGz: Buffer,
    config: Record<string, unknown>,
  ): Promise<{ manifestDigest: string; layerDigest: string }> {
    const what = `push ${repository}:${tag}`;
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = await this.uploadBlob(repository, configBytes, what);
    const layerDigest = await this.uploadBlob(repository, tarGz, what);
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: PACKAGE_CONFIG, digest: configDigest, size: configBytes.length },
      layers: [
        {
          mediaType: PACKAGE_LAYER,
          digest: layerDigest,
          size: tarGz.length,
          annotations: {
            'org.opencontainers.image.title': `${repository.split('/').pop() ?? 'package'}-${tag}.tar.gz`,
          },
        },
      ],
      annotations: { 'org.opencontainers.image.version': tag },
    };
    const body = Buffer.from(JSON.stringify(manifest));
    const res = await this.send('PUT', `/v2/${repository}/manifests/${tag}`, repository, what, {
      headers: { 'content-type': OCI_MANIFEST },
      body,
    });
    if (res.status !== 201) throw this.fail(res, what);
    return { manifestDigest: sha256(body), layerDigest };
  }

  /** The package layer of `repository:reference` (tag or manifest digest), verified against its digests. */
  async pullPackage(
    repository: string,
    reference: string,
  ): Promise<{ tarGz: Buffer; manifestDigest: string; layerDigest: string }> {
    const what = `pull ${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const res = await this.send('GET', `/v2/${repository}/manifests/${reference}`, repository, what, {
      headers: { accept: OCI_MANIFEST },
    });
    if (res.status !== 200) throw this.fail(res, what);
    const manifestDigest = sha256(res.body);
    if (reference.startsWith('sha256:') && manifestDigest !== reference) {
      throw new RegistryError(
        `digest mismatch for ${what}: the manifest hashes to ${manifestDigest}; nothing was unpacked`,
      );
    }
    let manifest: { layers?: OciDescriptor[] };
    try {
      manifest = JSON.parse(res.body.toString('utf8')) as { layers?: OciDescriptor[] };
    } catch {
      throw new RegistryError(`OCI registry ${this.host} answered ${what} with a manifest that is not JSON`);
    }
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
    return { tarGz: blob.body, manifestDigest, layerDigest: layer.digest };
  }
}
