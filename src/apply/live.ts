/**
 * Reading the cluster for a plan: what it serves for each kind, and the live copies of the
 * objects concerned, from one LIST per kind and namespace rather than one GET per object.
 */
import type { KubeObject } from '../model/types.js';
import type { KubeClient } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { objectKey, refOf, type ObjectRef } from '../kube/objects.js';
import { mapLimit } from './order.js';
import { kindKey } from './plan.js';

/** What the cluster serves for each kind used, resolved concurrently. */
export async function resolveKinds(
  client: KubeClient,
  objects: readonly KubeObject[],
): Promise<Map<string, ResourceInfo | undefined>> {
  const wanted = [...new Map(objects.map((o) => [kindKey(o), o])).values()];
  const infos = await Promise.all(wanted.map((o) => client.resource(o.apiVersion, o.kind)));
  return new Map(wanted.map((o, i) => [kindKey(o), infos[i]]));
}

/**
 * The live copies of `refs` (keyed by objectKey): one LIST per (apiVersion, kind, namespace),
 * namespaces one GET each (never list a cluster's). Kinds the cluster does not serve yet have
 * no live objects.
 */
export async function fetchLive(
  client: KubeClient,
  refs: readonly ObjectRef[],
  concurrency: number,
): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace: string | undefined }>();
  const namespaceRefs: ObjectRef[] = [];
  // The version each kind is read through: the recorded one, else one the group still serves.
  const served = new Map<string, string | undefined>();
  await Promise.all(
    [...new Set(refs.map((r) => `${r.apiVersion}\u0000${r.kind}`))].map(async (k) => {
      const [apiVersion, kind] = k.split('\u0000') as [string, string];
      served.set(k, (await client.resourceInAnyVersion(apiVersion, kind))?.apiVersion);
    }),
  );
  for (const original of refs) {
    const apiVersion = served.get(`${original.apiVersion}\u0000${original.kind}`);
    if (!apiVersion) continue;
    const ref = { ...original, apiVersion };
    const { kind, namespace } = ref;
    if (kind === 'Namespace') namespaceRefs.push(ref);
    else groups.set(`${apiVersion}\u0000${kind}\u0000${namespace ?? ''}`, { apiVersion, kind, namespace });
  }
  const live = new Map<string, KubeObject>();
  await Promise.all([
    ...namespaceRefs.map(async (ref) => {
      const o = await client.get(ref);
      if (o) live.set(objectKey(refOf(o)), o);
    }),
    mapLimit([...groups.values()], concurrency, async (g) => {
      for (const o of await client.list(g.apiVersion, g.kind, g.namespace)) live.set(objectKey(refOf(o)), o);
    }),
  ]);
  return live;
}
