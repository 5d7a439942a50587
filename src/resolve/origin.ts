/**
 * Where a registry package comes from (an App Registry URL or an OCI host and path), and the
 * shapes its manifest and channels take in the resolver's index, shared by both index adapters.
 */
import { normaliseRegistryUrl } from '../config/config.js';
import { SELF, type DependencyEntry, type LoadedPackage } from '../package/types.js';
import type { ApprChannel } from '../registry/appr.js';
import { parseOciRegistry } from './reference.js';
import type { IndexedChannel, Requirement } from './resolve.js';

export type Origin = { kind: 'appr'; url: string } | { kind: 'oci'; host: string; prefix: string };

/** A requirement before it knows who requires it. */
export type Constraint = Omit<Requirement, 'requiredBy'>;

/** Where a registry address (`--registry`, a dependency's `registry:`, the default) points. */
export function originOfRegistry(value: string): Origin {
  if (value.startsWith('oci://')) return { kind: 'oci', ...parseOciRegistry(value) };
  return { kind: 'appr', url: normaliseRegistryUrl(value) };
}

/** The origin a dependency entry names with `registry:`, if it names one. */
export function dependencyOrigin(entry: DependencyEntry): Origin | undefined {
  return entry.registry ? originOfRegistry(entry.registry) : undefined;
}

export function constraintOf(entry: DependencyEntry | Constraint): Constraint {
  const c: Constraint = { name: entry.name };
  if (entry.version) c.version = entry.version;
  if (entry.channel) c.channel = entry.channel;
  if (entry.digest) c.digest = entry.digest;
  return c;
}

/**
 * What a release needs resolved with it: its dependencies and the libraries it uses. Libraries
 * are resolved like dependencies (one release per package per deploy, locked alike).
 */
export function graphEdges(pkg: LoadedPackage): Constraint[] {
  return [...pkg.manifest.dependencies.filter((d) => d.name !== SELF), ...(pkg.manifest.libraries ?? [])].map(
    constraintOf,
  );
}

export function channelRecord(
  channels: readonly Pick<ApprChannel, 'name' | 'current' | 'releases'>[],
): Record<string, IndexedChannel> {
  return Object.fromEntries(channels.map((c) => [c.name, { current: c.current, releases: c.releases }]));
}
