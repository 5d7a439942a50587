/**
 * The desired state of a release, whichever way it was obtained: rendered from packages (deploy,
 * diff) or read back from a stored revision (rollback). Everything downstream — plan, apply,
 * prune, the new revision — works from this one shape.
 */
import type { KubeObject, RenderedRelease } from '../model/types.js';
import { sha256 } from '../util/hash.js';
import { canonicalJson } from '../util/stable-json.js';
import type { ReleaseObject, ReleasePackage, ReleaseRecord } from './types.js';

export interface DesiredRelease {
  release: string;
  namespace: string;
  root: { name: string; version: string; digest?: string };
  packages: ReleasePackage[];
  parameters: Record<string, Record<string, unknown>>;
  /** In deploy order (package order, then as rendered). */
  objects: ReleaseObject[];
  description: string;
}

/** Digits that identify a manifest: same objects in the same packages, same digest. */
export function manifestDigest(objects: readonly ReleaseObject[]): string {
  return sha256(canonicalJson(objects.map((o) => [o.package, o.version, o.object])));
}

export interface ResolvedRef {
  name: string;
  version: string;
  digest?: string;
  origin: string;
}

/** Adapts the renderer's output; digests from the package source win over what rendering knew. */
export function fromRendered(
  rendered: RenderedRelease,
  resolved: readonly ResolvedRef[] = [],
): DesiredRelease {
  const byName = new Map(resolved.map((r) => [r.name, r]));
  const packages: ReleasePackage[] = rendered.packages.map((p) => {
    const digest = byName.get(p.name)?.digest ?? p.digest;
    const entry: ReleasePackage = {
      name: p.name,
      version: p.version,
      origin: byName.get(p.name)?.origin ?? p.origin,
    };
    if (digest) entry.digest = digest;
    if (p.libraries?.length) {
      entry.libraries = p.libraries.map((l) => {
        const libraryDigest = byName.get(l.name)?.digest ?? l.digest;
        return libraryDigest ? { ...l, digest: libraryDigest } : { ...l };
      });
    }
    return entry;
  });
  const parameters: Record<string, Record<string, unknown>> = {};
  for (const p of rendered.packages) parameters[p.name] = p.variables;
  const objects: ReleaseObject[] = rendered.packages.flatMap((p) =>
    p.objects.map((o) => ({ package: p.name, version: p.version, object: o.object as KubeObject })),
  );
  const root = { ...rendered.root };
  const rootDigest = byName.get(root.name)?.digest;
  if (rootDigest) root.digest = rootDigest;
  return {
    release: rendered.release,
    namespace: rendered.namespace,
    root,
    packages,
    parameters,
    objects,
    description: `deploy ${root.name}@${root.version}`,
  };
}

/** The desired state a stored revision describes, for rollback. */
export function fromRecord(record: ReleaseRecord, description: string): DesiredRelease {
  return {
    release: record.release,
    namespace: record.namespace,
    root: record.root,
    packages: record.packages,
    parameters: record.parameters,
    objects: record.objects,
    description,
  };
}
