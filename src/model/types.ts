/** The shared model: Kubernetes objects, and what rendering produces (objects grouped by package in deploy order). Every layer may import it; it imports nothing. */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** Any Kubernetes object: apiVersion, kind, metadata, and whatever the kind has. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface RenderedObject {
  object: KubeObject;
  /** The package that rendered it (`stackanetes/keystone`). */
  package: string;
  /** The template file inside that package (`templates/deployment.yaml.hbs`). */
  template: string;
}

export interface RenderedPackage {
  name: string;
  version: string;
  digest?: string;
  /** Directory, tarball or registry location, as PackageOrigin.location. */
  origin: string;
  /** The package's merged variables after precedence and derived defaults. */
  variables: Record<string, unknown>;
  objects: RenderedObject[];
  /** The library releases whose partials the package was rendered with (absent: none), so records can pin them. */
  libraries?: RenderedLibrary[];
}

/** A library package a rendered package used: enough to pin exactly the same partials again. */
export interface RenderedLibrary {
  name: string;
  version: string;
  digest?: string;
}

export interface RenderedRelease {
  /** Release name (defaults to the name part of the root package); the `app.kubernetes.io/part-of` label. */
  release: string;
  namespace: string;
  root: { name: string; version: string; digest?: string };
  /** Packages in deploy order (the meta-package's dependency order, `$self` where it stands). */
  packages: RenderedPackage[];
  /** Non-fatal findings (unknown kinds that could not be schema-validated, unused parameters). */
  warnings: string[];
}
