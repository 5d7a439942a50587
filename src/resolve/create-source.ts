/**
 * The package source every rendering command uses. Local directories and tarballs go through the
 * local source (no registry needed; a meta-package's dependencies come from sibling directories
 * first). Registry (`[registry/]ns/name[@v|:channel|@sha256:…]`) and OCI (`oci://host/repo:v`)
 * references are resolved with the pure resolver over an index fetched on demand (one adapter
 * per origin: appr-adapter.ts, oci-adapter.ts); every blob is digest-checked before it is
 * loaded; what was chosen is recorded (recorder.ts) in a lockfile, and `--locked` replays the
 * lockfile exactly (lock-pins.ts).
 */
import { join } from 'node:path';
import type { ProgressSink } from '../progress.js';
import { InputError, NotFoundError, UsageError, isStackanetesError } from '../errors.js';
import { createLocalSource } from '../package/local-source.js';
import type { PackageSource } from '../package/source.js';
import { SELF, type DependencyEntry, type LoadedPackage } from '../package/types.js';
import type { RegistrySession } from '../registry/session.js';
import { readLockPins } from './lock-pins.js';
import { LOCKFILE_NAME } from './lockfile.js';
import { constraintOf, dependencyOrigin, originOfRegistry, type Origin } from './origin.js';
import { Recorder, type ResolvedPackageRef } from './recorder.js';
import {
  parseReference,
  type OciReference,
  type PackageReference,
  type RegistryReference,
} from './reference.js';
import { RegistryGraph } from './registry-graph.js';
import type { Requirement } from './resolve.js';

export type { ResolvedPackageRef } from './recorder.js';

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
  /**
   * The registry session, or how to open it on first registry use (the action context shares its
   * own this way); default: opened lazily from `env`.
   */
  session?: RegistrySession | (() => Promise<RegistrySession>);
}

/** Builds the source for one command invocation. */
export async function createPackageSource(options: CreatePackageSourceOptions): Promise<ResolvingSource> {
  const local = createLocalSource({ cwd: options.cwd });
  const lock = await readLockPins({
    cwd: options.cwd,
    path: options.lockfile ?? join(options.cwd, LOCKFILE_NAME),
    ...(options.locked !== undefined ? { locked: options.locked } : {}),
    ...(options.ignoreLock !== undefined ? { ignoreLock: options.ignoreLock } : {}),
  });
  const given = options.session;
  let sessionPromise: Promise<RegistrySession> | undefined;
  const session = async (): Promise<RegistrySession> => {
    sessionPromise ??=
      typeof given === 'function'
        ? given()
        : given
          ? Promise.resolve(given)
          : import('../registry/session.js').then((m) =>
              m.openRegistrySession({
                env: options.env,
                ...(options.progress ? { progress: options.progress } : {}),
              }),
            );
    return sessionPromise;
  };
  const recorder = new Recorder(lock);
  const graph = new RegistryGraph({ session, lock }, recorder);

  /** The registry a name without one is looked up in; `required` turns "none configured" into an error. */
  const defaultOrigin = async (
    name: string,
    explicit: string | undefined,
    required: boolean,
  ): Promise<Origin | undefined> => {
    if (explicit) return originOfRegistry(explicit);
    const fromLock = lock.origin(name);
    if (fromLock) return fromLock;
    const s = await session();
    const url = required ? s.registryUrl(options.registry) : s.optionalRegistryUrl(options.registry);
    return url ? originOfRegistry(url) : undefined;
  };

  const openRoot = async (reference: string, ref: PackageReference): Promise<LoadedPackage> => {
    if (ref.kind === 'directory' || ref.kind === 'tarball') return recorder.local(await local.open(ref.path));
    if (ref.kind === 'oci') {
      if (ref.digest) return graph.openOciDigest({ ...ref, digest: ref.digest });
      // A version, range or channel resolves over the repository's tags like any registry package.
      const origin: Origin = { kind: 'oci', host: ref.host, prefix: ref.prefix };
      graph.originOf.set(ref.name, origin);
      return graph.fromRegistry(rootRequirement(ref), origin);
    }
    const origin = await defaultOrigin(ref.name, ref.registry, false);
    if (!origin) {
      // `ns/name` is also how a mistyped relative path looks: say both readings.
      throw new UsageError(
        `${JSON.stringify(reference)} is neither a package directory nor a .tar.gz file here, and no registry is given to find it as a package`,
        { hint: 'check the path, or pass --registry URL (or set STACKANETES_REGISTRY) to pull it' },
      );
    }
    return graph.fromRegistry(rootRequirement(ref), origin);
  };

  /** A dependency of a local parent: a sibling directory first, else the registry. */
  const localDependency = async (parent: LoadedPackage, entry: DependencyEntry, requiredBy: string) => {
    let localError: unknown;
    try {
      return recorder.local(await local.dependency(parent, entry));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      localError = err;
    }
    const origin = graph.originOf.get(entry.name) ?? (await defaultOrigin(entry.name, undefined, false));
    if (!origin) {
      const message = isStackanetesError(localError) ? localError.message : String(localError);
      throw new NotFoundError(`${message}, and no registry is configured to fall back to`, {
        hint: 'add the package directory, or pass --registry URL / set STACKANETES_REGISTRY',
      });
    }
    return graph.fromRegistry({ ...constraintOf(entry), requiredBy }, origin);
  };

  return {
    lockfile: lock.path,
    async open(reference) {
      const ref = parseReference(reference, options.cwd);
      recorder.root(reference);
      const pkg = await openRoot(reference, ref);
      if (options.inChannel) await graph.checkInChannel(pkg, options.inChannel);
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
        if (!graph.originOf.has(entry.name)) graph.originOf.set(entry.name, named);
        if (graph.planned(entry.name)) return graph.handOut(entry.name);
        return graph.fromRegistry(
          { ...constraintOf(entry), requiredBy },
          graph.originOf.get(entry.name) as Origin,
        );
      }
      if (parent.origin.kind === 'directory' || parent.origin.kind === 'tarball')
        return localDependency(parent, entry, requiredBy);
      // A registry or OCI parent was resolved with its whole graph: its dependencies are planned already.
      if (graph.planned(entry.name)) return graph.handOut(entry.name);
      const origin =
        graph.originOf.get(entry.name) ??
        graph.originOf.get(parentName) ??
        ((await defaultOrigin(entry.name, undefined, true)) as Origin);
      return graph.fromRegistry({ ...constraintOf(entry), requiredBy }, origin);
    },
    resolved: () => recorder.resolved(),
    // The whole resolved graph is locked, not only what this render used: a dependency switched
    // off by `when` today must replay exactly when it is switched on under --locked.
    writeLock: async () => (lock.locked ? undefined : recorder.write(graph.unused())),
  };
}

function rootRequirement(ref: RegistryReference | OciReference): Requirement {
  const req: Requirement = { name: ref.name, requiredBy: 'the command line' };
  if (ref.version) req.version = ref.version;
  if (ref.channel) req.channel = ref.channel;
  if (ref.digest) req.digest = ref.digest;
  return req;
}
