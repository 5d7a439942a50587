/**
 * When an applied object counts as ready, following `kubectl rollout status` and `kubectl wait`:
 * Deployments available at their current generation with every replica updated, StatefulSets and
 * DaemonSets ready and updated, Jobs complete (a failed Job fails at once), CRDs established.
 * Every other kind is ready as soon as the API server accepted it.
 */
import type { KubeObject } from '../model/types.js';
import { isPlainObject } from '../kube/objects.js';

export interface Readiness {
  ready: boolean;
  /** The object cannot become ready without a change (a failed Job). */
  failed: boolean;
  /** Why it is not ready, from its status and conditions; `ready` otherwise. */
  reason: string;
}

const WAITED_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CustomResourceDefinition']);

/** Whether deploy has to wait for this kind at all. */
export function needsWait(kind: string): boolean {
  return WAITED_KINDS.has(kind);
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditions(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
}

function condition(status: Record<string, unknown>, type: string): Condition | undefined {
  return conditions(status).find((c) => c.type === type);
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

const READY: Readiness = { ready: true, failed: false, reason: 'ready' };
const waiting = (reason: string): Readiness => ({ ready: false, failed: false, reason });

/** The conditions that are not True, as `Type=Status (Reason: message)`, for reports. */
export function describeConditions(object: KubeObject): string {
  const status = isPlainObject(object.status) ? object.status : {};
  return conditions(status)
    .filter((c) => c.status !== 'True' || c.type === 'Failed')
    .map(
      (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`,
    )
    .join('; ');
}

export function readiness(object: KubeObject): Readiness {
  const status = isPlainObject(object.status) ? object.status : {};
  const spec = isPlainObject(object.spec) ? object.spec : {};
  const generation = num(object.metadata.generation);
  const observed = num(status.observedGeneration);
  const stale = generation > 0 && observed < generation;
  switch (object.kind) {
    case 'Deployment': {
      if (stale) return waiting(`waiting for the controller to observe generation ${generation}`);
      // A paused Deployment does not roll out until resumed, so waiting could only time out;
      // the package asked for it to hold still (Helm skips it the same way).
      if (spec.paused === true) return READY;
      const progressing = condition(status, 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded') {
        return {
          ready: false,
          failed: true,
          reason: `progress deadline exceeded: ${progressing.message ?? ''}`.trim(),
        };
      }
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const updated = num(status.updatedReplicas);
      if (updated < replicas) return waiting(`${updated} of ${replicas} replicas updated`);
      if (num(status.replicas) > updated)
        return waiting(`${num(status.replicas) - updated} old replicas pending termination`);
      const available = num(status.availableReplicas);
      if (available < updated) return waiting(`${available} of ${updated} updated replicas available`);
      const cond = condition(status, 'Available');
      if (cond && cond.status !== 'True')
        return waiting(`not available: ${cond.reason ?? cond.status ?? ''}`);
      return READY;
    }
    case 'StatefulSet': {
      if (stale) return waiting(`waiting for the controller to observe generation ${generation}`);
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      const ready = num(status.readyReplicas);
      if (ready < replicas) return waiting(`${ready} of ${replicas} replicas ready`);
      // OnDelete: the controller never replaces pods itself, so "updated" cannot be waited for
      // (kubectl rollout status refuses it, Helm skips it); ready replicas are all there is.
      const strategy = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
      if (strategy.type === 'OnDelete') return READY;
      // A partitioned rolling update only moves the pods at or above the partition: the rest keep
      // the old revision on purpose, so currentRevision never catches up with updateRevision.
      const rolling = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
      const partition = Math.min(replicas, Math.max(0, num(rolling.partition)));
      const expected = replicas - partition;
      if (status.updatedReplicas !== undefined && num(status.updatedReplicas) < expected) {
        return waiting(
          `${num(status.updatedReplicas)} of ${expected} replicas updated${partition > 0 ? ` (partition ${partition})` : ''}`,
        );
      }
      if (
        partition === 0 &&
        status.updateRevision &&
        status.currentRevision &&
        status.updateRevision !== status.currentRevision
      ) {
        return waiting(`rolling out revision ${String(status.updateRevision)}`);
      }
      return READY;
    }
    case 'DaemonSet': {
      if (stale) return waiting(`waiting for the controller to observe generation ${generation}`);
      const desired = num(status.desiredNumberScheduled);
      const ready = num(status.numberReady);
      if (status.desiredNumberScheduled === undefined) return waiting('not scheduled yet');
      // OnDelete: pods are only replaced when someone deletes them, so "updated" never comes.
      const strategy = isPlainObject(spec.updateStrategy) ? spec.updateStrategy : {};
      if (
        strategy.type !== 'OnDelete' &&
        status.updatedNumberScheduled !== undefined &&
        num(status.updatedNumberScheduled) < desired
      ) {
        return waiting(`${num(status.updatedNumberScheduled)} of ${desired} pods updated`);
      }
      if (ready < desired) return waiting(`${ready} of ${desired} pods ready`);
      // Ready is not yet available while minReadySeconds runs (kubectl rollout status waits for it).
      if (status.numberAvailable !== undefined && num(status.numberAvailable) < desired)
        return waiting(`${num(status.numberAvailable)} of ${desired} pods available`);
      return READY;
    }
    case 'Job': {
      const failed = condition(status, 'Failed');
      if (failed?.status === 'True') {
        return {
          ready: false,
          failed: true,
          reason: `failed: ${failed.reason ?? ''}${failed.message ? ` ${failed.message}` : ''}`.trim(),
        };
      }
      if (condition(status, 'Complete')?.status === 'True') return READY;
      // A suspended Job runs no pods until someone resumes it: the package asked it to wait.
      if (spec.suspend === true) return READY;
      return waiting(
        `${num(status.succeeded)} of ${typeof spec.completions === 'number' ? spec.completions : 1} completions`,
      );
    }
    case 'CustomResourceDefinition': {
      if (condition(status, 'Established')?.status === 'True') return READY;
      // Names taken by another CRD: it stays unestablished until someone changes one of them.
      const names = condition(status, 'NamesAccepted');
      if (names?.status === 'False') {
        return {
          ready: false,
          failed: true,
          reason:
            `names not accepted: ${names.reason ?? ''}${names.message ? ` ${names.message}` : ''}`.trim(),
        };
      }
      return waiting('not established');
    }
    default:
      return READY;
  }
}
