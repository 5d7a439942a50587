/**
 * The default scheduler's filters, enough to say where a Pod can run and, when nowhere, why, in
 * the words of kube-scheduler 1.32's FailedScheduling message: volumes (PreFilter), unschedulable
 * nodes, taints and tolerations, nodeSelector and node affinity, host ports, resource requests and
 * required inter-pod (anti-)affinity. Among feasible nodes it picks the least loaded one.
 */
import type { Json, JsonObject, KubeObject } from './json.js';
import { isObject, str } from './json.js';
import { quantity } from './quantity.js';

/** What the scheduler asks about the cluster. */
export interface SchedulingView {
  nodes: readonly KubeObject[];
  /** Pods bound to a node and not finished. */
  podsOn(node: string): readonly KubeObject[];
  /** Bound, unfinished pods of one namespace (inter-pod affinity). */
  podsIn(namespace: string): readonly KubeObject[];
  /** A PVC's phase, or undefined when it does not exist. */
  claimPhase(namespace: string, name: string): string | undefined;
}

export type Placement = { node: string } | { unschedulable: string };

const objs = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const strings = (v: Json | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function labels(o: JsonObject): Record<string, string> {
  const m = isObject(o.metadata) ? o.metadata : {};
  const l = isObject(m.labels) ? m.labels : {};
  return Object.fromEntries(Object.entries(l).map(([k, v]) => [k, String(v)]));
}

function matchExpression(values: Record<string, string>, e: JsonObject): boolean {
  const key = str(e, 'key') ?? '';
  const v = values[key];
  const wanted = strings(e.values);
  switch (str(e, 'operator')) {
    case 'In':
      return v !== undefined && wanted.includes(v);
    case 'NotIn':
      return v === undefined || !wanted.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
      return v !== undefined && Number(v) > Number(wanted[0]);
    case 'Lt':
      return v !== undefined && Number(v) < Number(wanted[0]);
    default:
      return false;
  }
}

/** A metav1.LabelSelector (matchLabels and matchExpressions) against labels. */
export function selectorMatches(selector: Json | undefined, values: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const ml = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(ml)) if (values[k] !== String(v)) return false;
  return objs(selector.matchExpressions).every((e) => matchExpression(values, e));
}

function nodeAffinityMatches(spec: JsonObject, node: KubeObject): boolean {
  const nodeLabels = labels(node);
  const selector = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
  for (const [k, v] of Object.entries(selector)) if (nodeLabels[k] !== String(v)) return false;
  const affinity =
    isObject(spec.affinity) && isObject(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : {};
  const required = isObject(affinity.requiredDuringSchedulingIgnoredDuringExecution)
    ? affinity.requiredDuringSchedulingIgnoredDuringExecution
    : undefined;
  if (!required) return true;
  const fields = { 'metadata.name': str(node.metadata, 'name') ?? '' };
  return objs(required.nodeSelectorTerms).some(
    (term) =>
      (objs(term.matchExpressions).length > 0 || objs(term.matchFields).length > 0) &&
      objs(term.matchExpressions).every((e) => matchExpression(nodeLabels, e)) &&
      objs(term.matchFields).every((e) => matchExpression(fields, e)),
  );
}

function tolerates(tolerations: JsonObject[], taint: JsonObject): boolean {
  return tolerations.some((t) => {
    const effect = str(t, 'effect');
    if (effect && effect !== str(taint, 'effect')) return false;
    const key = str(t, 'key');
    if (str(t, 'operator') === 'Exists') return !key || key === str(taint, 'key');
    return key === str(taint, 'key') && (str(t, 'value') ?? '') === (str(taint, 'value') ?? '');
  });
}

/** The pod's effective request per resource (containers summed, init containers as a maximum). */
export function podRequests(pod: KubeObject): Map<string, number> {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const of = (c: JsonObject): Record<string, number> => {
    const r = isObject(c.resources) ? c.resources : {};
    const req = isObject(r.requests) ? r.requests : isObject(r.limits) ? r.limits : {};
    return Object.fromEntries(Object.entries(req).map(([k, v]) => [k, quantity(v)]));
  };
  const total = new Map<string, number>();
  for (const c of objs(spec.containers))
    for (const [k, v] of Object.entries(of(c))) total.set(k, (total.get(k) ?? 0) + v);
  for (const c of objs(spec.initContainers))
    for (const [k, v] of Object.entries(of(c))) total.set(k, Math.max(total.get(k) ?? 0, v));
  const overhead = isObject(spec.overhead) ? spec.overhead : {};
  for (const [k, v] of Object.entries(overhead)) total.set(k, (total.get(k) ?? 0) + quantity(v));
  return total;
}

function hostPorts(pod: KubeObject): string[] {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const out: string[] = [];
  for (const c of objs(spec.containers))
    for (const p of objs(c.ports)) {
      const port = typeof p.hostPort === 'number' && p.hostPort > 0 ? p.hostPort : undefined;
      const host =
        port ??
        (spec.hostNetwork === true && typeof p.containerPort === 'number' ? p.containerPort : undefined);
      if (host !== undefined)
        out.push(`${str(p, 'protocol') ?? 'TCP'}/${str(p, 'hostIP') ?? '0.0.0.0'}/${host}`);
    }
  return out;
}

function affinityTerms(spec: JsonObject, kind: 'podAffinity' | 'podAntiAffinity'): JsonObject[] {
  const a = isObject(spec.affinity) && isObject(spec.affinity[kind]) ? spec.affinity[kind] : {};
  return objs(a.requiredDuringSchedulingIgnoredDuringExecution);
}

function termSelects(term: JsonObject, pod: KubeObject, namespace: string, other: KubeObject): boolean {
  const namespaces = strings(term.namespaces);
  const otherNs = str(other.metadata, 'namespace') ?? '';
  if (namespaces.length > 0 ? !namespaces.includes(otherNs) : otherNs !== namespace) return false;
  if (str(other.metadata, 'uid') === str(pod.metadata, 'uid')) return false;
  return selectorMatches(term.labelSelector, labels(other));
}

/** Decides a node for the pod, or the FailedScheduling message when none fits. */
export function schedule(pod: KubeObject, view: SchedulingView): Placement {
  const spec = isObject(pod.spec) ? pod.spec : {};
  const namespace = str(pod.metadata, 'namespace') ?? '';
  const total = view.nodes.length;
  const whole = (reason: string): Placement => ({
    unschedulable: `0/${total} nodes are available: ${reason}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`,
  });
  for (const v of objs(spec.volumes)) {
    const claim = isObject(v.persistentVolumeClaim) ? str(v.persistentVolumeClaim, 'claimName') : undefined;
    if (claim === undefined) continue;
    const phase = view.claimPhase(namespace, claim);
    if (phase === undefined) return whole(`persistentvolumeclaim "${claim}" not found`);
    if (phase !== 'Bound') return whole('pod has unbound immediate PersistentVolumeClaims');
  }
  const tolerations = objs(spec.tolerations);
  const requests = podRequests(pod);
  const ports = hostPorts(pod);
  const anti = affinityTerms(spec, 'podAntiAffinity');
  const affinity = affinityTerms(spec, 'podAffinity');
  const reasons = new Map<string, number>();
  let resourceFailures = 0;
  const feasible: { name: string; load: number }[] = [];
  const nodeByName = new Map(view.nodes.map((n) => [str(n.metadata, 'name') ?? '', n]));
  const topology = (nodeName: string | undefined, key: string): string | undefined =>
    nodeName === undefined ? undefined : labels(nodeByName.get(nodeName) ?? { metadata: {} })[key];
  for (const node of view.nodes) {
    const name = str(node.metadata, 'name') ?? '';
    const nodeSpec = isObject(node.spec) ? node.spec : {};
    const fail: string[] = [];
    const taints = objs(nodeSpec.taints).filter((t) =>
      ['NoSchedule', 'NoExecute'].includes(str(t, 'effect') ?? ''),
    );
    const untolerated = taints.find((t) => !tolerates(tolerations, t));
    const onNode = view.podsOn(name);
    if (
      nodeSpec.unschedulable === true &&
      !tolerates(tolerations, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' })
    )
      fail.push('node(s) were unschedulable');
    else if (untolerated)
      fail.push(
        `node(s) had untolerated taint {${str(untolerated, 'key') ?? ''}: ${str(untolerated, 'value') ?? ''}}`,
      );
    else if (!nodeAffinityMatches(spec, node)) fail.push("node(s) didn't match Pod's node affinity/selector");
    else if (ports.length > 0 && onNode.some((p) => hostPorts(p).some((hp) => ports.includes(hp))))
      fail.push("node(s) didn't have free ports for the requested pod ports");
    else {
      const status = isObject(node.status) ? node.status : {};
      const allocatable = isObject(status.allocatable) ? status.allocatable : {};
      if (onNode.length + 1 > quantity(allocatable.pods ?? '110')) fail.push('Too many pods');
      for (const [resource, wanted] of requests) {
        if (wanted <= 0) continue;
        const used = onNode.reduce((sum, p) => sum + (podRequests(p).get(resource) ?? 0), 0);
        if (used + wanted > quantity(allocatable[resource] ?? 0)) fail.push(`Insufficient ${resource}`);
      }
      if (fail.length > 0) resourceFailures++;
      else {
        const peers = anti.length > 0 || affinity.length > 0 ? view.podsIn(namespace) : [];
        const antiHit = anti.some((term) => {
          const key = str(term, 'topologyKey') ?? '';
          const here = labels(node)[key];
          return (
            here !== undefined &&
            peers.some(
              (p) =>
                termSelects(term, pod, namespace, p) &&
                topology(str(p.spec as JsonObject, 'nodeName'), key) === here,
            )
          );
        });
        const affinityMiss = affinity.some((term) => {
          const key = str(term, 'topologyKey') ?? '';
          const here = labels(node)[key];
          const matching = peers.filter((p) => termSelects(term, pod, namespace, p));
          // The first pod of a group that selects itself may go anywhere, as upstream allows.
          if (matching.length === 0 && selectorMatches(term.labelSelector, labels(pod))) return false;
          return !matching.some(
            (p) => here !== undefined && topology(str(p.spec as JsonObject, 'nodeName'), key) === here,
          );
        });
        if (antiHit) fail.push("node(s) didn't match pod anti-affinity rules");
        else if (affinityMiss) fail.push("node(s) didn't match pod affinity rules");
      }
    }
    if (fail.length === 0) feasible.push({ name, load: onNode.length });
    for (const f of fail) reasons.set(f, (reasons.get(f) ?? 0) + 1);
  }
  if (feasible.length > 0) {
    feasible.sort((a, b) => a.load - b.load || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { node: feasible[0]!.name };
  }
  const histogram = [...reasons.entries()]
    .map(([reason, n]) => `${n} ${reason}`)
    .sort((a, b) => {
      const ra = a.slice(a.indexOf(' ') + 1);
      const rb = b.slice(b.indexOf(' ') + 1);
      return ra < rb ? -1 : ra > rb ? 1 : 0;
    })
    .join(', ');
  const preemption = [
    ...(resourceFailures > 0 ? [`${resourceFailures} No preemption victims found for incoming pod`] : []),
    ...(total - resourceFailures > 0
      ? [`${total - resourceFailures} Preemption is not helpful for scheduling`]
      : []),
  ].join(', ');
  return {
    unschedulable: `0/${total} nodes are available: ${histogram}. preemption: 0/${total} nodes are available: ${preemption}.`,
  };
}
