/**
 * `stackanetes push [DIR]`: builds the deterministic tarball of a package directory and uploads
 * it (appr, or OCI with `--registry oci://host/prefix`), then adds the release to channels. The
 * digest printed is the release identity; pushing the same files again gives the same digest.
 */
import { resolve as resolvePath } from 'node:path';
import type { ProgressSink } from './progress.js';
import { silentProgress } from './progress.js';
import { loadPackageDirectory } from '../package/load.js';
import { buildPackageTarball } from '../package/tarball.js';
import { openRegistrySession } from '../registry/session.js';
import { checkChannelName } from '../resolve/reference.js';

export interface PushOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Package directory; default cwd. */
  dir?: string;
  registry?: string;
  channels?: string[];
  force?: boolean;
  progress?: ProgressSink;
}

export interface PushResult {
  package: string;
  version: string;
  /** appr digest (`sha256:` of the tar). */
  digest: string;
  /** OCI layer digest (`sha256:` of the .tar.gz). */
  gzipDigest: string;
  size: number;
  registry: string;
  channels: string[];
  /** For OCI pushes: `oci://host/repo@sha256:<manifest>`. */
  reference?: string;
}

export async function push(options: PushOptions): Promise<PushResult> {
  const progress = options.progress ?? silentProgress;
  const channels = options.channels ?? [];
  channels.forEach(checkChannelName);
  const pkg = await loadPackageDirectory(resolvePath(options.cwd, options.dir ?? '.'));
  const { name, version } = pkg.manifest.package;
  const built = await buildPackageTarball(pkg);
  const session = await openRegistrySession({ env: options.env, progress });
  const base: Omit<PushResult, 'registry'> = {
    package: name,
    version,
    digest: built.digest,
    gzipDigest: built.gzipDigest,
    size: built.tarGz.length,
    channels,
  };
  const id = `push:${name}@${version}`;

  if (options.registry?.startsWith('oci://')) {
    const rest = options.registry.slice('oci://'.length).replace(/\/+$/, '');
    const [host, ...prefix] = rest.split('/');
    const repository = [...prefix, name].join('/');
    progress({ type: 'start', id, text: `pushing ${name}@${version} to oci://${host}/${repository}` });
    const client = session.oci(host ?? '');
    if (!options.force && (await client.tags(repository)).includes(version)) {
      progress({ type: 'fail', id });
      const { ConflictError } = await import('../errors.js');
      throw new ConflictError(`oci://${host}/${repository}:${version} already exists`, {
        hint: 'push with --force to replace it, or bump the version',
      });
    }
    const pushed = await client.pushPackage(repository, version, built.tarGz, {
      name,
      version,
      description: pkg.manifest.package.description ?? '',
      digest: built.digest,
    });
    // Channels are tags on OCI registries: each one moves to the release just pushed.
    const { addToOciChannel } = await import('../registry/oci-channels.js');
    for (const channel of channels) await addToOciChannel(client, repository, channel, version);
    progress({ type: 'succeed', id, text: `pushed ${name}@${version}` });
    return {
      ...base,
      registry: `oci://${host}/${repository}`,
      reference: `oci://${host}/${repository}@${pushed.manifestDigest}`,
    };
  }

  const url = session.registryUrl(options.registry);
  const client = session.appr(url);
  progress({ type: 'start', id, text: `pushing ${name}@${version} to ${client.host}` });
  try {
    await client.push(name, version, built.tarGz, { force: options.force === true });
    for (const channel of channels) await client.addToChannel(name, channel, version);
  } catch (err) {
    progress({ type: 'fail', id });
    throw err;
  }
  progress({ type: 'succeed', id, text: `pushed ${name}@${version} (${built.digest.slice(0, 19)})` });
  return { ...base, registry: url };
}
