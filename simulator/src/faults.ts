/**
 * Fault injection: latency, a seeded error rate (500/503 by default), requests that never
 * answer, deterministic "fail the next N" rules, objects that never become ready and Jobs that
 * fail. Tests flip these at runtime on `simulator.faults`.
 */
import type { RequestFilter, RequestRecord } from './requests.js';
import { matchesFilter } from './requests.js';

/** A small deterministic PRNG (mulberry32) so fault patterns repeat for a given seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What fault (if any) a request gets. */
export type FaultDecision = { kind: 'none' } | { kind: 'error'; status: number } | { kind: 'timeout' };

interface FailRule {
  remaining: number;
  status: number;
  filter?: RequestFilter;
}

/** Mutable fault settings, consulted on every resource request. */
export class Faults {
  /** Added before answering each resource request. */
  latencyMs = 0;
  /** Probability (0..1) that a resource request fails with one of `errorStatuses`. */
  errorRate = 0;
  /** Statuses random errors pick from. */
  errorStatuses: number[] = [500, 503];
  /** Probability (0..1) that a resource request is never answered (until the client gives up). */
  timeoutRate = 0;
  /** Restricts random faults and latency to matching requests (e.g. `{ write: true }`). */
  only: RequestFilter | undefined;
  /** Whether /version, discovery and OpenAPI requests get faults too (off: clients can start). */
  includeDiscovery = false;

  private readonly never = new Set<string>();
  private readonly failing = new Set<string>();
  private rules: FailRule[] = [];
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = seededRandom(seed);
  }

  /** Keeps an object from ever becoming ready (it stays progressing / active / pending). */
  neverReady(kind: string, namespace: string | undefined, name: string): void {
    this.never.add(`${kind}/${namespace ?? ''}/${name}`);
  }

  /** Removes a never-ready mark (see `release` on the simulator, which also makes it ready). */
  unmarkNeverReady(kind: string, namespace: string | undefined, name: string): void {
    this.never.delete(`${kind}/${namespace ?? ''}/${name}`);
  }

  /** Whether an object was marked never-ready. */
  isNeverReady(kind: string, namespace: string | undefined, name: string): boolean {
    return this.never.has(`${kind}/${namespace ?? ''}/${name}`);
  }

  /** Makes a Job fail (BackoffLimitExceeded) instead of completing. */
  failJob(namespace: string, name: string): void {
    this.failing.add(`${namespace}/${name}`);
  }

  /** Whether a Job was told to fail. */
  jobFails(namespace: string | undefined, name: string): boolean {
    return this.failing.has(`${namespace ?? ''}/${name}`);
  }

  /** Fails the next `count` requests matching `filter` with `status` (default 503), in order. */
  failNext(count: number, options: { status?: number; filter?: RequestFilter } = {}): void {
    this.rules.push({
      remaining: count,
      status: options.status ?? 503,
      ...(options.filter ? { filter: options.filter } : {}),
    });
  }

  /** Back to no faults (and the PRNG restarted from the seed). */
  reset(): void {
    this.latencyMs = 0;
    this.errorRate = 0;
    this.errorStatuses = [500, 503];
    this.timeoutRate = 0;
    this.only = undefined;
    this.includeDiscovery = false;
    this.never.clear();
    this.failing.clear();
    this.rules = [];
    this.random = seededRandom(this.seed);
  }

  /** Latency to add to this request. */
  latencyFor(record: RequestRecord): number {
    if (record.verb === 'discovery' && !this.includeDiscovery) return 0;
    return matchesFilter(record, this.only) ? this.latencyMs : 0;
  }

  /** Decides the fault for one request (consuming a fail-next rule or a PRNG draw). */
  decide(record: RequestRecord): FaultDecision {
    if (record.verb === 'discovery' && !this.includeDiscovery) return { kind: 'none' };
    const rule = this.rules.find((r) => r.remaining > 0 && matchesFilter(record, r.filter));
    if (rule) {
      rule.remaining--;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return { kind: 'error', status: rule.status };
    }
    if (!matchesFilter(record, this.only)) return { kind: 'none' };
    if (this.timeoutRate > 0 && this.random() < this.timeoutRate) return { kind: 'timeout' };
    if (this.errorRate > 0 && this.random() < this.errorRate) {
      const statuses = this.errorStatuses.length > 0 ? this.errorStatuses : [500];
      return { kind: 'error', status: statuses[Math.floor(this.random() * statuses.length)]! };
    }
    return { kind: 'none' };
  }
}
