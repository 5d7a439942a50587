/**
 * The plan: every object of the release classified create / update / unchanged, plus what the
 * previous revisions owned that is no longer rendered (delete, or protected). `plan` is pure: it
 * works from live state read beforehand (see live.ts), so it is tested without a server. An
 * object whose live copy carries our applied digest and every desired field is unchanged without
 * any further request; the others are dry-run applied (diff) or applied (deploy) to learn what
 * really changes.
 */
import { ConflictError, InputError } from '../errors.js';
import type { KubeObject } from '../model/types.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { describeRef, objectKey, refOf, type ObjectRef } from '../kube/objects.js';
import { isUnchanged, prepareDesired, type PreparedObject } from './normalize.js';
import { ANNOTATION_RELEASE, LABEL_MANAGED_BY, ownership, PROTECTED_KINDS } from './ownership.js';
import { objectGraph, type GraphNode } from './graph.js';
import { kindRank } from './order.js';

/** One object of a release (desired or recorded by a revision), with the package that rendered it. */
export interface PlannedObject {
  package: string;
  version: string;
  object: KubeObject;
}

/** What the release renders now. */
export interface DesiredObjects {
  release: string;
  namespace: string;
  /** In deploy order (package order, then as rendered). */
  objects: readonly PlannedObject[];
  /** Package names in the meta-package's order. */
  packages: readonly { name: string }[];
}

/** What the previous revisions left: the objects they applied and the Jobs they saw complete. */
export interface PreviousState {
  objects: readonly PlannedObject[];
  /** Object key -> applied digest. */
  completedJobs?: Readonly<Record<string, string>>;
}

/** The cluster as read before planning. */
export interface LiveState {
  /** What the cluster serves, by kindKey; undefined for a kind it does not serve (yet). */
  kinds: ReadonlyMap<string, ResourceInfo | undefined>;
  /** Live copies by objectKey. */
  objects: ReadonlyMap<string, KubeObject>;
}

export interface PlanChoices {
  pruneProtected: boolean;
  /** Take over existing objects that carry no stackanetes ownership (--adopt). */
  adopt?: boolean;
}

/** The key LiveState.kinds uses. */
export function kindKey(object: { apiVersion: string; kind: string }): string {
  return `${object.apiVersion}\u0000${object.kind}`;
}

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
  recorded?: PlannedObject;
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

/** What the plan is about before anything live is known: the wanted objects and those gone from the release. */
export interface Targets {
  wanted: PlanItem[];
  gone: PlanItem[];
}

/**
 * Places and stamps every desired object, orders them by their depends-on, and lists what the
 * previous revisions applied that is not rendered any more. Throws on an object rendered twice
 * or a broken depends-on, before anything is read or written.
 */
export function targets(
  desired: DesiredObjects,
  previous: readonly PlannedObject[],
  kinds: LiveState['kinds'],
): Targets {
  const place = (o: KubeObject): KubeObject => placeObject(o, kinds.get(kindKey(o)), desired.namespace);
  const wanted: PlanItem[] = [];
  const seen = new Map<string, string>();
  for (const entry of desired.objects) {
    const object = place(entry.object);
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
  for (const entry of previous) {
    const ref = refOf(place(entry.object));
    const key = objectKey(ref);
    if (seen.has(key)) continue;
    seen.set(key, entry.package);
    gone.push({
      action: 'delete',
      package: entry.package,
      version: entry.version,
      ref,
      key,
      recorded: entry,
    });
  }
  linkDependencies(wanted, desired.namespace);
  const namespaceItem = implicitNamespace(desired.namespace);
  if (!wanted.some((i) => i.key === namespaceItem.key)) wanted.unshift(namespaceItem);
  return { wanted, gone };
}

/**
 * Order inside and between packages: refused before anything is read or written when the
 * annotations name objects the release does not render, or go round in a circle.
 */
function linkDependencies(wanted: PlanItem[], namespace: string): void {
  const nodes: GraphNode[] = wanted.map((i) => ({
    package: i.package,
    object: (i.prepared as PreparedObject).object,
  }));
  const graph = objectGraph(nodes, namespace);
  if (graph.problems.length > 0) {
    throw new InputError(graph.problems.join('\nerror: '), {
      hint: 'fix the stackanetes.io/depends-on and stackanetes.io/update-strategy annotations (`stackanetes lint` lists them all)',
    });
  }
  wanted.forEach((item, i) => {
    const needs = (graph.dependsOn[i] ?? []).map((d) => (wanted[d] as PlanItem).key);
    if (needs.length > 0) item.needs = needs;
  });
}

/** The target namespace: if the release does not render it, deploy creates it (and keeps it). */
function implicitNamespace(namespace: string): PlanItem {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: namespace };
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace, labels: { [LABEL_MANAGED_BY]: 'stackanetes' } },
  };
  return {
    action: 'create',
    package: '-',
    version: '-',
    ref,
    key: objectKey(ref),
    prepared: prepareDesired(object),
    implicit: true,
  };
}

/** Field managers of an object, for the message refusing to take it over. */
function managersOf(live: KubeObject): string {
  const managers = [
    ...new Set(
      ((live.metadata.managedFields as { manager?: string }[] | undefined) ?? []).map(
        (m) => m.manager ?? '?',
      ),
    ),
  ];
  return managers.length > 0 ? managers.join(', ') : 'none';
}

/**
 * Classifies each wanted object against its live copy: create, update or unchanged. Throws,
 * naming them all, when objects belong to another release or to nobody (without --adopt).
 */
function classify(
  wanted: readonly PlanItem[],
  live: LiveState['objects'],
  desired: DesiredObjects,
  previous: PreviousState,
  choices: PlanChoices,
): void {
  const conflicts: string[] = [];
  const unmanaged: string[] = [];
  for (const item of wanted) {
    const current = live.get(item.key);
    if (!current) {
      // A Job whose exact content completed before and was removed since by its TTL: done work.
      if (item.ref.kind === 'Job' && previous.completedJobs?.[item.key] === item.prepared?.digest) {
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
      if (!choices.adopt) {
        unmanaged.push(
          `${describeRef(item.ref)} exists without stackanetes ownership labels (field managers: ${managersOf(current)})`,
        );
        continue;
      }
      item.adopted = true;
    }
    item.action =
      item.implicit || isUnchanged(item.prepared as PreparedObject, current) ? 'unchanged' : 'update';
  }
  refuseTakeover(conflicts, unmanaged, desired);
}

function refuseTakeover(
  conflicts: readonly string[],
  unmanaged: readonly string[],
  desired: DesiredObjects,
): void {
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
}

/** What to prune: objects gone from the release that are still live and ours, in reverse deploy order. */
function deletions(
  gone: readonly PlanItem[],
  live: LiveState['objects'],
  desired: DesiredObjects,
  choices: PlanChoices,
): PlanItem[] {
  const out: PlanItem[] = [];
  for (const item of gone) {
    const current = live.get(item.key);
    if (!current || ownership(current, desired.namespace, desired.release).owner !== 'ours') continue; // gone, or not ours
    item.live = current;
    item.ref = { ...item.ref, apiVersion: current.apiVersion }; // the version it is served in now
    if (PROTECTED_KINDS.has(item.ref.kind) && !choices.pruneProtected) item.action = 'protected';
    out.push(item);
  }
  // Reverse deploy order: last package first, and inside that what depends on others first.
  out.reverse();
  out.sort((a, b) => kindRank(b.ref.kind) - kindRank(a.ref.kind));
  return out;
}

/** The plan from targets already computed and the live state read for them. */
export function planTargets(
  t: Targets,
  desired: DesiredObjects,
  live: LiveState,
  previous: PreviousState,
  choices: PlanChoices,
): Plan {
  classify(t.wanted, live.objects, desired, previous, choices);
  return {
    release: desired.release,
    namespace: desired.namespace,
    items: [...t.wanted, ...deletions(t.gone, live.objects, desired, choices)],
    packages: desired.packages.map((p) => p.name),
  };
}

/** The plan for `desired` against the live state and what the previous revisions applied; no I/O. */
export function plan(
  desired: DesiredObjects,
  live: LiveState,
  previous: PreviousState,
  choices: PlanChoices = { pruneProtected: false },
): Plan {
  return planTargets(targets(desired, previous.objects, live.kinds), desired, live, previous, choices);
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
