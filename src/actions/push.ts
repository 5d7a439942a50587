/**
 * `stackanetes push [DIR...]`: builds the deterministic tarball of each package directory and
 * uploads it (appr, or OCI with `--registry oci://host/prefix`), then adds the release to
 * channels. Several directories are pushed in dependency order (a dependency or library before
 * the packages that use it), so a registry never holds a package whose dependencies are not
 * there yet. The digest printed is the release identity; pushing the same files again gives the
 * same digest, and the registry reports it `unchanged`.
 */
import { resolve as resolvePath } from 'node:path';
import { ConflictError, InputError } from '../errors.js';
import { loadPackageDirectory } from '../package/load.js';
import { buildPackageTarball } from '../package/tarball.js';
import type { LoadedPackage } from '../package/types.js';
import type { RegistrySession } from '../registry/session.js';
import { checkChannelName } from '../resolve/reference.js';
import type { ActionContext } from './context.js';

export interface PushOptions {
  /** Package directory; default cwd. */
  dir?: string;
  /** Several package directories (pushMany); `dir` is the one-directory form. */
  dirs?: string[];
  registry?: string;
  channels?: string[];
  force?: boolean;
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
  /** `pushed` (new), `replaced` (--force over other content) or `unchanged` (the same bytes were there). */
  status: 'pushed' | 'replaced' | 'unchanged';
  /** For OCI pushes: `oci://host/repo@sha256:<manifest>`. */
  reference?: string;
}

/** Pushes one package directory. */
export async function push(context: ActionContext, options: PushOptions): Promise<PushResult> {
  const [result] = await pushMany(context, { ...options, dirs: [options.dir ?? '.'] });
  return result as PushResult;
}

/** Pushes every directory of `options.dirs`, dependencies first; one result per package, in push order. */
export async function pushMany(context: ActionContext, options: PushOptions): Promise<PushResult[]> {
  const channels = options.channels ?? [];
  channels.forEach(checkChannelName);
  const dirs = options.dirs ?? [options.dir ?? '.'];
  // Everything is loaded and checked before the first upload, so a broken package in the set
  // fails the push before anything is published.
  const packages = await Promise.all(
    dirs.map((dir) => loadPackageDirectory(resolvePath(context.cwd, dir), dir)),
  );
  const session = await context.registry();
  const results: PushResult[] = [];
  for (const pkg of dependencyOrder(packages)) results.push(await pushOne(session, pkg, options, channels));
  return results;
}

/**
 * Orders packages so each comes after the dependencies and libraries it names that are also in
 * the set; otherwise keeps the given order. A cycle among them is refused, naming it.
 */
export function dependencyOrder(packages: readonly LoadedPackage[]): LoadedPackage[] {
  const byName = new Map<string, LoadedPackage>();
  for (const pkg of packages) {
    const name = pkg.manifest.package.name;
    const other = byName.get(name);
    if (other)
      throw new InputError(
        `${pkg.origin.location} and ${other.origin.location} are both package ${name}: push one of them`,
      );
    byName.set(name, pkg);
  }
  const ordered: LoadedPackage[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (pkg: LoadedPackage, path: string[]): void => {
    const name = pkg.manifest.package.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new InputError(`dependency cycle among the pushed packages: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const needs = [...pkg.manifest.dependencies, ...(pkg.manifest.libraries ?? [])].map((d) => d.name);
    for (const need of needs) {
      const dep = byName.get(need);
      if (dep) visit(dep, [...path, name]);
    }
    state.set(name, 'done');
    ordered.push(pkg);
  };
  for (const pkg of packages) visit(pkg, []);
  return ordered;
}

async function pushOne(
  session: RegistrySession,
  pkg: LoadedPackage,
  options: PushOptions,
  channels: string[],
): Promise<PushResult> {
  const progress = session.progress;
  const { name, version } = pkg.manifest.package;
  const built = await buildPackageTarball(pkg);
  const base = {
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
    const exists = (await client.tags(repository)).includes(version);
    if (!options.force && exists) {
      progress({ type: 'fail', id });
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
      status: exists ? 'replaced' : 'pushed',
      registry: `oci://${host}/${repository}`,
      reference: `oci://${host}/${repository}@${pushed.manifestDigest}`,
    };
  }

  const url = session.registryUrl(options.registry);
  const client = session.appr(url);
  progress({ type: 'start', id, text: `pushing ${name}@${version} to ${client.host}` });
  let outcome: PushResult['status'];
  try {
    outcome = (await client.push(name, version, built.tarGz, { force: options.force === true })).outcome;
    for (const channel of channels) await client.addToChannel(name, channel, version);
  } catch (err) {
    progress({ type: 'fail', id });
    throw err;
  }
  progress({
    type: 'succeed',
    id,
    text: `${outcome === 'unchanged' ? 'unchanged' : 'pushed'} ${name}@${version} (${built.digest.slice(0, 19)})`,
  });
  return { ...base, status: outcome, registry: url };
}
