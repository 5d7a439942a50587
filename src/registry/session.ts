/**
 * Everything a command needs to talk to registries, built once per invocation: the user config,
 * the transport, tokens by scope, and the blob cache. Fetching a release always goes through
 * here so the digest is verified (and the cache consulted) before any byte is unpacked.
 */
import { join } from 'node:path';
import type { ProgressSink } from '../progress.js';
import { silentProgress } from '../progress.js';
import {
  chooseRegistry,
  configHome,
  normaliseRegistryUrl,
  readUserConfig,
  registryHost,
  type UserConfig,
} from '../config/config.js';
import { findCredential } from '../config/credentials.js';
import { RegistryError, UsageError } from '../errors.js';
import { loadPackageTarball } from '../package/load.js';
import type { LoadedPackage } from '../package/types.js';
import { ApprClient } from './appr.js';
import { createBlobCache, type BlobCache } from './cache.js';
import { verifyApprDigest } from './digest.js';
import { fileBlobLocations } from './blob-locations.js';
import { dockerCredential } from './docker-config.js';
import { OciClient } from './oci.js';
import { createTransport, transportOptionsFromEnv, type Transport } from './http.js';

export interface RegistrySession {
  readonly env: NodeJS.ProcessEnv;
  readonly config: UserConfig;
  readonly transport: Transport;
  readonly cache: BlobCache;
  readonly progress: ProgressSink;
  /** The registry to use (`explicit` from a reference or --registry); throws a usage error when none is configured. */
  registryUrl(explicit?: string): string;
  /** Like registryUrl, but undefined when no registry is configured. */
  optionalRegistryUrl(explicit?: string): string | undefined;
  appr(url: string): ApprClient;
  /** A client for an OCI registry host (`host[:port]`). */
  oci(host: string): OciClient;
  /** Downloads (or takes from the cache) the release blob, verifies its digest and loads it. */
  fetchRelease(
    client: ApprClient,
    name: string,
    version: string,
    digest: string,
    options?: { byDigest?: boolean },
  ): Promise<{ pkg: LoadedPackage; tarGz: Buffer }>;
}

export interface SessionOptions {
  env: NodeJS.ProcessEnv;
  progress?: ProgressSink;
  /** Overrides the transport (tests); default got with env-configured timeouts and retries. */
  transport?: Transport;
}

export async function openRegistrySession(options: SessionOptions): Promise<RegistrySession> {
  const { env } = options;
  const config = await readUserConfig(env);
  const progress = options.progress ?? silentProgress;
  const transport = options.transport ?? createTransport(transportOptionsFromEnv(env));
  const cache = createBlobCache(join(configHome(env), 'cache', 'blobs'), (digest) =>
    progress({ type: 'warn', text: `cached blob ${digest} is corrupted; fetching it again` }),
  );
  const clients = new Map<string, ApprClient>();
  const ociClients = new Map<string, OciClient>();
  const optionalRegistryUrl = (explicit?: string): string | undefined => {
    // An OCI registry (`oci://host/path`) is kept as written: it is a host plus a repository path, not a URL.
    const value = explicit ?? (env.STACKANETES_REGISTRY || undefined) ?? config.default;
    const target = value === undefined ? undefined : (config.registries[value]?.url ?? value);
    if (target?.startsWith('oci://')) return target.replace(/\/+$/, '');
    return chooseRegistry(config, env, explicit);
  };
  const session: RegistrySession = {
    env,
    config,
    transport,
    cache,
    progress,
    optionalRegistryUrl,
    registryUrl(explicit) {
      const url = optionalRegistryUrl(explicit);
      if (!url) {
        throw new UsageError('no registry given', {
          hint: 'pass --registry URL, set STACKANETES_REGISTRY, or set `default:` in config.yaml of your stackanetes home',
        });
      }
      return url;
    },
    appr(url) {
      const base = normaliseRegistryUrl(url);
      let client = clients.get(base);
      if (!client) {
        const host = registryHost(base);
        client = new ApprClient({
          url: base,
          transport,
          token: async (name) => (await findCredential(env, host, name))?.token,
        });
        clients.set(base, client);
      }
      return client;
    },
    oci(host) {
      // One client per host for the whole command: tokens and known blob locations (for
      // cross-repository mounts) carry over from one package to the next.
      let client = ociClients.get(host);
      if (!client) {
        let basic: Promise<string | undefined> | undefined;
        client = new OciClient({
          host,
          transport,
          blobLocations: fileBlobLocations(join(configHome(env), 'cache', 'oci-blob-locations.json'), host),
          basic: async () => {
            basic ??= (async () => {
              const credential = await findCredential(env, `oci://${host}`);
              if (credential?.kind === 'basic') return credential.token;
              return dockerCredential(env, host);
            })();
            return basic;
          },
        });
        ociClients.set(host, client);
      }
      return client;
    },
    async fetchRelease(client, name, version, digest, fetchOptions = {}) {
      const what = `${name}@${version}`;
      let tarGz = await cache.get('appr', digest);
      if (!tarGz) {
        const id = `pull:${client.host}/${what}`;
        progress({ type: 'start', id, text: `pulling ${what} from ${client.host}` });
        try {
          // A locked replay asks for the exact blob: a re-pushed release then fails as "not found"
          // instead of quietly serving different content.
          tarGz = fetchOptions.byDigest
            ? await client.pullBlob(name, digest)
            : await client.pullRelease(name, version);
          verifyApprDigest(tarGz, digest, `${what} from ${client.host}`);
        } catch (err) {
          progress({ type: 'fail', id });
          throw err;
        }
        progress({ type: 'succeed', id, text: `pulled ${what} (${digest.slice(0, 19)})` });
        await cache.put('appr', digest, tarGz);
      }
      const pkg = loadPackageTarball(tarGz, `${client.host}/${what}`, 'registry');
      const meta = pkg.manifest.package;
      if (meta.name !== name || meta.version !== version) {
        throw new RegistryError(
          `registry ${client.host} served ${meta.name}@${meta.version} when asked for ${what}; refusing to use it`,
          {
            hint: 're-push the release with the right manifest.yaml',
          },
        );
      }
      pkg.digest = digest;
      return { pkg, tarGz };
    },
  };
  return session;
}
