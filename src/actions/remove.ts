/**
 * `remove REF`: delete what a release deployed, in reverse deploy order (last package first,
 * workloads before the configuration and accounts they use), and its revision records.
 * Namespaces, PersistentVolumeClaims and CRDs are kept and reported `protected`, as kpm did, unless
 * asked; objects of other releases are never touched.
 */
import { ConflictError } from '../errors.js';
import { describeRef, objectKey, refOf, type ObjectRef } from '../kube/objects.js';
import { ownership, PROTECTED_KINDS } from '../apply/ownership.js';
import { kindRank, mapLimit } from '../apply/order.js';
import { fetchLive } from '../apply/live.js';
import { leaseRef, lockSeconds, withReleaseLock } from '../release/lease.js';
import type { ReleaseObject } from '../release/types.js';
import { checkConcurrency, objectColumns, renderDesired, withCluster, type RenderInputs } from './cluster.js';
import type { ActionContext } from './context.js';

export interface RemoveOptions extends RenderInputs {
  /** Also delete Namespaces, PersistentVolumeClaims and CustomResourceDefinitions. */
  pruneProtected?: boolean;
  concurrency?: number;
}

export interface RemoveRow {
  package: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  status: 'deleted' | 'protected' | 'absent' | 'not owned';
}

export interface RemoveResult {
  release: string;
  namespace: string;
  rows: RemoveRow[];
  /** Revision records deleted. */
  revisions: number[];
}

export async function remove(context: ActionContext, options: RemoveOptions): Promise<RemoveResult> {
  const { progress } = context;
  const concurrency = checkConcurrency(options.concurrency);
  return withCluster(context, async (client) => {
    const namespace = client.target.namespace;
    const { desired } = await renderDesired(context, options, namespace);
    return withReleaseLock(
      client,
      namespace,
      desired.release,
      { operation: 'remove', createNamespace: false, durationSeconds: lockSeconds(context.env) },
      async () => {
        const store = context.releases(client, namespace);
        const history = await store.list(desired.release);
        // What the package renders now plus whatever any kept revision applied.
        const entries: ReleaseObject[] = [];
        const seen = new Set<string>();
        for (const entry of [
          ...desired.objects,
          ...history.flatMap((r) => [...r.objects, ...(r.kept ?? [])]),
        ]) {
          const key = objectKey(refOf(entry.object));
          if (seen.has(key)) continue;
          seen.add(key);
          entries.push(entry);
        }
        const refs = entries.map((e) => refOf(e.object));
        const live = await fetchLive(client, refs, concurrency);
        const liveOf = (ref: ObjectRef) => live.get(objectKey(ref));

        const foreign = refs.filter((ref) => {
          const o = liveOf(ref);
          return o !== undefined && ownership(o, namespace, desired.release).owner === 'foreign';
        });
        if (foreign.length > 0) {
          throw new ConflictError(
            `${foreign.map(describeRef).join(', ')} belong${foreign.length === 1 ? 's' : ''} to another release: nothing was deleted`,
            { hint: 'remove that release instead, or rename the objects' },
          );
        }

        const order = entries.map((e, index) => ({ e, index, ref: refs[index] as ObjectRef }));
        order.sort((a, b) => kindRank(b.ref.kind) - kindRank(a.ref.kind) || b.index - a.index);
        progress({
          type: 'start',
          id: 'remove',
          text: `removing release ${desired.release} from ${namespace}`,
        });
        const rows: RemoveRow[] = [];
        let step: typeof order = [];
        const flush = async (): Promise<void> => {
          const done = await mapLimit(step, concurrency, async ({ e, ref }): Promise<RemoveRow> => {
            const base = objectColumns(e, ref);
            const current = liveOf(ref);
            if (!current) return { ...base, status: 'absent' };
            if (ownership(current, namespace, desired.release).owner !== 'ours')
              return { ...base, status: 'not owned' };
            if (PROTECTED_KINDS.has(ref.kind) && !options.pruneProtected)
              return { ...base, status: 'protected' };
            const deleted = await client.delete(refOf(current));
            return { ...base, status: deleted ? 'deleted' : 'absent' };
          });
          rows.push(...done);
          step = [];
        };
        for (const item of order) {
          if (step.length > 0 && kindRank(step[0]?.ref.kind ?? '') !== kindRank(item.ref.kind)) await flush();
          step.push(item);
        }
        await flush();
        const revisions: number[] = [];
        for (const r of history) {
          await store.delete(desired.release, r.revision);
          revisions.push(r.revision);
        }
        // The release is gone, and so is its lock (held until here).
        await client.delete(leaseRef(namespace, desired.release));
        // The namespace deploy created for the release is protected in the same way.
        const nsRef: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
        const ns = seen.has(objectKey(nsRef)) ? undefined : await client.get(nsRef);
        if (ns && ns.metadata.labels?.['app.kubernetes.io/managed-by'] === 'stackanetes') {
          const deleted = options.pruneProtected ? await client.delete(nsRef) : false;
          rows.push({
            package: '-',
            version: '-',
            kind: 'Namespace',
            name: namespace,
            namespace: '-',
            status: deleted ? 'deleted' : 'protected',
          });
        }
        progress({ type: 'succeed', id: 'remove', text: `removed release ${desired.release}` });
        return { release: desired.release, namespace, rows, revisions };
      },
    );
  });
}
