/**
 * What a source handed out, for release records (`resolved()`) and the lockfile: every package,
 * local or from a registry, with the lock entry that replays it.
 */
import { registryHost } from '../config/config.js';
import type { LoadedPackage } from '../package/types.js';
import type { LockPins } from './lock-pins.js';
import { writeLockfile, type LockedPackage } from './lockfile.js';
import type { Origin } from './origin.js';
import type { ResolvedRelease } from './resolve.js';

/** One package the source handed out, for lockfiles and release records. */
export interface ResolvedPackageRef {
  name: string;
  version: string;
  digest?: string;
  /** `<kind>:<where>`: `directory:/path`, `tarball:/path`, `registry:host/ns/name@1.0.0`, `oci:oci://host/repo@sha256:…`. */
  origin: string;
}

export interface HandedOut extends ResolvedPackageRef {
  lock: LockedPackage;
}

/** The record of a package resolved from a registry; pure over the plan and what was loaded. */
export function describeRegistryPackage(
  name: string,
  chosen: ResolvedRelease,
  loaded: { pkg: LoadedPackage; oci?: string },
  origin: Origin,
): HandedOut {
  const { version } = chosen;
  const lockEntry: LockedPackage = { name, version };
  const digest = chosen.digest ?? loaded.pkg.digest;
  if (digest) lockEntry.digest = digest;
  let where: string;
  if (origin.kind === 'appr') {
    lockEntry.registry = origin.url;
    where = `registry:${registryHost(origin.url)}/${name}@${version}`;
  } else {
    lockEntry.oci = loaded.oci as string;
    where = `oci:${loaded.oci}`;
  }
  const ref: HandedOut = { name, version, origin: where, lock: lockEntry };
  if (digest) ref.digest = digest;
  return ref;
}

export class Recorder {
  /** The references the command line gave, in order. */
  private readonly roots: string[] = [];
  readonly handedOut = new Map<string, HandedOut>();

  constructor(private readonly lock: LockPins) {}

  root(reference: string): void {
    if (!this.roots.includes(reference)) this.roots.push(reference);
  }

  record(ref: HandedOut): void {
    this.handedOut.set(ref.name, ref);
  }

  local(pkg: LoadedPackage): LoadedPackage {
    const lock = this.lock.localEntry(pkg);
    const { name, version } = lock;
    const ref: HandedOut = { name, version, origin: `${pkg.origin.kind}:${pkg.origin.location}`, lock };
    if (pkg.digest) ref.digest = pkg.digest;
    this.record(ref);
    return pkg;
  }

  resolved(): ResolvedPackageRef[] {
    return [...this.handedOut.values()].map(({ lock: _lock, ...ref }) => ref);
  }

  /**
   * Writes the lockfile when a registry or OCI package was resolved (never under --locked, which
   * only reads it). `unused` are planned packages nothing asked for in this render.
   */
  async write(unused: readonly HandedOut[]): Promise<void> {
    if (this.lock.locked) return;
    const all = new Map(this.handedOut);
    for (const ref of unused) if (!all.has(ref.name)) all.set(ref.name, ref);
    const entries = [...all.values()].map((h) => h.lock);
    if (!entries.some((e) => e.registry || e.oci)) return;
    await writeLockfile(this.lock.path, { roots: this.roots, packages: entries });
  }
}
