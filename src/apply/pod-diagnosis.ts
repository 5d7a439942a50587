/**
 * Why a workload is not ready, in the kubelet's and the scheduler's words: its Pods' waiting
 * reasons (CreateContainerConfigError, InvalidImageName, CrashLoopBackOff, …), an unschedulable
 * Pod's FailedScheduling message, and the Warning events of the Pods and of their claims
 * (FailedMount, ProvisioningFailed). A timed-out deploy then says what to fix instead of only
 * "0 of 1 ready". One LIST of Pods, claims and Events per namespace, whatever the number of
 * workloads.
 */
import type { KubeObject } from '../model/types.js';
import type { KubeClient } from '../kube/client.js';
import { objectKey, type ObjectRef } from '../kube/objects.js';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface ContainerStatus {
  name: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; message?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; message?: string; exitCode?: number } };
  ready?: boolean;
}

interface PodView {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid?: string; kind?: string; name?: string }[];
  };
  spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

interface EventView {
  involvedObject?: { kind?: string; name?: string };
  type?: string;
  reason?: string;
  message?: string;
  lastTimestamp?: string | null;
}

const workloadKinds = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const quietWaits = new Set(['ContainerCreating', 'PodInitializing']);

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((e) => {
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        return v !== undefined && (e.values ?? []).includes(v);
      case 'NotIn':
        return v === undefined || !(e.values ?? []).includes(v);
      case 'Exists':
        return v !== undefined;
      case 'DoesNotExist':
        return v === undefined;
      default:
        return false;
    }
  });
}

function latestWarning(events: readonly EventView[], kind: string, name: string): EventView | undefined {
  return events
    .filter((e) => e.type === 'Warning' && e.involvedObject?.kind === kind && e.involvedObject.name === name)
    .sort((a, b) => String(a.lastTimestamp ?? '').localeCompare(String(b.lastTimestamp ?? '')))
    .pop();
}

/** The one-line problem of a pod, or undefined when nothing about it looks wrong. */
export function podProblem(pod: PodView, events: readonly EventView[]): string | undefined {
  const status = pod.status ?? {};
  const scheduled = (status.conditions ?? []).find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    const claims = (pod.spec?.volumes ?? [])
      .map((v) => v.persistentVolumeClaim?.claimName)
      .filter((c): c is string => c !== undefined);
    const claimEvent = claims
      .map((c) => ({ c, e: latestWarning(events, 'PersistentVolumeClaim', c) }))
      .find((x) => x.e !== undefined);
    const why = `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim();
    return claimEvent
      ? `${why}; PersistentVolumeClaim ${claimEvent.c}: ${claimEvent.e!.reason ?? ''}: ${claimEvent.e!.message ?? ''}`
      : why;
  }
  for (const c of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && !quietWaits.has(waiting.reason)) {
      const last = c.lastState?.terminated?.message;
      const detail = waiting.reason === 'CrashLoopBackOff' && last ? last : waiting.message;
      return `container ${c.name}: ${waiting.reason}${detail ? ` (${detail})` : ''}`;
    }
    const terminated = c.state?.terminated;
    if (terminated && terminated.exitCode !== 0 && status.phase === 'Failed')
      return `container ${c.name}: ${terminated.reason ?? 'Error'} (exit code ${terminated.exitCode ?? '?'})${terminated.message ? `: ${terminated.message}` : ''}`;
  }
  const warning = latestWarning(events, 'Pod', pod.metadata.name);
  if (warning && (status.phase === 'Pending' || !(status.containerStatuses ?? []).every((c) => c.ready)))
    return `${warning.reason ?? 'Warning'}: ${warning.message ?? ''}`;
  return undefined;
}

/**
 * For each workload among `refs`, the first problem found among its Pods, as
 * `pod <name>: <problem>` (keyed by objectKey). Workloads whose Pods show no problem are absent.
 */
export async function diagnosePods(
  client: KubeClient,
  refs: readonly ObjectRef[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const wanted = refs.filter((r) => workloadKinds.has(r.kind) && r.namespace);
  const namespaces = [...new Set(wanted.map((r) => r.namespace as string))];
  await Promise.all(
    namespaces.map(async (ns) => {
      const [pods, events, workloads] = await Promise.all([
        client.list('v1', 'Pod', ns) as Promise<unknown[]> as Promise<PodView[]>,
        client.list('v1', 'Event', ns) as Promise<unknown[]> as Promise<EventView[]>,
        Promise.all(
          wanted.filter((r) => r.namespace === ns).map(async (r) => ({ r, o: await client.get(r) })),
        ),
      ]);
      for (const { r, o } of workloads) {
        if (!o) continue;
        const selector = (o as KubeObject & { spec?: { selector?: Selector } }).spec?.selector;
        const uid = (o.metadata as { uid?: string }).uid;
        const mine = pods.filter(
          (p) =>
            selects(selector, p.metadata.labels ?? {}) ||
            (p.metadata.ownerReferences ?? []).some((ref) => uid !== undefined && ref.uid === uid),
        );
        const problems = mine
          .map((p) => ({ p, problem: podProblem(p, events) }))
          .filter((x) => x.problem !== undefined);
        const first = problems[0];
        if (first) {
          const more =
            problems.length > 1
              ? ` (and ${problems.length - 1} more pod${problems.length > 2 ? 's' : ''})`
              : '';
          out.set(objectKey(r), `pod ${first.p.metadata.name}: ${first.problem}${more}`);
        } else if (mine.length === 0 && r.kind !== 'Job') {
          const warning = latestWarning(events, r.kind, r.name);
          if (warning) out.set(objectKey(r), `no pods: ${warning.reason ?? ''}: ${warning.message ?? ''}`);
        }
      }
    }),
  );
  return out;
}
