/**
 * The local package source: directories and .tar.gz files on disk. packages/ acts as the embedded
 * registry, so a meta-package's dependencies are looked up in sibling directories (folder named
 * after the name part). Anything not found locally is a NotFoundError, which lets a registry
 * source fall back to the network.
 *
 * The loader, YAML, semver and tar modules are imported on first use: every verb that may read a
 * local package creates this source, and an unchanged generate (answered from the render cache)
 * never opens a package.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { describeCause, InputError, NotFoundError } from '../errors.js';
import type { PackageSource } from './source.js';
import type { DependencyEntry, LoadedPackage } from './types.js';

/** Options of createLocalSource: references are resolved against `cwd`. */
export interface LocalSourceOptions {
  cwd: string;
}

const TARBALL = /\.(tar\.gz|tgz)$/;

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    const info = statSync(path);
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Reads and loads one .tar.gz file from disk. */
export async function loadTarballFile(path: string, display: string = path): Promise<LoadedPackage> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new NotFoundError(`cannot read package tarball ${display}: ${describeCause(err)}`);
  }
  const { loadPackageTarball } = await import('./load.js');
  const pkg = loadPackageTarball(bytes, display);
  return { ...pkg, origin: { kind: 'tarball', location: path } };
}

/** The modules dependency lookup needs, loaded once on first use. */
async function lookupModules() {
  const [{ default: semver }, { loadPackageDirectory }, { shortName }, { packageDigest }] = await Promise.all(
    [import('semver'), import('./load.js'), import('./manifest.js'), import('./tarball.js')],
  );
  return { semver, loadPackageDirectory, shortName, packageDigest };
}

function describeEntry(entry: DependencyEntry): string {
  return entry.version
    ? `${entry.name} ${entry.version}`
    : entry.channel
      ? `${entry.name}:${entry.channel}`
      : entry.digest
        ? `${entry.name}@${entry.digest}`
        : entry.name;
}

/** The sources createLocalSource made, by the directory they resolve references against. */
const localSources = new WeakMap<PackageSource, string>();

/**
 * The working directory of a source createLocalSource made, else undefined. Such a source reads
 * nothing but the files on disk it was pointed at, which lets the render cache check a render's
 * inputs by their files alone (see render/input-stamp.ts).
 */
export function localSourceCwd(source: PackageSource): string | undefined {
  return localSources.get(source);
}

/** Opens directories and tarballs; finds dependencies next to the package that needs them. */
export function createLocalSource(options: LocalSourceOptions): PackageSource {
  // Messages name paths relative to the working directory, as the user typed them.
  const display = (path: string): string => {
    const rel = relative(options.cwd, path);
    return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  };
  const open = async (reference: string): Promise<LoadedPackage> => {
    const path = isAbsolute(reference) ? reference : resolve(options.cwd, reference);
    const kind = kindOf(path);
    if (kind === 'dir') return (await import('./load.js')).loadPackageDirectory(path, display(path));
    if (kind === 'file') {
      if (!TARBALL.test(path))
        throw new InputError(`${reference} is a file but not a package tarball (.tar.gz or .tgz)`);
      return loadTarballFile(path, display(path));
    }
    throw new NotFoundError(`package ${JSON.stringify(reference)} is not a local directory or tarball`, {
      hint: 'give a package directory (e.g. packages/keystone), a .tar.gz, or configure a registry',
    });
  };

  const dependency = async (parent: LoadedPackage, entry: DependencyEntry): Promise<LoadedPackage> => {
    const origin = parent.origin;
    if (origin.kind !== 'directory' && origin.kind !== 'tarball') {
      throw new NotFoundError(
        `${describeEntry(entry)} (needed by ${parent.manifest.package.name}) is not available locally`,
      );
    }
    const { semver, loadPackageDirectory, shortName, packageDigest } = await lookupModules();
    const satisfies = (pkg: LoadedPackage): boolean =>
      entry.version === undefined ||
      semver.satisfies(pkg.manifest.package.version, entry.version, { includePrerelease: true });
    const base = origin.kind === 'directory' ? dirname(origin.location) : dirname(origin.location);
    const short = shortName(entry.name);
    const rejected: string[] = [];
    const candidates: LoadedPackage[] = [];
    const dir = join(base, short);
    if (kindOf(join(dir, 'manifest.yaml')) === 'file')
      candidates.push(await loadPackageDirectory(dir, display(dir)));
    if (origin.kind === 'tarball') {
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        // an unreadable directory has no candidates
      }
      for (const name of names.sort()) {
        if (name.startsWith(`${short}-`) && TARBALL.test(name) && join(base, name) !== origin.location) {
          candidates.push(await loadTarballFile(join(base, name), display(join(base, name))));
        }
      }
    }
    const matching: LoadedPackage[] = [];
    for (const pkg of candidates) {
      const meta = pkg.manifest.package;
      const where = basename(pkg.origin.location);
      if (meta.name !== entry.name) rejected.push(`${where} is ${meta.name}`);
      else if (!satisfies(pkg)) rejected.push(`${where} has version ${meta.version}`);
      else if (entry.digest && packageDigest(pkg) !== entry.digest)
        rejected.push(`${where} has a different digest`);
      else matching.push(pkg);
    }
    matching.sort((a, b) => semver.rcompare(a.manifest.package.version, b.manifest.package.version));
    const best = matching[0];
    if (best) return best;
    const why =
      rejected.length > 0 ? `: ${rejected.join('; ')}` : `: no ${short}/ next to ${display(origin.location)}`;
    throw new NotFoundError(
      `dependency ${describeEntry(entry)} of ${parent.manifest.package.name} not found locally${why}`,
      {
        hint: entry.registry
          ? `it lives at ${entry.registry}: render with --registry (or deploy/diff, which resolve through registries), or add it as ${display(join(base, short))}`
          : `add the package as ${display(join(base, short))} or fix the dependency entry in ${parent.manifest.package.name}'s manifest.yaml`,
      },
    );
  };

  const source: PackageSource = { open, dependency };
  localSources.set(source, options.cwd);
  return source;
}
