/**
 * The order a release is applied in, as data: which objects each object waits for (the
 * `stackanetes.io/depends-on` annotation) and which packages each package waits for. Pure: no
 * requests, so deploy, diff and lint agree on it and it is tested without a cluster.
 */
import type { KubeObject } from '../model/types.js';
import { isPlainObject } from '../kube/objects.js';

/** `Kind/name[,Kind/name…]`: the objects (same namespace) that must be ready before this one is applied. */
export const ANNOTATION_DEPENDS_ON = 'stackanetes.io/depends-on';
/** `replace` or `fail`: what deploy does when the server refuses a change in place (an immutable field). */
export const ANNOTATION_UPDATE_STRATEGY = 'stackanetes.io/update-strategy';

export type UpdateStrategy = 'replace' | 'fail';

/** One object of the release as the graph sees it. */
export interface GraphNode {
  package: string;
  object: KubeObject;
}

/** The identity `depends-on` uses: kind, namespace, name (the API group is not written). */
export function nodeKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function keyOf(object: KubeObject, namespace: string): string {
  return nodeKey(object.kind, object.metadata.namespace ?? namespace, object.metadata.name);
}

function label(object: KubeObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * The update strategy of an object: the annotation when set, else `replace` for a Job (run-to-
 * completion work: a changed Job is new work) and `fail` for everything else.
 */
export function updateStrategy(object: KubeObject): UpdateStrategy | { invalid: string } {
  const value = object.metadata.annotations?.[ANNOTATION_UPDATE_STRATEGY];
  if (value === undefined) return object.kind === 'Job' ? 'replace' : 'fail';
  const v = value.trim();
  if (v === 'replace' || v === 'fail') return v;
  return { invalid: value };
}

/** One depends-on entry: `Kind/name`, or `ns/package:Kind/name` for an object of another package. */
export interface DependsOnRef {
  kind: string;
  name: string;
  /** The package that renders it, when the entry names one. */
  package?: string;
}

/**
 * Parses a depends-on value; entries that are neither `Kind/name` nor `ns/package:Kind/name`
 * come back in `bad`.
 */
export function parseDependsOn(value: string): { refs: DependsOnRef[]; bad: string[] } {
  const refs: DependsOnRef[] = [];
  const bad: string[] = [];
  for (const part of value.split(',')) {
    const text = part.trim();
    if (text === '') continue;
    const m =
      /^(?:([a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*):)?([A-Za-z][A-Za-z0-9]*)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(
        text,
      );
    if (!m) bad.push(text);
    else if (m[1]) refs.push({ package: m[1], kind: m[2] as string, name: m[3] as string });
    else refs.push({ kind: m[2] as string, name: m[3] as string });
  }
  return { refs, bad };
}

export interface ObjectGraph {
  /** For each node (by index), the indices of the nodes it depends on. */
  dependsOn: number[][];
  /** One line per problem: malformed or dangling references, invalid strategies, cycles. */
  problems: string[];
}

/**
 * Resolves every depends-on annotation against the objects of the release and finds cycles.
 * Each dangling reference and each cycle is one line naming the objects.
 */
export function objectGraph(nodes: readonly GraphNode[], namespace: string): ObjectGraph {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => index.set(keyOf(n.object, namespace), i));
  const packages = new Set(nodes.map((n) => n.package));
  const problems: string[] = [];
  const dependsOn: number[][] = nodes.map((n) => {
    const strategy = updateStrategy(n.object);
    if (typeof strategy !== 'string') {
      problems.push(
        `${label(n.object)} (${n.package}): ${ANNOTATION_UPDATE_STRATEGY} ${JSON.stringify(strategy.invalid)} is neither replace nor fail`,
      );
    }
    const value = n.object.metadata.annotations?.[ANNOTATION_DEPENDS_ON];
    if (value === undefined) return [];
    const { refs, bad } = parseDependsOn(value);
    for (const b of bad)
      problems.push(
        `${label(n.object)} (${n.package}): ${ANNOTATION_DEPENDS_ON} entry ${JSON.stringify(b)} is neither Kind/name nor ns/package:Kind/name`,
      );
    const out: number[] = [];
    for (const ref of refs) {
      // An object of a package this release does not contain belongs to another release (the
      // service deployed on its own next to an existing Keystone): there is nothing to order.
      if (ref.package !== undefined && !packages.has(ref.package)) continue;
      const target = index.get(nodeKey(ref.kind, n.object.metadata.namespace ?? namespace, ref.name));
      if (target === undefined) {
        problems.push(
          `${label(n.object)} (${n.package}) depends on ${ref.kind}/${ref.name}, which no package of the release renders`,
        );
      } else if (!out.includes(target)) out.push(target);
    }
    return out;
  });
  for (const cycle of findCycles(dependsOn)) {
    const names = cycle.map((i) => label((nodes[i] as GraphNode).object));
    problems.push(`dependency cycle: ${[...names, names[0]].join(' -> ')}`);
  }
  return { dependsOn, problems };
}

/** Each elementary cycle found by a depth-first walk, once (rotations are not repeated). */
export function findCycles(edges: readonly number[][]): number[][] {
  const state = new Array<number>(edges.length).fill(0); // 0 new, 1 on the stack, 2 done
  const stack: number[] = [];
  const cycles: number[][] = [];
  const visit = (v: number): void => {
    state[v] = 1;
    stack.push(v);
    for (const w of edges[v] ?? []) {
      if (state[w] === 1) cycles.push(stack.slice(stack.indexOf(w)));
      else if (state[w] === 0) visit(w);
    }
    stack.pop();
    state[v] = 2;
  };
  for (let v = 0; v < edges.length; v++) if (state[v] === 0) visit(v);
  return cycles;
}

/** Whether `to` is reachable from `from` over `edges`. */
function reaches(edges: ReadonlyMap<string, ReadonlySet<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const pending = [from];
  while (pending.length > 0) {
    const v = pending.pop() as string;
    if (v === to) return true;
    if (seen.has(v)) continue;
    seen.add(v);
    for (const w of edges.get(v) ?? []) pending.push(w);
  }
  return false;
}

/** Every string in a value (Secret data decoded), for finding the Services a package talks to. */
function strings(value: unknown, out: string[], secretData = false): void {
  if (typeof value === 'string') {
    out.push(value);
    if (secretData) out.push(Buffer.from(value, 'base64').toString('utf8'));
  } else if (Array.isArray(value)) for (const v of value) strings(v, out, secretData);
  else if (isPlainObject(value)) for (const v of Object.values(value)) strings(v, out, secretData);
}

const REFERENCE_PARENTS = new Set([
  'configMap',
  'secret',
  'configMapKeyRef',
  'secretKeyRef',
  'configMapRef',
  'secretRef',
]);

/** Names of Secrets, ConfigMaps, claims and ServiceAccounts an object refers to by name. */
function namedReferences(value: unknown, out: Set<string>, parent = ''): void {
  if (Array.isArray(value)) for (const v of value) namedReferences(v, out, parent);
  else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        if (k === 'secretName' || k === 'claimName' || k === 'serviceAccountName') out.add(v);
        else if (k === 'name' && REFERENCE_PARENTS.has(parent)) out.add(v);
      } else namedReferences(v, out, k);
    }
  }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which packages each package waits for, in `packages` order. A package depends on an earlier
 * package when it names one of that package's Services as a host (`mariadb:3306`,
 * `http://keystone-api:5000`, `memcached-0.memcached`) or uses one of its Secrets, ConfigMaps,
 * claims or ServiceAccounts by name: what a package talks to or mounts must be there and ready
 * first; packages that share nothing deploy side by side. Explicit object dependencies across
 * packages are waited for object by object, so a package edge that would close a loop with them
 * is left out.
 */
export function packageGraph(
  packages: readonly string[],
  nodes: readonly GraphNode[],
  objects: ObjectGraph,
): Map<string, Set<string>> {
  const position = new Map(packages.map((p, i) => [p, i]));
  const declared = new Map<string, Set<string>>(packages.map((p) => [p, new Set<string>()]));
  nodes.forEach((n, i) => {
    for (const d of objects.dependsOn[i] ?? []) {
      const other = (nodes[d] as GraphNode).package;
      if (other !== n.package) declared.get(n.package)?.add(other);
    }
  });
  const edges = new Map<string, Set<string>>(packages.map((p) => [p, new Set(declared.get(p))]));
  const result = new Map<string, Set<string>>(packages.map((p) => [p, new Set<string>()]));

  const services = new Map<string, string>(); // Service name -> package
  const named = new Map<string, string>(); // other referable names -> package
  const byPackage = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    (byPackage.get(n.package) ?? byPackage.set(n.package, []).get(n.package))?.push(n);
    const name = n.object.metadata.name;
    if (n.object.kind === 'Service') services.set(name, n.package);
    if (
      ['Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ServiceAccount', 'Namespace'].includes(n.object.kind)
    )
      named.set(`${n.object.kind}/${name}`, n.package);
    const crdKind = (n.object.spec as { names?: { kind?: unknown } } | undefined)?.names?.kind;
    if (n.object.kind === 'CustomResourceDefinition' && typeof crdKind === 'string')
      named.set(`CRD/${crdKind}`, n.package);
  }
  for (const p of packages) {
    const own = byPackage.get(p) ?? [];
    const at = position.get(p) ?? 0;
    const earlier = (q: string | undefined): q is string =>
      q !== undefined && q !== p && (position.get(q) ?? Infinity) < at;
    const wanted = new Set<string>();
    const refs = new Set<string>();
    const texts: string[] = [];
    for (const n of own) {
      namedReferences(n.object.spec, refs);
      const { metadata: _metadata, ...rest } = n.object;
      strings(rest, texts, n.object.kind === 'Secret');
    }
    for (const n of own) {
      // Objects need their namespace, and custom resources their definition, to exist first.
      const ns = n.object.metadata.namespace;
      if (ns) {
        const q = named.get(`Namespace/${ns}`);
        if (earlier(q)) wanted.add(q);
      }
      const crd = named.get(`CRD/${n.object.kind}`);
      if (earlier(crd)) wanted.add(crd);
    }
    for (const name of refs)
      for (const kind of ['Secret', 'ConfigMap', 'PersistentVolumeClaim', 'ServiceAccount']) {
        const q = named.get(`${kind}/${name}`);
        if (earlier(q)) wanted.add(q);
      }
    const candidates = [...services.entries()].filter(([, q]) => earlier(q));
    if (candidates.length > 0 && texts.length > 0) {
      // A Service name as a whole host label: not inside a longer name (memcached-0 is not memcached).
      const pattern = new RegExp(
        `(?:^|[^A-Za-z0-9_-])(${candidates.map(([s]) => escape(s)).join('|')})(?![A-Za-z0-9_-])(?=[.:/"'\\s,;@)\\]]|$)`,
        'g',
      );
      const host = new Map(candidates);
      for (const text of texts)
        for (const m of text.matchAll(pattern)) wanted.add(host.get(m[1] as string) as string);
    }
    for (const q of [...wanted].sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0))) {
      if (reaches(edges, q, p)) continue;
      edges.get(p)?.add(q);
      result.get(p)?.add(q);
    }
  }
  return result;
}
