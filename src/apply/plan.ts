/**
 * The plan: every object of the release classified create / update / unchanged, plus what the
 * previous revisions owned that is no longer rendered (delete, or protected). Live state comes
 * from one LIST per kind and namespace rather than one GET per object. An object whose live copy
 * carries our applied digest and every desired field is unchanged without any further request;
 * the others are dry-run applied (diff) or applied (deploy) to learn what really changes.
 */
import { ConflictError, InputError } from '../errors.js';
import type { KubeObject } from '../model/types.js';
import type { DesiredRelease } from '../release/desired.js';
import type { ReleaseObject } from '../release/types.js';
import type { KubeClient } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { KubeApiError } from '../kube/http.js';
import { isUnchanged, prepareDesired, sameContent, type PreparedObject } from './normalize.js';
import { describeRef, objectKey, refOf, type ObjectRef } from '../kube/objects.js';
import { ANNOTATION_RELEASE, LABEL_MANAGED_BY, ownership, PROTECTED_KINDS } from './ownership.js';
import { isImmutable } from './immutable.js';
import { objectGraph, updateStrategy, type GraphNode } from './graph.js';
import { kindRank, mapLimit } from './order.js';

/** `replace`: the server refuses the change in place, and the object's update strategy is to delete and create it. */
export type PlanAction = 'create' | 'update' | 'replace' | 'unchanged' | 'delete' | 'protected';

export interface PlanItem {
  action: PlanAction;
  package: string;
  version: string;
  ref: ObjectRef;
  key: string;
  /** The object to apply (absent for delete/protected). */
  prepared?: PreparedObject;
  live?: KubeObject;
  /** What the server would make of the apply (diff with dry-run only). */
  preview?: KubeObject;
  /** Why a dry-run failed (an immutable field, a validation error): the deploy would fail the same way. */
  error?: string;
  /** The target namespace itself, created because it was missing: not part of the release. */
  implicit?: boolean;
  /** Already created before the waves (the target namespace, which must hold the revision). */
  precreated?: KubeObject;
  /** For delete/protected: the entry of the previous revision that owned the object. */
  recorded?: ReleaseObject;
  /** Keys of the items that must be ready before this one is applied (its depends-on). */
  needs?: string[];
  /**
   * A Job that completed under an earlier revision with exactly this content and is gone since
   * (ttlSecondsAfterFinished): its work is done, so it is not created and run again.
   */
  completedEarlier?: boolean;
  /** Exists without stackanetes ownership and is taken over (--adopt). */
  adopted?: boolean;
}

export interface Plan {
  release: string;
  namespace: string;
  /** Desired objects in deploy order, then deletions in reverse order. */
  items: PlanItem[];
  /** Package names in the meta-package's order (the tiebreak of the package graph). */
  packages?: string[];
  /**
   * For each package, the packages whose objects must all be ready before it starts; computed
   * from the items when absent (only a deploy with --wait needs it).
   */
  packageDeps?: Record<string, string[]>;
}

export interface PlanOptions {
  /** Objects the previous revisions applied; what is not desired any more gets pruned. */
  previous: readonly ReleaseObject[];
  /** Dry-run apply every object not provably unchanged (diff, deploy --dry-run). */
  dryRun: boolean;
  concurrency: number;
  pruneProtected: boolean;
  /** Take over existing objects that carry no stackanetes ownership (--adopt). */
  adopt?: boolean;
  /** Jobs the previous revisions saw complete: object key -> applied digest. */
  completedJobs?: Readonly<Record<string, string>>;
}

/** What the cluster serves for each kind used, resolved concurrently. */
async function resolveKinds(
  client: KubeClient,
  objects: readonly KubeObject[],
): Promise<Map<string, ResourceInfo | undefined>> {
  const wanted = [...new Set(objects.map((o) => `${o.apiVersion}\u0000${o.kind}`))];
  const infos = await Promise.all(
    wanted.map((k) => {
      const [apiVersion, kind] = k.split('\u0000') as [string, string];
      return client.resource(apiVersion, kind);
    }),
  );
  return new Map(wanted.map((k, i) => [k, infos[i]]));
}

/** Puts namespaced objects into the target namespace and takes it off cluster-scoped ones. */
function placeObject(object: KubeObject, info: ResourceInfo | undefined, namespace: string): KubeObject {
  const namespaced = info
    ? info.namespaced
    : object.metadata.namespace !== undefined || object.kind !== 'Namespace';
  if (namespaced && !object.metadata.namespace)
    return { ...object, metadata: { ...object.metadata, namespace } };
  if (!namespaced && object.metadata.namespace !== undefined) {
    const metadata = { ...object.metadata };
    delete metadata.namespace;
    return { ...object, metadata };
  }
  return object;
}

/** The object as this release applies it: with the annotation naming the release. */
function stamped(object: KubeObject, namespace: string, release: string): KubeObject {
  const annotations = {
    ...(object.metadata.annotations ?? {}),
    [ANNOTATION_RELEASE]: `${namespace}/${release}`,
  };
  return { ...object, metadata: { ...object.metadata, annotations } };
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

/** Builds the plan; reads only, except dry-run applies when `dryRun` is set. */
export async function computePlan(
  client: KubeClient,
  desired: DesiredRelease,
  options: PlanOptions,
): Promise<Plan> {
  const kinds = await resolveKinds(client, [
    ...desired.objects.map((o) => o.object),
    ...options.previous.map((o) => o.object),
  ]);
  const info = (o: KubeObject): ResourceInfo | undefined => kinds.get(`${o.apiVersion}\u0000${o.kind}`);

  const wanted: PlanItem[] = [];
  const seen = new Map<string, string>();
  for (const entry of desired.objects) {
    const object = placeObject(entry.object, info(entry.object), desired.namespace);
    const ref = refOf(object);
    const key = objectKey(ref);
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InputError(`${describeRef(ref)} is rendered twice (by ${other} and ${entry.package})`, {
        hint: 'rename one of them or disable one through its package variables',
      });
    }
    seen.set(key, entry.package);
    wanted.push({
      action: 'create',
      package: entry.package,
      version: entry.version,
      ref,
      key,
      prepared: prepareDesired(stamped(object, desired.namespace, desired.release)),
    });
  }
  const gone: PlanItem[] = [];
  const goneSeen = new Set<string>();
  for (const entry of options.previous) {
    const object = placeObject(entry.object, info(entry.object), desired.namespace);
    const ref = refOf(object);
    const key = objectKey(ref);
    if (seen.has(key) || goneSeen.has(key)) continue;
    goneSeen.add(key);
    gone.push({
      action: 'delete',
      package: entry.package,
      version: entry.version,
      ref,
      key,
      recorded: entry,
    });
  }

  // Order inside and between packages: refused before anything is read or written when the
  // annotations name objects the release does not render, or go round in a circle.
  const nodes: GraphNode[] = wanted.map((i) => ({
    package: i.package,
    object: (i.prepared as PreparedObject).object,
  }));
  const graph = objectGraph(nodes, desired.namespace);
  if (graph.problems.length > 0) {
    throw new InputError(graph.problems.join('\nerror: '), {
      hint: 'fix the stackanetes.io/depends-on and stackanetes.io/update-strategy annotations (`stackanetes lint` lists them all)',
    });
  }
  wanted.forEach((item, i) => {
    const needs = (graph.dependsOn[i] ?? []).map((d) => (wanted[d] as PlanItem).key);
    if (needs.length > 0) item.needs = needs;
  });
  // The target namespace: if the release does not render it, deploy creates it (and keeps it).
  const namespaceRef: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: desired.namespace };
  if (!seen.has(objectKey(namespaceRef))) {
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: desired.namespace, labels: { [LABEL_MANAGED_BY]: 'stackanetes' } },
    };
    wanted.unshift({
      action: 'create',
      package: '-',
      version: '-',
      ref: namespaceRef,
      key: objectKey(namespaceRef),
      prepared: prepareDesired(object),
      implicit: true,
    });
  }

  const live = await fetchLive(
    client,
    [...wanted, ...gone].map((i) => i.ref),
    options.concurrency,
  );

  const conflicts: string[] = [];
  const unmanaged: string[] = [];
  for (const item of wanted) {
    const current = live.get(item.key);
    if (!current) {
      // A Job whose exact content completed before and was removed since by its TTL: done work.
      if (
        item.ref.kind === 'Job' &&
        item.prepared &&
        options.completedJobs?.[item.key] === item.prepared.digest
      ) {
        item.action = 'unchanged';
        item.completedEarlier = true;
      }
      continue;
    }
    item.live = current;
    const owner = ownership(current, desired.namespace, desired.release);
    if (owner.owner === 'foreign' && !item.implicit) {
      conflicts.push(`${describeRef(item.ref)} belongs to release ${owner.name ?? '?'}`);
      continue;
    }
    if (owner.owner === 'unmanaged' && !item.implicit) {
      if (!options.adopt) {
        const managers = [
          ...new Set(
            ((current.metadata.managedFields as { manager?: string }[] | undefined) ?? []).map(
              (m) => m.manager ?? '?',
            ),
          ),
        ];
        unmanaged.push(
          `${describeRef(item.ref)} exists without stackanetes ownership labels (field managers: ${managers.length > 0 ? managers.join(', ') : 'none'})`,
        );
        continue;
      }
      item.adopted = true;
    }
    item.action =
      item.implicit || isUnchanged(item.prepared as PreparedObject, current) ? 'unchanged' : 'update';
  }
  if (conflicts.length > 0) {
    const shown = conflicts.slice(0, 3).join('; ');
    const more = conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '';
    throw new ConflictError(
      `${shown}${more}, not to release ${desired.namespace}/${desired.release}: refusing to touch ${conflicts.length === 1 ? 'it' : 'them'}`,
      { hint: 'pick another --release or namespace, rename the objects, or remove the other release first' },
    );
  }
  if (unmanaged.length > 0) {
    throw new ConflictError(
      `${unmanaged.join(': refusing to take it over\nerror: ')}: refusing to take it over`,
      {
        hint: `nothing was written; pass --adopt to make release ${desired.release} own ${unmanaged.length === 1 ? 'it' : 'them'}, or delete or rename ${unmanaged.length === 1 ? 'it' : 'them'}`,
      },
    );
  }

  if (options.dryRun) {
    // The API server refuses even a dry-run create in a namespace that does not exist yet, and
    // there is nothing live to compare with there: those objects are plain creates.
    const newNamespaces = new Set(
      wanted.filter((i) => i.ref.kind === 'Namespace' && i.action === 'create').map((i) => i.ref.name),
    );
    await mapLimit(
      wanted.filter(
        (i) =>
          i.action !== 'unchanged' &&
          !i.implicit &&
          !(i.ref.namespace !== undefined && newNamespaces.has(i.ref.namespace)) &&
          info(i.prepared?.object as KubeObject),
      ),
      options.concurrency,
      async (item) => {
        try {
          item.preview = await client.apply((item.prepared as PreparedObject).object, {
            dryRun: true,
            force: true,
          });
          if (item.live && sameContent(item.preview, item.live)) item.action = 'unchanged';
        } catch (err) {
          if (!(err instanceof KubeApiError)) throw err;
          // A change only a new object can take: shown as a replacement when that is the
          // object's strategy (a Job's), as an error otherwise.
          if (
            isImmutable(err) &&
            !PROTECTED_KINDS.has(item.ref.kind) &&
            updateStrategy(item.prepared?.object as KubeObject) === 'replace'
          )
            item.action = 'replace';
          else item.error = err.message;
        }
      },
    );
  }

  const deletions: PlanItem[] = [];
  for (const item of gone) {
    const current = live.get(item.key);
    if (!current || ownership(current, desired.namespace, desired.release).owner !== 'ours') continue; // gone, or not ours
    item.live = current;
    item.ref = { ...item.ref, apiVersion: current.apiVersion }; // the version it is served in now
    if (PROTECTED_KINDS.has(item.ref.kind) && !options.pruneProtected) item.action = 'protected';
    deletions.push(item);
  }
  // Reverse deploy order: last package first, and inside that what depends on others first.
  deletions.reverse();
  deletions.sort((a, b) => kindRank(b.ref.kind) - kindRank(a.ref.kind));

  return {
    release: desired.release,
    namespace: desired.namespace,
    items: [...wanted, ...deletions],
    packages: desired.packages.map((p) => p.name),
  };
}

/** How many objects each action of a plan touches. */
export interface PlanSummary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  unchanged: number;
  protected: number;
}

/** Counts for the `Plan:` summary line. */
export function summarize(plan: Plan): PlanSummary {
  const count = (a: PlanAction): number => plan.items.filter((i) => i.action === a).length;
  return {
    create: count('create'),
    update: count('update'),
    replace: count('replace'),
    delete: count('delete'),
    unchanged: count('unchanged'),
    protected: count('protected'),
  };
}
