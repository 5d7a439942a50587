/**
 * Which objects of a release lie outside its namespace, and the render-time check that each
 * package declared them (manifest.yaml `scope:`). Pure functions of rendered objects: the render
 * pipeline runs the check, and release/scope.ts builds the deploy-time guard on the same sorting.
 */
import { InputError } from '../errors.js';
import type { KubeObject } from '../model/types.js';
import type { PackageScope } from '../package/types.js';

/** One object outside the release namespace, as messages name it. */
export interface OutsideObject {
  package: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
}

/** The part of a release outside its namespace. */
export interface ReleaseScope {
  namespace: string;
  /** Cluster-scoped objects (the release's own Namespace excepted). */
  cluster: OutsideObject[];
  /** Objects in other namespaces, by namespace. */
  namespaces: Record<string, OutsideObject[]>;
}

/** Sorts a release's objects into its namespace, other namespaces and cluster scope. */
export function releaseScope(
  namespace: string,
  objects: readonly { package: string; object: KubeObject }[],
): ReleaseScope {
  const scope: ReleaseScope = { namespace, cluster: [], namespaces: {} };
  for (const { package: pkg, object } of objects) {
    const ns = object.metadata.namespace;
    const entry: OutsideObject = { package: pkg, kind: object.kind, name: object.metadata.name };
    if (ns === undefined) {
      // The release's own namespace is part of the release, not of the cluster around it.
      if (object.kind === 'Namespace' && object.metadata.name === namespace) continue;
      scope.cluster.push(entry);
    } else if (ns !== namespace) {
      (scope.namespaces[ns] ??= []).push({ ...entry, namespace: ns });
    }
  }
  return scope;
}

/** `ns/Kind/name`, or `Kind/name` for a cluster-scoped object. */
export const describeOutside = (o: OutsideObject): string =>
  `${o.namespace ? `${o.namespace}/` : ''}${o.kind}/${o.name}`;

/** "ClusterRole/x, IngressClass/y" or "2 objects: …, and N more" for a short message. */
export function listOutside(objects: readonly OutsideObject[]): string {
  const shown = objects.slice(0, 3).map(describeOutside).join(', ');
  return objects.length > 3 ? `${shown} and ${objects.length - 3} more` : shown;
}

/**
 * Render-time: every object outside the release namespace must be covered by the `scope:` of
 * the package that renders it. Fails naming the first package, object and the line to add.
 */
export function checkDeclaredScope(
  namespace: string,
  packages: readonly { name: string; scope?: PackageScope; objects: readonly { object: KubeObject }[] }[],
): void {
  for (const pkg of packages) {
    const scope = releaseScope(
      namespace,
      pkg.objects.map((o) => ({ package: pkg.name, object: o.object })),
    );
    const declared = pkg.scope ?? { cluster: false, namespaces: [] };
    const first = scope.cluster[0];
    if (first && !declared.cluster)
      throw new InputError(
        `${pkg.name} renders cluster-scoped ${listOutside(scope.cluster)} but its manifest.yaml does not declare it`,
        { hint: 'add `scope: cluster` to manifest.yaml (deploy then asks for --allow-cluster-scope once)' },
      );
    for (const [ns, objects] of Object.entries(scope.namespaces)) {
      if (declared.namespaces.includes(ns)) continue;
      throw new InputError(
        `${pkg.name} renders ${listOutside(objects)} in namespace ${ns}, outside the release namespace ${namespace}, but its manifest.yaml does not declare it`,
        {
          hint: `add \`scope: {namespaces: [${ns}]}\` to manifest.yaml if it must (deploy then asks for --allow-namespace ${ns} once), or drop metadata.namespace from the template`,
        },
      );
    }
  }
}
