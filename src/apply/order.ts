/**
 * Deploy order (DESIGN §5): packages in the meta-package's dependency order; inside a package by
 * kind, so what an object needs exists before it (a namespace before its contents, a CRD before
 * its resources, a ServiceAccount and its RBAC before the pods that run as it, configuration
 * before the workloads that mount it). Kinds we do not know go last, like Helm does.
 */
const KIND_ORDER: readonly (readonly string[])[] = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  ['ServiceAccount'],
  ['Role', 'ClusterRole'],
  ['RoleBinding', 'ClusterRoleBinding'],
  ['Secret'],
  ['ConfigMap'],
  ['PersistentVolumeClaim'],
  ['Service'],
  ['Job'],
  ['Deployment', 'StatefulSet', 'DaemonSet'],
  ['Ingress'],
];

const RANK = new Map<string, number>(
  KIND_ORDER.flatMap((kinds, rank) => kinds.map((k) => [k, rank] as const)),
);

/** The position of a kind in the apply order; unknown kinds share the last position. */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? KIND_ORDER.length;
}

/** Groups items into consecutive steps of equal kind rank, in rank order (stable inside a step). */
export function stepsByKind<T>(items: readonly T[], kindOf: (item: T) => string): T[][] {
  const byRank = new Map<number, T[]>();
  for (const item of items) {
    const rank = kindRank(kindOf(item));
    const list = byRank.get(rank) ?? [];
    list.push(item);
    byRank.set(rank, list);
  }
  return [...byRank.entries()].sort((a, b) => a[0] - b[0]).map(([, list]) => list);
}

/** Runs `fn` over `items` with at most `limit` in flight; rejects with the first failure after all settle. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
  return results;
}
