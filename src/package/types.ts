/**
 * The package model shared by every layer: what a manifest.yaml says, and a package loaded into
 * memory (from a directory, a tarball or a registry). Loading, validation and tarball building
 * live beside this file; rendering consumes these types without doing I/O.
 */

/** `package:` of manifest.yaml. */
export interface PackageMeta {
  /** `namespace/name`, each part `[a-z0-9][a-z0-9-_]{1,62}`. */
  name: string;
  /** Strict semver 2.0. */
  version: string;
  description?: string;
  author?: string;
  license?: string;
  /** `library`: partials only, used by other packages through `libraries:`; default `application`. */
  kind?: PackageKind;
}

/** What a package is: one that renders resources, or a library of partials for other packages. */
export type PackageKind = 'application' | 'library';

/** One entry of `resources:`: a template file (one or more YAML documents) and an optional condition. */
export interface ResourceEntry {
  file: string;
  /** A variable path (`network.ingress.enabled`, `!ceph.enabled`) that must be truthy for the file to render. */
  when?: string;
}

/** The pseudo-dependency that places the meta-package's own resources in the deploy order. */
export const SELF = '$self';

/** One entry of `dependencies:`. Exactly one of version, channel or digest may be given (none = highest stable). */
export interface DependencyEntry {
  /** `namespace/name`, or `$self`. */
  name: string;
  /** A semver range (`^0.3.0`, `>=1.2 <2`). */
  version?: string;
  /** A release channel on the registry (`stable`). */
  channel?: string;
  /** `sha256:<64 hex>`: the appr digest of the release. */
  digest?: string;
  /** Where to find it when not where the parent came from: a registry URL or `oci://host[:port]/path`. */
  registry?: string;
  /** Overrides for this dependency (precedence level 4). */
  variables?: Record<string, unknown>;
  when?: string;
}

/**
 * One entry of `libraries:`: a library package whose partials the package's templates use as
 * `{{> <short name>/<partial>}}`. Same version/channel/digest rules as a dependency; it is
 * resolved like one (PackageSource.dependency), so a LibraryEntry is also a DependencyEntry.
 */
export interface LibraryEntry {
  name: string;
  version?: string;
  channel?: string;
  digest?: string;
}

export interface PackageManifest {
  package: PackageMeta;
  variables: Record<string, unknown>;
  resources: ResourceEntry[];
  dependencies: DependencyEntry[];
  /** Library packages whose partials the templates use (absent or empty: none). */
  libraries?: LibraryEntry[];
  /** What the package writes outside the release namespace (absent: nothing). */
  scope?: PackageScope;
}

/**
 * manifest.yaml `scope:`: cluster-scoped objects (`scope: cluster`) and other namespaces the
 * package's templates write into. Anything outside the release namespace that is not declared
 * here fails the render, and deploy asks for `--allow-cluster-scope` / `--allow-namespace NS`
 * the first time a release writes there.
 */
export interface PackageScope {
  cluster: boolean;
  namespaces: string[];
}

/** Whether a manifest declares a library package. */
export function isLibrary(manifest: PackageManifest): boolean {
  return manifest.package.kind === 'library';
}

/** Where a loaded package came from, for messages and release records. */
export interface PackageOrigin {
  kind: 'directory' | 'tarball' | 'registry' | 'oci';
  /** Directory path, tarball path, or `host/ns/name@version`. */
  location: string;
}

/** A package in memory: its manifest and every file (templates, README) by relative POSIX path. */
export interface LoadedPackage {
  manifest: PackageManifest;
  files: ReadonlyMap<string, string>;
  origin: PackageOrigin;
  /** appr digest (`sha256:` + hex of the gunzipped deterministic tar), when known. */
  digest?: string;
}
