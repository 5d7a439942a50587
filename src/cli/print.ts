/**
 * How results are printed by more than one verb: kpm's per-object result table (deploy, rollback,
 * remove), the one line saying what a deploy or rollback did, a registry verb's table or data,
 * and what a release writes outside its namespace (diff).
 */
import { ClusterError, ConflictError, NotReadyError, StackanetesError } from '../errors.js';
import type { AppliedRun } from '../actions/cluster.js';
import type { CliEnv } from './env.js';
import { formatData, formatTable, paint, type OutputFormat, type Writer } from './output.js';

/** Row shape the deploy-like verbs print. */
export interface TableRow {
  package: string;
  version: string;
  kind: string;
  name: string;
  namespace: string;
  status: string;
}

const STATUS_COLOUR: Record<string, 'green' | 'yellow' | 'red' | 'cyan' | 'dim'> = {
  created: 'green',
  updated: 'yellow',
  replaced: 'yellow',
  deleted: 'red',
  failed: 'red',
  protected: 'cyan',
  unchanged: 'dim',
};

/** kpm's result table: package, version, kind, name, namespace, status. */
export function printRows(writer: Writer, rows: readonly TableRow[]): void {
  if (rows.length === 0) return;
  const table = formatTable(
    ['package', 'version', 'kind', 'name', 'namespace', 'status'],
    rows.map((r) => [r.package, r.version, r.kind, r.name, r.namespace, r.status]),
  );
  const lines = table.split('\n');
  writer.out(
    lines
      .map((line, i) => {
        const status = i === 0 ? undefined : rows[i - 1]?.status;
        const colour = status ? STATUS_COLOUR[status] : undefined;
        return colour ? line.replace(/\S+$/, (s) => paint(writer, colour, s)) : line;
      })
      .join('\n'),
  );
}

/** What printApplied needs of a deploy or rollback result. */
export interface AppliedResult {
  release: string;
  namespace: string;
  revision?: number;
  outcome: 'deployed' | 'unchanged' | 'failed' | 'dry-run';
  rows: readonly TableRow[];
}

/**
 * Table output: the rows, then one line saying what happened (`deployed`/`unchanged` say it in
 * the verb's words); JSON/YAML output: the whole result.
 */
export function printApplied(
  writer: Writer,
  format: OutputFormat,
  result: AppliedResult,
  says: { deployed: string; unchanged: string },
): void {
  if (format !== 'table') {
    writer.out(formatData(result, format));
    return;
  }
  printRows(writer, result.rows);
  const where = `release ${result.release} in namespace ${result.namespace}`;
  if (result.outcome === 'deployed') writer.out(`${where}: ${says.deployed}`);
  else if (result.outcome === 'unchanged') writer.out(`${where}: ${says.unchanged}`);
  else if (result.outcome === 'dry-run') writer.out(`${where}: dry run, nothing changed`);
}

/** Prints `data` as JSON/YAML, or the table text for `table`. */
export function printResult(env: CliEnv, format: OutputFormat, data: unknown, table: () => string): void {
  env.writer.out(format === 'table' ? table() : formatData(data, format));
}

/** The exit code of an interrupted deploy, as shells report a SIGINT: 128 + 2. */
export const EXIT_INTERRUPTED = 130;

/** The exit error for a failed deploy or rollback: not ready (its own exit code) or a cluster error. */
export function throwIfFailed(result: AppliedRun): void {
  if (!result.failure) return;
  const revision = result.revision
    ? ` (revision ${result.revision} marked failed${result.failure.interrupted ? ': interrupted' : ''})`
    : '';
  const options = result.failure.hint ? { hint: result.failure.hint } : {};
  const message = `${result.failure.message}${revision}`;
  if (result.failure.interrupted)
    throw new StackanetesError(message, { ...options, exitCode: EXIT_INTERRUPTED });
  if (result.failure.conflict) throw new ConflictError(message, options);
  throw result.failure.notReady.length > 0
    ? new NotReadyError(message, options)
    : new ClusterError(message, options);
}

/** What diff reports of the scope (see DiffResult.scope). */
export interface ScopeSummary {
  namespace: string;
  cluster: string[];
  namespaces: Record<string, string[]>;
  /** Flags deploy still needs. */
  needs: string[];
}

/** The lines diff prints about the scope; nothing when the release stays in its namespace. */
export function printScope(writer: Writer, scope: ScopeSummary | undefined): void {
  if (!scope) return;
  const outside = Object.entries(scope.namespaces);
  if (scope.cluster.length === 0 && outside.length === 0) return;
  writer.out(`Scope: writes outside namespace ${scope.namespace}:`);
  if (scope.cluster.length > 0) writer.out(`  cluster-scoped: ${scope.cluster.join(', ')}`);
  for (const [ns, objects] of outside) writer.out(`  namespace ${ns}: ${objects.join(', ')}`);
  writer.out(
    scope.needs.length > 0
      ? `  deploy needs ${scope.needs.join(' ')} (not yet allowed for this release)`
      : '  already allowed for this release',
  );
}
