/**
 * What a release writes outside its own namespace, and the guard on it. A package declares it
 * (manifest.yaml `scope:`), `diff` shows it, and `deploy` refuses it before writing anything
 * unless the flags allow it (`--allow-cluster-scope`, `--allow-namespace NS`) or an earlier
 * revision of the release already wrote there. Without this, `deploy -n team-a` of a package
 * whose template says `namespace: kube-system` wrote into kube-system without a word.
 */
import { UsageError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../model/types.js';
import {
  describeOutside as describe,
  listOutside as list,
  releaseScope,
  type OutsideObject,
  type ReleaseScope,
} from '../render/scope.js';
import type { ReleaseStore } from './store.js';
import type { ReleaseRecord } from './types.js';

/** What the flags (or earlier revisions) allow. */
export interface ScopeAllowance {
  cluster: boolean;
  namespaces: readonly string[];
}

/**
 * The objects with the release namespace filled in where their kind is namespaced: a rendered
 * manifest file leaves it out, and only discovery (or a CRD of the same release) says whether an
 * object without one is cluster-scoped. Kinds nobody knows count as cluster-scoped.
 */
export async function placeObjects<T extends { package: string; object: KubeObject }>(
  client: KubeClient,
  namespace: string,
  objects: readonly T[],
): Promise<T[]> {
  const crdScope = new Map<string, boolean>();
  for (const { object } of objects) {
    if (object.kind !== 'CustomResourceDefinition') continue;
    const spec = (object.spec ?? {}) as { group?: string; scope?: string; names?: { kind?: string } };
    crdScope.set(`${spec.group ?? ''}/${spec.names?.kind ?? ''}`, spec.scope === 'Namespaced');
  }
  return Promise.all(
    objects.map(async (entry) => {
      const { object } = entry;
      if (object.metadata.namespace !== undefined) return entry;
      const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
      const namespaced =
        crdScope.get(`${group}/${object.kind}`) ??
        (await client.resource(object.apiVersion, object.kind))?.namespaced ??
        false;
      return namespaced
        ? { ...entry, object: { ...object, metadata: { ...object.metadata, namespace } } }
        : entry;
    }),
  );
}

/** True when the release writes nothing outside its namespace. */
export function isContained(scope: ReleaseScope): boolean {
  return scope.cluster.length === 0 && Object.keys(scope.namespaces).length === 0;
}

/** What earlier revisions of the release already wrote outside its namespace: allowed again without flags. */
export async function grantedBy(
  client: KubeClient,
  history: readonly ReleaseRecord[],
  namespace: string,
): Promise<ScopeAllowance> {
  const namespaces = new Set<string>();
  let cluster = false;
  for (const record of history) {
    if (record.status !== 'deployed' && record.status !== 'superseded') continue;
    const objects = await placeObjects(client, namespace, [...record.objects, ...(record.kept ?? [])]);
    const scope = releaseScope(namespace, objects);
    if (scope.cluster.length > 0) cluster = true;
    for (const ns of Object.keys(scope.namespaces)) namespaces.add(ns);
  }
  return { cluster, namespaces: [...namespaces] };
}

/** What is still missing from `allowed` for `scope`: undefined when nothing is. */
export function missingAllowance(
  scope: ReleaseScope,
  allowed: ScopeAllowance,
): { cluster?: OutsideObject[]; namespaces: Record<string, OutsideObject[]> } | undefined {
  const namespaces = Object.fromEntries(
    Object.entries(scope.namespaces).filter(([ns]) => !allowed.namespaces.includes(ns)),
  );
  const cluster = scope.cluster.length > 0 && !allowed.cluster ? scope.cluster : undefined;
  if (!cluster && Object.keys(namespaces).length === 0) return undefined;
  return cluster ? { cluster, namespaces } : { namespaces };
}

/** The flags a deploy of `scope` still needs, given `allowed`, as one would type them. */
export function neededFlags(scope: ReleaseScope, allowed: ScopeAllowance): string[] {
  const missing = missingAllowance(scope, allowed);
  if (!missing) return [];
  return [
    ...(missing.cluster ? ['--allow-cluster-scope'] : []),
    ...Object.keys(missing.namespaces).map((ns) => `--allow-namespace ${ns}`),
  ];
}

/**
 * Deploy-time guard, before anything is written: objects outside the release namespace need the
 * flags, unless an earlier revision of the release already wrote there. A release that stays in
 * its namespace, or whose flags allow all it does, costs no request.
 */
export async function guardScope(
  client: KubeClient,
  release: string,
  namespace: string,
  objects: readonly { package: string; object: KubeObject }[],
  flags: ScopeAllowance,
  store: ReleaseStore,
): Promise<void> {
  const scope = releaseScope(namespace, await placeObjects(client, namespace, objects));
  if (isContained(scope) || !missingAllowance(scope, flags)) return;
  const history = await store.list(release);
  const granted = await grantedBy(client, history, scope.namespace);
  const allowed: ScopeAllowance = {
    cluster: flags.cluster || granted.cluster,
    namespaces: [...flags.namespaces, ...granted.namespaces],
  };
  const missing = missingAllowance(scope, allowed);
  if (!missing) return;
  const parts = [
    ...(missing.cluster ? [`cluster-scoped ${list(missing.cluster)}`] : []),
    ...Object.entries(missing.namespaces).map(([ns, objects]) => `${list(objects)} in namespace ${ns}`),
  ];
  throw new UsageError(
    `release ${release} in namespace ${scope.namespace} would write ${parts.join(' and ')}: nothing was written`,
    {
      hint: `check that this is meant (\`stackanetes diff\` shows it), then deploy again with ${neededFlags(scope, allowed).join(' ')}`,
    },
  );
}

/** What diff reports of a release's scope: the objects outside its namespace and the flags deploy still needs. */
export async function scopeSummary(
  client: KubeClient,
  namespace: string,
  release: string,
  objects: readonly { package: string; object: KubeObject }[],
  history: readonly ReleaseRecord[],
): Promise<{
  namespace: string;
  cluster: string[];
  namespaces: Record<string, string[]>;
  needs: string[];
}> {
  const scope = releaseScope(namespace, await placeObjects(client, namespace, objects));
  const mine = history.filter((r) => r.release === release);
  return {
    namespace,
    cluster: scope.cluster.map(describe),
    namespaces: Object.fromEntries(
      Object.entries(scope.namespaces).map(([ns, list]) => [ns, list.map((o) => `${o.kind}/${o.name}`)]),
    ),
    needs: neededFlags(scope, await grantedBy(client, mine, namespace)),
  };
}
