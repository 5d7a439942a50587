/**
 * What the lockfile says for one command: the pins the resolver prefers, where each locked
 * package came from, and the `--locked` checks that refuse anything else.
 */
import { dirname, relative } from 'node:path';
import { ConflictError, InputError } from '../errors.js';
import type { LoadedPackage } from '../package/types.js';
import { readLockfile, type LockedPackage } from './lockfile.js';
import type { Origin } from './origin.js';
import { parseReference, type OciReference } from './reference.js';
import type { IndexedPackage } from './resolve.js';

export interface LockPins {
  /** The lockfile this command reads and writes. */
  readonly path: string;
  /** `--locked`: every package must resolve to what the lockfile says. */
  readonly locked: boolean;
  /** Preferred versions for the resolver (local packages excluded). */
  readonly pins: ReadonlyMap<string, { version: string; digest?: string }>;
  entry(name: string): LockedPackage | undefined;
  /** The entry locking a package pulled from this OCI repository by digest. */
  ociEntry(host: string, repository: string): LockedPackage | undefined;
  /** Where the lock says a package came from. */
  origin(name: string): Origin | undefined;
  /** The index of a package under --locked: the lock is the whole truth, no listing needed. */
  lockedListing(name: string): IndexedPackage;
  /** The lock entry of a local package, refusing a version other than the locked one under --locked. */
  localEntry(pkg: LoadedPackage): LockedPackage;
}

export async function readLockPins(options: {
  cwd: string;
  path: string;
  locked?: boolean;
  ignoreLock?: boolean;
}): Promise<LockPins> {
  const { cwd, path } = options;
  const lock = await readLockfile(path);
  const locked = options.locked === true;
  if (locked && options.ignoreLock)
    throw new InputError('--locked cannot be combined with re-resolving (update)');
  if (locked && !lock) {
    throw new ConflictError(`--locked: no lockfile at ${path}`, {
      hint: 'run once without --locked (or `stackanetes update`) to write it, then commit it',
    });
  }
  const byName = new Map((options.ignoreLock ? [] : (lock?.packages ?? [])).map((p) => [p.name, p]));
  const pins = new Map(
    [...byName.values()]
      .filter((p) => !p.path)
      .map((p) => [p.name, p.digest ? { version: p.version, digest: p.digest } : { version: p.version }]),
  );
  return {
    path,
    locked,
    pins,
    entry: (name) => byName.get(name),
    ociEntry: (host, repository) =>
      [...byName.values()].find((e) => e.oci?.startsWith(`oci://${host}/${repository}@`)),
    origin(name) {
      const entry = byName.get(name);
      if (entry?.registry) return { kind: 'appr', url: entry.registry };
      if (entry?.oci) {
        const { host, prefix } = parseReference(entry.oci, cwd) as OciReference;
        return { kind: 'oci', host, prefix };
      }
      return undefined;
    },
    lockedListing(name) {
      const entry = byName.get(name);
      return {
        name,
        releases: entry?.digest
          ? [{ version: entry.version, digest: entry.digest }]
          : entry
            ? [{ version: entry.version }]
            : [],
      };
    },
    localEntry(pkg) {
      const { name, version } = pkg.manifest.package;
      const entry = byName.get(name);
      if (locked && entry && entry.version !== version) {
        throw new ConflictError(
          `--locked: ${path} pins ${name}@${entry.version}, but ${pkg.origin.location} has ${version}`,
          { hint: 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked' },
        );
      }
      return { name, version, path: relative(dirname(path), pkg.origin.location) || '.' };
    },
  };
}
