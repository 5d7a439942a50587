/**
 * The registry packages of one command as a growing graph: an index fetched on demand through
 * one adapter per origin, re-resolved with the pure resolver until every need is met, and handed
 * out one release per package (a package already handed out keeps its release).
 */
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import { SELF, type LoadedPackage } from '../package/types.js';
import { apprAdapter } from './appr-adapter.js';
import type { AdapterDeps, IndexAdapter } from './index-adapter.js';
import { ociAdapter, type OciAdapter } from './oci-adapter.js';
import { dependencyOrigin, graphEdges, type Constraint, type Origin } from './origin.js';
import { describeRegistryPackage, type HandedOut, type Recorder } from './recorder.js';
import type { OciReference } from './reference.js';
import {
  resolveGraph,
  type IndexedPackage,
  type IndexedRelease,
  type Need,
  type Requirement,
  type ResolvedRelease,
} from './resolve.js';

interface MutableRelease extends IndexedRelease {
  dependencies?: readonly Constraint[];
}

interface MutablePackage extends IndexedPackage {
  releases: MutableRelease[];
}

const key = (name: string, version: string): string => `${name}@${version}`;

export class RegistryGraph {
  private readonly index = new Map<string, MutablePackage>();
  /** Where each package is looked up; the first origin named for a package stays. */
  readonly originOf = new Map<string, Origin>();
  private readonly loaded = new Map<string, { pkg: LoadedPackage; oci?: string }>();
  private readonly roots: Requirement[] = [];
  private plan = new Map<string, ResolvedRelease>();

  constructor(
    private readonly deps: AdapterDeps,
    private readonly recorder: Recorder,
  ) {}

  /** Whether the graph already chose a release of `name`. */
  planned(name: string): boolean {
    return this.plan.has(name);
  }

  private adapter(origin: Origin): IndexAdapter {
    return origin.kind === 'oci' ? ociAdapter(origin, this.deps) : apprAdapter(origin.url, this.deps);
  }

  /** Adds a root requirement, resolves, and hands out its release. */
  async fromRegistry(req: Requirement, origin: Origin): Promise<LoadedPackage> {
    if (!this.originOf.has(req.name)) this.originOf.set(req.name, origin);
    this.roots.push(req);
    await this.settle();
    return this.handOut(req.name);
  }

  /** Opens `oci://host/repo@sha256:…` (by manifest digest); versions, ranges and channels go through fromRegistry. */
  async openOciDigest(ref: OciReference & { digest: string }): Promise<LoadedPackage> {
    const origin: Origin = { kind: 'oci', host: ref.host, prefix: ref.prefix };
    const oci: OciAdapter = ociAdapter(origin, this.deps);
    const { pkg, digest, oci: ociRef } = await oci.loadDigest(ref);
    const { name, version } = pkg.manifest.package;
    this.originOf.set(name, origin);
    this.index.set(name, { name, releases: [{ version, digest, dependencies: graphEdges(pkg) }] });
    this.loaded.set(key(name, version), { pkg, oci: ociRef });
    this.adoptOrigins(pkg, origin);
    this.roots.push({ name, version, requiredBy: 'the command line' });
    await this.settle();
    return this.handOut(name);
  }

  /** Records the planned release of `name` as handed out and returns it. */
  handOut(name: string): LoadedPackage {
    const { ref, pkg } = this.describe(name);
    this.recorder.record(ref);
    return pkg;
  }

  /** Planned packages nothing asked for (yet): a dependency switched off by `when` is still locked. */
  unused(): HandedOut[] {
    return [...this.plan.keys()]
      .filter((name) => !this.recorder.handedOut.has(name))
      .filter((name) => this.loaded.has(key(name, this.plan.get(name)?.version ?? '')))
      .map((name) => this.describe(name).ref);
  }

  /** Refuses a root release that is not in `channelName`, as kpm's --in-channel did. */
  async checkInChannel(pkg: LoadedPackage, channelName: string): Promise<void> {
    const { name, version } = pkg.manifest.package;
    const origin = this.originOf.get(name);
    if (!origin)
      throw new InputError(
        `--in-channel needs a package from a registry; ${name} came from ${pkg.origin.location}`,
      );
    await this.deps.session();
    const channels = this.index.get(name)?.channels ?? (await this.adapter(origin).channels(name));
    const channel = channels[channelName];
    if (!channel) {
      throw new NotFoundError(
        `${name} has no channel ${JSON.stringify(channelName)}; channels: ${Object.keys(channels).join(', ') || 'none'}`,
      );
    }
    if (!channel.releases.includes(version)) {
      throw new ConflictError(
        `${name}@${version} is not in channel ${channelName} (its releases: ${channel.releases.join(', ') || 'none'})`,
        {
          hint: `choose one of those, or add it: stackanetes channel ${name} --name ${channelName} --add ${version}`,
        },
      );
    }
  }

  /** Re-resolves every root so far; a package already handed out must keep its release (one release per package per deploy). */
  private async settle(): Promise<void> {
    const { lock } = this.deps;
    for (;;) {
      const resolution = resolveGraph(this.roots, this.index, {
        pins: lock.pins,
        locked: lock.locked,
        lockfile: lock.path,
      });
      if (resolution.complete) {
        for (const [name, previous] of this.recorder.handedOut) {
          const now = resolution.packages.get(name);
          if (now && previous.lock.path === undefined && now.version !== previous.version) {
            throw new ConflictError(
              `incompatible requirements on ${name}: ${previous.version} was already chosen, but ${now.requiredBy.join(', ')} now needs ${now.version}`,
              { hint: 'align the version constraints of the packages that depend on it' },
            );
          }
        }
        this.plan = resolution.packages;
        return;
      }
      await Promise.all(resolution.needs.map((need) => this.fetch(need)));
    }
  }

  private async fetch(need: Need): Promise<void> {
    const origin = this.originOf.get(need.name) as Origin;
    if (need.kind === 'package') {
      // The lock is the whole truth under --locked: no listing, so this works offline from the cache.
      const listed = this.deps.lock.locked
        ? this.deps.lock.lockedListing(need.name)
        : await this.adapter(origin).listing(need);
      this.index.set(need.name, { ...listed, releases: [...listed.releases] });
      return;
    }
    const release = this.index
      .get(need.name)
      ?.releases.find((r) => r.version === need.version) as MutableRelease;
    const got = await this.adapter(origin).load(need.name, need.version, release.digest);
    if (got.digest) release.digest = got.digest;
    this.loaded.set(
      key(need.name, need.version),
      got.oci ? { pkg: got.pkg, oci: got.oci } : { pkg: got.pkg },
    );
    release.dependencies = graphEdges(got.pkg);
    this.adoptOrigins(got.pkg, origin);
  }

  /** A dependency is looked up where its entry says, else where the lock says, else beside its parent. */
  private adoptOrigins(pkg: LoadedPackage, parent: Origin): void {
    const { lock } = this.deps;
    for (const dep of pkg.manifest.dependencies)
      if (dep.name !== SELF && !this.originOf.has(dep.name))
        this.originOf.set(dep.name, dependencyOrigin(dep) ?? lock.origin(dep.name) ?? parent);
    for (const dep of pkg.manifest.libraries ?? [])
      if (!this.originOf.has(dep.name)) this.originOf.set(dep.name, lock.origin(dep.name) ?? parent);
  }

  private describe(name: string): { ref: HandedOut; pkg: LoadedPackage } {
    const chosen = this.plan.get(name);
    const entry = chosen ? this.loaded.get(key(name, chosen.version)) : undefined;
    if (!chosen || !entry) throw new Error(`resolution of ${name} finished without loading it`);
    return {
      ref: describeRegistryPackage(name, chosen, entry, this.originOf.get(name) as Origin),
      pkg: entry.pkg,
    };
  }
}
