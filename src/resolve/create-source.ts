/**
 * The package source every rendering command uses. Local directories and tarballs go through the
 * local source (no registry needed; a meta-package's dependencies come from sibling directories
 * first). Registry (`[registry/]ns/name[@v|:channel|@sha256:…]`) and OCI (`oci://host/repo:v`)
 * references are resolved with the pure resolver over an index fetched on demand; every blob is
 * digest-checked before it is loaded; what was chosen is recorded in a lockfile, and `--locked`
 * replays the lockfile exactly.
 */
import { dirname, join, relative } from 'node:path';
import type { ProgressSink } from '../progress.js';
import { normaliseRegistryUrl, registryHost } from '../config/config.js';
import { ConflictError, InputError, NotFoundError, UsageError, isStackanetesError } from '../errors.js';
import { createLocalSource } from '../package/local-source.js';
import { loadPackageTarball } from '../package/load.js';
import type { PackageSource } from '../package/source.js';
import { SELF, type DependencyEntry, type LoadedPackage } from '../package/types.js';
import { MEDIA_TYPE, type ApprChannel } from '../registry/appr.js';
import { apprDigest } from '../registry/digest.js';
import type { RegistrySession } from '../registry/session.js';
import { LOCKFILE_NAME, readLockfile, writeLockfile, type LockedPackage } from './lockfile.js';
import { ociListing } from './oci-index.js';
import {
  ociRepository as ociRepositoryOf,
  parseOciRegistry,
  parseReference,
  type OciReference,
} from './reference.js';
import {
  resolveGraph,
  type IndexedChannel,
  type IndexedPackage,
  type IndexedRelease,
  type Need,
  type Requirement,
  type ResolvedRelease,
} from './resolve.js';

/** One package the source handed out, for lockfiles and release records. */
export interface ResolvedPackageRef {
  name: string;
  version: string;
  digest?: string;
  /** `<kind>:<where>`: `directory:/path`, `tarball:/path`, `registry:host/ns/name@1.0.0`, `oci:oci://host/repo@sha256:…`. */
  origin: string;
}

/** A PackageSource that remembers what it resolved and can write the lockfile. */
export interface ResolvingSource extends PackageSource {
  /** Every package handed out so far (roots and dependencies), in hand-out order. */
  resolved(): ResolvedPackageRef[];
  /** Writes the lockfile when a registry or OCI package was resolved (never under --locked, which only reads it). */
  writeLock(): Promise<void>;
  /** The lockfile this source reads and writes. */
  readonly lockfile: string;
}

export interface CreatePackageSourceOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--registry`: overrides STACKANETES_REGISTRY and the config default for names without a host. */
  registry?: string;
  /** `--locked`: every package must resolve to what the lockfile says. */
  locked?: boolean;
  /** Lockfile path; default `stackanetes.lock` in cwd (see defaultLockfilePath for "beside --variables"). */
  lockfile?: string;
  progress?: ProgressSink;
  /** `--in-channel CH`: refuse a root release that is not in this channel, as kpm did. */
  inChannel?: string;
  /** `stackanetes update`: resolve afresh, ignoring the lockfile's pins. */
  ignoreLock?: boolean;
  /** Injected registry session (tests); default: opened lazily from `env` on first registry use. */
  session?: RegistrySession;
}

type Origin = { kind: 'appr'; url: string } | { kind: 'oci'; host: string; prefix: string };

interface MutableRelease extends IndexedRelease {
  dependencies?: Omit<Requirement, 'requiredBy'>[];
}

interface MutablePackage extends IndexedPackage {
  releases: MutableRelease[];
}

interface HandedOut extends ResolvedPackageRef {
  lock: LockedPackage;
}

/** Builds the source for one command invocation. */
export async function createPackageSource(options: CreatePackageSourceOptions): Promise<ResolvingSource> {
  const local = createLocalSource({ cwd: options.cwd });
  const lockPath = options.lockfile ?? join(options.cwd, LOCKFILE_NAME);
  const lock = await readLockfile(lockPath);
  if (options.locked && options.ignoreLock)
    throw new InputError('--locked cannot be combined with re-resolving (update)');
  if (options.locked && !lock) {
    throw new ConflictError(`--locked: no lockfile at ${lockPath}`, {
      hint: 'run once without --locked (or `stackanetes update`) to write it, then commit it',
    });
  }
  const lockedByName = new Map((options.ignoreLock ? [] : (lock?.packages ?? [])).map((p) => [p.name, p]));
  const pins = new Map(
    [...lockedByName.values()]
      .filter((p) => !p.path)
      .map((p) => [p.name, p.digest ? { version: p.version, digest: p.digest } : { version: p.version }]),
  );

  let sessionPromise: Promise<RegistrySession> | undefined = options.session
    ? Promise.resolve(options.session)
    : undefined;
  const session = async (): Promise<RegistrySession> => {
    sessionPromise ??= import('../registry/session.js').then((m) =>
      m.openRegistrySession({
        env: options.env,
        ...(options.progress ? { progress: options.progress } : {}),
      }),
    );
    return sessionPromise;
  };

  const index = new Map<string, MutablePackage>();
  const originOf = new Map<string, Origin>();
  const loaded = new Map<string, { pkg: LoadedPackage; oci?: string }>();
  const roots: Requirement[] = [];
  const rootRefs: string[] = [];
  const handedOut = new Map<string, HandedOut>();
  let plan = new Map<string, ResolvedRelease>();

  const key = (name: string, version: string): string => `${name}@${version}`;

  const originFromLock = (name: string): Origin | undefined => {
    const entry = lockedByName.get(name);
    if (entry?.registry) return { kind: 'appr', url: entry.registry };
    if (entry?.oci) {
      const { host, prefix } = parseReference(entry.oci, options.cwd) as OciReference;
      return { kind: 'oci', host, prefix };
    }
    return undefined;
  };

  /**
   * Pulls an OCI package, keeping the blob in the cache by its appr digest. Under --locked the
   * locked manifest digest is pulled (not the tag, which may have moved), and a cached blob is
   * used without any network, so locked OCI renders work offline too.
   */
  const pullOci = async (
    s: RegistrySession,
    host: string,
    repository: string,
    reference: string,
    locked: LockedPackage | undefined,
  ): Promise<{ tarGz: Buffer; digest: string; ociRef: string }> => {
    const lockedRef = options.locked && locked?.oci?.includes('@') ? locked.oci : undefined;
    if (lockedRef && locked?.digest) {
      const cached = await s.cache.get('appr', locked.digest);
      if (cached) return { tarGz: cached, digest: locked.digest, ociRef: lockedRef };
    }
    const pulled = await s
      .oci(host)
      .pullPackage(repository, lockedRef ? (lockedRef.split('@')[1] as string) : reference);
    const digest = apprDigest(pulled.tarGz, `oci://${host}/${repository}:${reference}`);
    await s.cache.put('appr', digest, pulled.tarGz);
    return { tarGz: pulled.tarGz, digest, ociRef: `oci://${host}/${repository}@${pulled.manifestDigest}` };
  };

  const fetchListing = async (need: Extract<Need, { kind: 'package' }>): Promise<void> => {
    const origin = originOf.get(need.name) as Origin;
    if (options.locked) {
      // The lock is the whole truth under --locked: no listing, so this works offline from the cache.
      const entry = lockedByName.get(need.name);
      index.set(need.name, {
        name: need.name,
        releases: entry?.digest
          ? [{ version: entry.version, digest: entry.digest }]
          : entry
            ? [{ version: entry.version }]
            : [],
      });
      return;
    }
    const s = await session();
    if (origin.kind === 'oci') {
      const repository = ociRepository(origin, need.name);
      const listing = await ociListing(s.oci(origin.host), repository);
      if (listing.releases.length === 0) {
        throw new NotFoundError(
          `package ${need.name} not found at OCI registry ${origin.host} (no version tags in ${repository}; required by ${need.requiredBy})`,
          {
            hint: `push it: stackanetes push DIR --registry oci://${origin.host}${origin.prefix ? `/${origin.prefix}` : ''}`,
          },
        );
      }
      index.set(need.name, {
        name: need.name,
        releases: listing.releases.map((version) => ({ version })),
        channels: channelRecord(listing.channels),
      });
      return;
    }
    const client = s.appr(origin.url);
    let manifests;
    try {
      manifests = await client.packageManifests(need.name);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(
          `package ${need.name} not found at registry ${client.host} (required by ${need.requiredBy})`,
          {
            hint: `push it (stackanetes push DIR --registry ${origin.url}) or fix the dependency name`,
          },
        );
      }
      throw err;
    }
    const releases = manifests
      .filter((m) => m.mediaType === MEDIA_TYPE)
      .map((m) => ({ version: m.release, digest: m.digest }));
    const channels = channelRecord(await client.channels(need.name));
    index.set(need.name, { name: need.name, releases, channels });
  };

  const fetchDependencies = async (need: Extract<Need, { kind: 'dependencies' }>): Promise<void> => {
    const origin = originOf.get(need.name) as Origin;
    const release = index.get(need.name)?.releases.find((r) => r.version === need.version) as MutableRelease;
    const s = await session();
    let pkg: LoadedPackage;
    let ociRef: string | undefined;
    if (origin.kind === 'oci') {
      const repository = ociRepository(origin, need.name);
      const pulled = await pullOci(s, origin.host, repository, need.version, lockedByName.get(need.name));
      const digest = pulled.digest;
      if (release.digest && release.digest !== digest) {
        throw new ConflictError(
          `oci://${origin.host}/${repository}:${need.version} has digest ${digest}, but ${lockPath} records ${release.digest}`,
          {
            hint: 'the tag was overwritten: run `stackanetes update` to accept the new content',
          },
        );
      }
      release.digest = digest;
      pkg = loadPackageTarball(pulled.tarGz, `oci://${origin.host}/${repository}:${need.version}`, 'oci');
      checkServed(pkg, need.name, need.version, `oci://${origin.host}/${repository}:${need.version}`);
      pkg.digest = digest;
      ociRef = pulled.ociRef;
    } else {
      if (!release.digest)
        throw new ConflictError(`${need.name}@${need.version} has no digest in ${lockPath}`, {
          hint: 'run `stackanetes update`',
        });
      pkg = (
        await s.fetchRelease(s.appr(origin.url), need.name, need.version, release.digest, {
          byDigest: options.locked === true,
        })
      ).pkg;
    }
    loaded.set(key(need.name, need.version), ociRef ? { pkg, oci: ociRef } : { pkg });
    release.dependencies = graphEdges(pkg);
    for (const dep of pkg.manifest.dependencies)
      if (dep.name !== SELF && !originOf.has(dep.name))
        originOf.set(dep.name, dependencyOrigin(dep) ?? originFromLock(dep.name) ?? origin);
    for (const dep of release.dependencies)
      if (!originOf.has(dep.name)) originOf.set(dep.name, originFromLock(dep.name) ?? origin);
  };

  /** Re-resolves every root so far; a package already handed out must keep its release (one release per package per deploy). */
  const settle = async (): Promise<Map<string, ResolvedRelease>> => {
    for (;;) {
      const resolution = resolveGraph(roots, index, {
        pins,
        locked: options.locked === true,
        lockfile: lockPath,
      });
      if (resolution.complete) {
        for (const [name, previous] of handedOut) {
          const now = resolution.packages.get(name);
          if (now && previous.lock.path === undefined && now.version !== previous.version) {
            throw new ConflictError(
              `incompatible requirements on ${name}: ${previous.version} was already chosen, but ${now.requiredBy.join(', ')} now needs ${now.version}`,
              { hint: 'align the version constraints of the packages that depend on it' },
            );
          }
        }
        plan = resolution.packages;
        return plan;
      }
      await Promise.all(
        resolution.needs.map((need) =>
          need.kind === 'package' ? fetchListing(need) : fetchDependencies(need),
        ),
      );
    }
  };

  /** The release record of a planned package; pure over the plan and what was loaded. */
  const describe = (name: string): { ref: HandedOut; pkg: LoadedPackage } => {
    const chosen = plan.get(name);
    const entry = chosen ? loaded.get(key(name, chosen.version)) : undefined;
    if (!chosen || !entry) throw new Error(`resolution of ${name} finished without loading it`);
    const origin = originOf.get(name) as Origin;
    const lockEntry: LockedPackage = { name, version: chosen.version };
    if (chosen.digest ?? entry.pkg.digest) lockEntry.digest = (chosen.digest ?? entry.pkg.digest) as string;
    let where: string;
    if (origin.kind === 'appr') {
      lockEntry.registry = origin.url;
      where = `registry:${registryHost(origin.url)}/${name}@${chosen.version}`;
    } else {
      lockEntry.oci = entry.oci as string;
      where = `oci:${entry.oci}`;
    }
    const ref: HandedOut = { name, version: chosen.version, origin: where, lock: lockEntry };
    if (lockEntry.digest) ref.digest = lockEntry.digest;
    return { ref, pkg: entry.pkg };
  };
  const handOut = (name: string): LoadedPackage => {
    const { ref, pkg } = describe(name);
    handedOut.set(name, ref);
    return pkg;
  };

  const fromRegistry = async (req: Requirement, origin: Origin): Promise<LoadedPackage> => {
    if (!originOf.has(req.name)) originOf.set(req.name, origin);
    roots.push(req);
    await settle();
    return handOut(req.name);
  };

  const recordLocal = (pkg: LoadedPackage): LoadedPackage => {
    const { name, version } = pkg.manifest.package;
    const locked = lockedByName.get(name);
    if (options.locked && locked && locked.version !== version) {
      throw new ConflictError(
        `--locked: ${lockPath} pins ${name}@${locked.version}, but ${pkg.origin.location} has ${version}`,
        {
          hint: 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked',
        },
      );
    }
    const lockEntry: LockedPackage = {
      name,
      version,
      path: relative(dirname(lockPath), pkg.origin.location) || '.',
    };
    const ref: HandedOut = {
      name,
      version,
      origin: `${pkg.origin.kind}:${pkg.origin.location}`,
      lock: lockEntry,
    };
    if (pkg.digest) ref.digest = pkg.digest;
    handedOut.set(name, ref);
    return pkg;
  };

  const defaultOrigin = async (
    name: string,
    explicit: string | undefined,
    required: boolean,
  ): Promise<Origin | undefined> => {
    if (explicit) return originOfRegistry(explicit);
    const fromLock = originFromLock(name);
    if (fromLock) return fromLock;
    const s = await session();
    const url = required ? s.registryUrl(options.registry) : s.optionalRegistryUrl(options.registry);
    return url ? originOfRegistry(url) : undefined;
  };

  const openOci = async (ref: OciReference): Promise<LoadedPackage> => {
    const origin: Origin = { kind: 'oci', host: ref.host, prefix: ref.prefix };
    if (!ref.digest) {
      // A version, range or channel resolves over the repository's tags like any registry package.
      const req: Requirement = { name: ref.name, requiredBy: 'the command line' };
      if (ref.version) req.version = ref.version;
      if (ref.channel) req.channel = ref.channel;
      originOf.set(ref.name, origin);
      return fromRegistry(req, origin);
    }
    const s = await session();
    const lockedRoot = [...lockedByName.values()].find((e) =>
      e.oci?.startsWith(`oci://${ref.host}/${ref.repository}@`),
    );
    if (options.locked && lockedRoot?.oci && !lockedRoot.oci.endsWith(`@${ref.digest}`)) {
      throw new ConflictError(`--locked: ${lockPath} pins ${lockedRoot.oci}, not ${ref.raw}`, {
        hint: 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked',
      });
    }
    const pulled = await pullOci(s, ref.host, ref.repository, ref.digest, lockedRoot);
    const digest = pulled.digest;
    const pkg = loadPackageTarball(pulled.tarGz, ref.raw, 'oci');
    checkServed(pkg, ref.name, undefined, ref.raw);
    pkg.digest = digest;
    const { name, version } = pkg.manifest.package;
    const locked = lockedByName.get(name);
    if (options.locked && locked?.digest && locked.digest !== digest) {
      throw new ConflictError(
        `--locked: ${ref.raw} has digest ${digest}, but ${lockPath} records ${locked.digest} for ${name}@${locked.version}`,
        {
          hint: 'run `stackanetes update` to accept the new content, or drop --locked',
        },
      );
    }
    originOf.set(name, origin);
    const release: MutableRelease = {
      version,
      digest,
      dependencies: graphEdges(pkg),
    };
    index.set(name, { name, releases: [release] });
    loaded.set(key(name, version), {
      pkg,
      oci: pulled.ociRef,
    });
    for (const dep of pkg.manifest.dependencies)
      if (dep.name !== SELF && !originOf.has(dep.name))
        originOf.set(dep.name, dependencyOrigin(dep) ?? originFromLock(dep.name) ?? origin);
    for (const dep of pkg.manifest.libraries ?? [])
      if (!originOf.has(dep.name)) originOf.set(dep.name, originFromLock(dep.name) ?? origin);
    roots.push({ name, version, requiredBy: 'the command line' });
    await settle();
    return handOut(name);
  };

  const checkInChannel = async (pkg: LoadedPackage, channelName: string): Promise<void> => {
    const { name, version } = pkg.manifest.package;
    const origin = originOf.get(name);
    if (!origin)
      throw new InputError(
        `--in-channel needs a package from a registry; ${name} came from ${pkg.origin.location}`,
      );
    const s = await session();
    const channels =
      index.get(name)?.channels ??
      channelRecord(
        origin.kind === 'appr'
          ? await s.appr(origin.url).channels(name)
          : (await ociListing(s.oci(origin.host), ociRepository(origin, name))).channels,
      );
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
  };

  return {
    lockfile: lockPath,
    async open(reference) {
      const ref = parseReference(reference, options.cwd);
      if (!rootRefs.includes(reference)) rootRefs.push(reference);
      let pkg: LoadedPackage;
      if (ref.kind === 'directory' || ref.kind === 'tarball') pkg = recordLocal(await local.open(ref.path));
      else if (ref.kind === 'oci') pkg = await openOci(ref);
      else {
        const origin = await defaultOrigin(ref.name, ref.registry, false);
        if (!origin) {
          // `ns/name` is also how a mistyped relative path looks: say both readings.
          throw new UsageError(
            `${JSON.stringify(reference)} is neither a package directory nor a .tar.gz file here, and no registry is given to find it as a package`,
            { hint: 'check the path, or pass --registry URL (or set STACKANETES_REGISTRY) to pull it' },
          );
        }
        const req: Requirement = { name: ref.name, requiredBy: 'the command line' };
        if (ref.version) req.version = ref.version;
        if (ref.channel) req.channel = ref.channel;
        if (ref.digest) req.digest = ref.digest;
        pkg = await fromRegistry(req, origin);
      }
      if (options.inChannel) await checkInChannel(pkg, options.inChannel);
      return pkg;
    },
    async dependency(parent: LoadedPackage, entry: DependencyEntry) {
      if (entry.name === SELF)
        throw new InputError(`${parent.manifest.package.name}: $self is not a package to load`);
      const parentName = parent.manifest.package.name;
      const requiredBy = `${parentName}@${parent.manifest.package.version}`;
      const named = dependencyOrigin(entry);
      if (named) {
        // `registry:` on the entry is where the dependency lives, whatever sits beside the parent.
        if (!originOf.has(entry.name)) originOf.set(entry.name, named);
        if (plan.has(entry.name)) return handOut(entry.name);
        return fromRegistry({ ...constraintOf(entry), requiredBy }, originOf.get(entry.name) as Origin);
      }
      if (parent.origin.kind === 'directory' || parent.origin.kind === 'tarball') {
        let localError: unknown;
        try {
          return recordLocal(await local.dependency(parent, entry));
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          localError = err;
        }
        const origin = originOf.get(entry.name) ?? (await defaultOrigin(entry.name, undefined, false));
        if (!origin) {
          const message = isStackanetesError(localError) ? localError.message : String(localError);
          throw new NotFoundError(`${message}, and no registry is configured to fall back to`, {
            hint: 'add the package directory, or pass --registry URL / set STACKANETES_REGISTRY',
          });
        }
        return fromRegistry({ ...constraintOf(entry), requiredBy }, origin);
      }
      // A registry or OCI parent was resolved with its whole graph: its dependencies are planned already.
      if (!plan.has(entry.name)) {
        const origin =
          originOf.get(entry.name) ??
          originOf.get(parentName) ??
          ((await defaultOrigin(entry.name, undefined, true)) as Origin);
        return fromRegistry({ ...constraintOf(entry), requiredBy }, origin);
      }
      return handOut(entry.name);
    },
    resolved: () => [...handedOut.values()].map(({ lock: _lock, ...ref }) => ref),
    async writeLock() {
      if (options.locked) return;
      // The whole resolved graph is locked, not only what this render used: a dependency switched
      // off by `when` today must replay exactly when it is switched on under --locked.
      const all = new Map(handedOut);
      for (const name of plan.keys()) {
        if (!all.has(name) && loaded.has(key(name, plan.get(name)?.version ?? '')))
          all.set(name, describe(name).ref);
      }
      const entries = [...all.values()].map((h) => h.lock);
      if (!entries.some((e) => e.registry || e.oci)) return;
      await writeLockfile(lockPath, { roots: rootRefs, packages: entries });
    },
  };
}

/**
 * What a release needs resolved with it: its dependencies and the libraries it uses. Libraries
 * are resolved like dependencies (one release per package per deploy, locked alike).
 */
function graphEdges(pkg: LoadedPackage): Omit<Requirement, 'requiredBy'>[] {
  return [...pkg.manifest.dependencies.filter((d) => d.name !== SELF), ...(pkg.manifest.libraries ?? [])].map(
    constraintOf,
  );
}

function constraintOf(
  entry: DependencyEntry | Omit<Requirement, 'requiredBy'>,
): Omit<Requirement, 'requiredBy'> {
  const c: Omit<Requirement, 'requiredBy'> = { name: entry.name };
  if (entry.version) c.version = entry.version;
  if (entry.channel) c.channel = entry.channel;
  if (entry.digest) c.digest = entry.digest;
  return c;
}

function ociRepository(origin: Extract<Origin, { kind: 'oci' }>, name: string): string {
  return ociRepositoryOf(origin, name);
}

function channelRecord(
  channels: readonly Pick<ApprChannel, 'name' | 'current' | 'releases'>[],
): Record<string, IndexedChannel> {
  return Object.fromEntries(channels.map((c) => [c.name, { current: c.current, releases: c.releases }]));
}

/** Where a registry address (`--registry`, a dependency's `registry:`, the default) points. */
function originOfRegistry(value: string): Origin {
  if (value.startsWith('oci://')) return { kind: 'oci', ...parseOciRegistry(value) };
  return { kind: 'appr', url: normaliseRegistryUrl(value) };
}

/** The origin a dependency entry names with `registry:`, if it names one. */
function dependencyOrigin(entry: DependencyEntry): Origin | undefined {
  return entry.registry ? originOfRegistry(entry.registry) : undefined;
}

/** Refuses a package whose manifest names another package or release than the one asked for. */
function checkServed(pkg: LoadedPackage, name: string, version: string | undefined, where: string): void {
  const meta = pkg.manifest.package;
  if (meta.name !== name || (version !== undefined && meta.version !== version)) {
    throw new ConflictError(
      `${where} holds ${meta.name}@${meta.version}, not ${name}${version ? `@${version}` : ''}; refusing to use it`,
      {
        hint: 'push packages with `stackanetes push DIR --registry oci://host/path`, which names the repository after the package',
      },
    );
  }
}
