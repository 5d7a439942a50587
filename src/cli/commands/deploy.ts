/**
 * `stackanetes deploy REF`: flags to options, the action's rows to kpm's result table. Also the
 * flag helpers every cluster verb shares (kubectl's --kubeconfig/--context/--namespace, the
 * render inputs of `generate`), so the verbs agree on spelling and meaning.
 */
import type { Command } from 'commander';
import { ClusterError, ConflictError, NotReadyError, StackanetesError, UsageError } from '../../errors.js';
import type { ApplyOptions, DeployResult } from '../../actions/deploy.js';
import type { CliEnv } from '../env.js';
import { parseDuration as parseDurationText } from '../../util/duration.js';
import {
  formatData,
  formatTable,
  paint,
  parseOutputFormat,
  type OutputFormat,
  type Writer,
} from '../output.js';
import { checkNamespaceFlag } from '../namespace.js';
import { addScopeFlags, scopeOptions, type ScopeFlagValues } from '../scope.js';
import { addQuietFlag, progressOptions, withProgress } from '../progress.js';

/** Appends repeatable option values (`--set a=1 --set b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** kubectl's connection flags. */
export function addClusterFlags(command: Command): Command {
  return command
    .option(
      '--kubeconfig <file>',
      'kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)',
    )
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .option('-n, --namespace <ns>', "target namespace (default: the context's namespace, then default)");
}

/** The render inputs `generate` takes. */
export function addRenderFlags(command: Command): Command {
  return command
    .option('--variables <file>', 'YAML file of parameters (repeatable; later files win)', collect, [])
    .option('--set <path=value>', 'set one parameter (repeatable; after the files)', collect, [])
    .option('--release <name>', 'release name (default: the name part of the root package)')
    .option('--registry <url>', 'registry to resolve package references against')
    .option('--locked', 'resolve exactly the versions and digests recorded in stackanetes.lock')
    .option('--in-channel <channel>', 'refuse a root release that is not in this registry channel');
}

export interface ClusterFlagValues {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface RenderFlagValues {
  variables: string[];
  set: string[];
  release?: string;
  registry?: string;
  locked?: boolean;
  inChannel?: string;
}

/** The access and render parts of an action's options, from parsed flags. */
export function accessOptions(flags: ClusterFlagValues): {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  env: NodeJS.ProcessEnv;
} {
  const out: { kubeconfig?: string; context?: string; namespace?: string; env: NodeJS.ProcessEnv } = {
    env: process.env,
  };
  if (flags.kubeconfig) out.kubeconfig = flags.kubeconfig;
  if (flags.context) out.context = flags.context;
  if (flags.namespace !== undefined) out.namespace = checkNamespaceFlag(flags.namespace);
  return out;
}

export function renderOptions(
  reference: string,
  flags: RenderFlagValues,
): {
  reference: string;
  variableFiles: string[];
  sets: string[];
  release?: string;
  registry?: string;
  locked?: boolean;
  inChannel?: string;
  cwd: string;
} {
  return {
    reference,
    variableFiles: flags.variables,
    sets: flags.set,
    cwd: process.cwd(),
    ...(flags.release ? { release: flags.release } : {}),
    ...(flags.registry ? { registry: flags.registry } : {}),
    ...(flags.locked ? { locked: true } : {}),
    ...(flags.inChannel ? { inChannel: flags.inChannel } : {}),
  };
}

/** Parses `90s`, `5m`, `1h30m`, `500ms` or plain seconds into milliseconds. */
export function parseDuration(value: string, flag = '--timeout'): number {
  const total = parseDurationText(value, { bareSeconds: true });
  if (total === undefined)
    throw new UsageError(`${flag} ${JSON.stringify(value)} is not a duration`, {
      hint: 'write it like 90s, 5m or 1h30m',
    });
  if (total <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)} must be longer than zero`);
  return Math.round(total);
}

export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError(`--concurrency ${JSON.stringify(value)} is not a whole number between 1 and 256`);
  }
  return n;
}

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

/** Help texts that differ between the verbs taking the apply flags. */
export interface ApplyFlagHelp {
  timeout: string;
  force: string;
  pruneProtected: string;
}

/** The apply flags deploy and rollback share, then `-o`, so both spell and default them alike. */
export function addApplyFlags(command: Command, help: ApplyFlagHelp): Command {
  return command
    .option('--dry-run', 'ask the server what would change, change nothing')
    .option('--wait', 'wait for what each package and object depends on to be ready before applying it', true)
    .option('--no-wait', 'apply everything without waiting for readiness')
    .option('--timeout <duration>', help.timeout, '15m')
    .option(
      '--concurrency <n>',
      'requests in flight at the same time (independent packages deploy side by side)',
      '16',
    )
    .option('--force', help.force)
    .option('--prune-protected', help.pruneProtected)
    .option('-o, --output <format>', 'table, json or yaml', 'table');
}

export interface ApplyFlagValues {
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
  concurrency: string;
  force?: boolean;
  pruneProtected?: boolean;
  output: string;
}

/** The apply part of a deploy or rollback action's options; bad --timeout/--concurrency fail here. */
export function applyOptions(
  flags: ApplyFlagValues,
): Required<Omit<ApplyOptions, 'progress' | 'now' | 'signal' | 'adopt'>> {
  const timeoutMs = parseDuration(flags.timeout);
  const concurrency = parseConcurrency(flags.concurrency);
  return {
    dryRun: flags.dryRun ?? false,
    wait: flags.wait,
    timeoutMs,
    concurrency,
    force: flags.force ?? false,
    pruneProtected: flags.pruneProtected ?? false,
  };
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

/** The exit code of an interrupted deploy, as shells report a SIGINT: 128 + 2. */
export const EXIT_INTERRUPTED = 130;

/**
 * Runs `work` with an AbortSignal that SIGINT or SIGTERM aborts: the deploy then starts no new
 * work, lets requests in flight finish and marks its revision. A second signal exits at once.
 */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The exit error for a failed deploy or rollback: not ready (its own exit code) or a cluster error. */
export function throwIfFailed(result: DeployResult): void {
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

interface DeployFlags extends ClusterFlagValues, RenderFlagValues, ApplyFlagValues, ScopeFlagValues {
  quiet?: boolean;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('deploy')
    .description(
      'deploy a package (and its dependencies) to a namespace with server-side apply, and record a release revision',
    )
    .argument(
      '<ref>',
      'package directory, .tar.gz, registry reference (ns/name[@version|:channel]) or rendered manifest file (.yaml)',
    );
  addApplyFlags(addQuietFlag(addScopeFlags(addRenderFlags(addClusterFlags(command)))), {
    timeout: 'how long the whole deploy may take to be ready',
    force: 'delete and recreate objects whose immutable fields changed (Jobs are replaced without it)',
    pruneProtected:
      'also delete Namespaces, PersistentVolumeClaims and CustomResourceDefinitions the release no longer renders',
  })
    .option('--adopt', 'take over existing objects the package renders that no release owns')
    .action(async (ref: string, flags: DeployFlags & { adopt?: boolean }) => {
      const format: OutputFormat = parseOutputFormat(flags.output);
      const apply = applyOptions(flags);
      const result = await withInterrupt((signal) =>
        withProgress(env.writer, progressOptions(format, flags), async (progress) => {
          const { deploy } = await import('../../actions/deploy.js');
          return deploy({
            ...accessOptions(flags),
            ...renderOptions(ref, flags),
            ...apply,
            ...scopeOptions(flags),
            ...(flags.adopt ? { adopt: true } : {}),
            signal,
            progress,
          });
        }),
      );
      printApplied(env.writer, format, result, {
        deployed: `revision ${result.revision} deployed`,
        unchanged: 'unchanged, no revision written',
      });
      if (format === 'table' && env.debug)
        env.writer.err(
          `requests: ${result.requests.total} (${result.requests.writes} writes, ${result.requests.retries} retries)`,
        );
      throwIfFailed(result);
    });
}
