/**
 * The request log and counters tests assert on ("the deploy made exactly 3 writes", "the diff
 * was a dry run"). Every request is logged when it arrives; its status is filled in when answered.
 */

/** The Kubernetes verb a request maps to; `discovery` covers /version, /api*, /openapi. */
export type RequestVerb =
  'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'discovery';

/** One logged request. */
export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  /** HTTP status answered; 0 while unanswered (or for an injected timeout). */
  status: number;
  verb: RequestVerb;
  /** POST, PUT, PATCH or DELETE on a resource. */
  write: boolean;
  dryRun: boolean;
  /** The patch format for PATCH requests. */
  patchType?: 'json' | 'merge' | 'strategic' | 'apply';
  fieldManager?: string;
  /** Resource plural, namespace, name and subresource, when the path names them. */
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Set when fault injection answered instead of the API. */
  fault?: 'error' | 'timeout';
}

/** Criteria for counting requests; every given field must match. */
export interface RequestFilter {
  verb?: RequestVerb;
  method?: string;
  path?: RegExp;
  write?: boolean;
  dryRun?: boolean;
  resource?: string;
  namespace?: string;
  name?: string;
  patchType?: RequestRecord['patchType'];
  fieldManager?: string;
  status?: number;
  fault?: RequestRecord['fault'];
}

/** Whether a record matches a filter. */
export function matchesFilter(r: RequestRecord, f: RequestFilter | undefined): boolean {
  if (!f) return true;
  if (f.verb !== undefined && r.verb !== f.verb) return false;
  if (f.method !== undefined && r.method !== f.method.toUpperCase()) return false;
  if (f.path !== undefined && !f.path.test(r.path)) return false;
  if (f.write !== undefined && r.write !== f.write) return false;
  if (f.dryRun !== undefined && r.dryRun !== f.dryRun) return false;
  if (f.resource !== undefined && r.resource !== f.resource) return false;
  if (f.namespace !== undefined && r.namespace !== f.namespace) return false;
  if (f.name !== undefined && r.name !== f.name) return false;
  if (f.patchType !== undefined && r.patchType !== f.patchType) return false;
  if (f.fieldManager !== undefined && r.fieldManager !== f.fieldManager) return false;
  if (f.status !== undefined && r.status !== f.status) return false;
  if (f.fault !== undefined && r.fault !== f.fault) return false;
  return true;
}

/** The log with its counting helpers (exposed as `simulator.requests`). */
export class RequestLog {
  /** Every request since start or the last reset, oldest first. */
  readonly log: RequestRecord[] = [];

  /** Records a request (the server fills in `status` when it answers). */
  add(record: RequestRecord): RequestRecord {
    this.log.push(record);
    return record;
  }

  /** How many logged requests match the filter (all, without one). */
  count(filter?: RequestFilter): number {
    return this.log.filter((r) => matchesFilter(r, filter)).length;
  }

  /** The matching records, for assertions that need more than a count. */
  find(filter?: RequestFilter): RequestRecord[] {
    return this.log.filter((r) => matchesFilter(r, filter));
  }

  /** Forgets everything logged so far. */
  reset(): void {
    this.log.length = 0;
  }
}
