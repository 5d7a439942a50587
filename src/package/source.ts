import type { DependencyEntry, LoadedPackage } from './types.js';

/**
 * Where packages come from. The local source reads directories and tarballs (packages/ is the
 * embedded registry: a meta-package's dependencies are found in sibling directories); the
 * registry source resolves references, ranges, channels and digests against a registry and
 * records a lockfile. Rendering walks the dependency graph through whichever source it is given.
 */
export interface PackageSource {
  /** Loads the package a user reference names: a directory, a .tar.gz, or `[registry/]ns/name[@v|:channel|@sha256:…]`. */
  open(reference: string): Promise<LoadedPackage>;
  /** Loads the package a dependency entry of `parent` points to. */
  dependency(parent: LoadedPackage, entry: DependencyEntry): Promise<LoadedPackage>;
}
