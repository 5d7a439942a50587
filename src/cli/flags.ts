/**
 * Every flag more than one verb takes, declared once so the verbs agree on spelling, short
 * forms and meaning: kubectl's cluster flags, the render inputs of `generate`, the apply flags
 * of deploy and rollback, deploy's scope flags, `--quiet`, `--registry`, and `-o, --output` (the
 * same short flag on every verb).
 * Values are checked while commander parses (`argParser`), before any work starts.
 */
import { parseDuration as parseDurationText } from '../util/duration.js';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import type { ApplyOptions, RenderInputs } from '../actions/cluster.js';
import type { ClusterAccess } from '../actions/context.js';
import { checkNamespaceFlag } from './namespace.js';

/** Appends repeatable option values (`--set a=1 --set b=2`), in command-line order (the precedence order). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * `-o, --output <format>` with the formats a verb prints. A value outside them is a usage error
 * naming the formats (and `hint`, for verbs where `-o` once meant a directory).
 */
export function outputOption<F extends string>(formats: readonly F[], fallback: F, hint?: string): Option {
  const listed = `${formats.slice(0, -1).join(', ')} or ${formats[formats.length - 1] ?? ''}`;
  return new Option('-o, --output <format>', listed).default(fallback).argParser((value: string): F => {
    if ((formats as readonly string[]).includes(value)) return value as F;
    throw new UsageError(`--output ${JSON.stringify(value)} is not a known format`, {
      hint: `use one of ${formats.join(', ')}${hint ? `; ${hint}` : ''}`,
    });
  });
}

/** The formats of the verbs that print a table or data. */
export const TABLE_FORMATS = ['table', 'json', 'yaml'] as const;
export type TableFormat = (typeof TABLE_FORMATS)[number];

/** `-o, --output table|json|yaml`, table by default. */
export function tableOutput(): Option {
  return outputOption(TABLE_FORMATS, 'table');
}

export function addTableOutput(command: Command): Command {
  return command.addOption(tableOutput());
}

/** `--registry`, as the registry verbs describe it. */
export function addRegistryFlag(command: Command): Command {
  return command.option(
    '--registry <url>',
    'registry URL, host or name from config.yaml (default: $STACKANETES_REGISTRY, then config.yaml)',
  );
}

/** `{ registry }` when the flag was given, for spreading into action options. */
export function registryOption(flags: { registry?: string }): { registry?: string } {
  return flags.registry ? { registry: flags.registry } : {};
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

export interface ClusterFlagValues {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** The cluster the connection flags name; a bad --namespace fails here. */
export function clusterAccess(flags: ClusterFlagValues): ClusterAccess {
  return {
    ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    ...(flags.namespace !== undefined ? { namespace: checkNamespaceFlag(flags.namespace) } : {}),
  };
}

/** `--variables` and `--set`: the user's parameters, in precedence order. */
export function addParameterFlags(command: Command): Command {
  return command
    .option('--variables <file>', 'YAML file of parameters (repeatable; later files win)', collect, [])
    .option('--set <path=value>', 'set one parameter (repeatable; after the files)', collect, []);
}

/** How a reference is resolved and named: --release, --registry, --locked, --in-channel. */
export function addResolveFlags(command: Command): Command {
  return command
    .option('--release <name>', 'release name (default: the name part of the root package)')
    .option('--registry <url>', 'registry to resolve package references against')
    .option('--locked', 'resolve exactly the versions and digests recorded in stackanetes.lock')
    .option('--in-channel <channel>', 'refuse a root release that is not in this registry channel');
}

/** The render inputs `generate` takes (and deploy, diff and remove with it). */
export function addRenderFlags(command: Command): Command {
  return addResolveFlags(addParameterFlags(command));
}

export interface RenderFlagValues {
  variables: string[];
  set: string[];
  release?: string;
  registry?: string;
  locked?: boolean;
  inChannel?: string;
}

/** The render part of an action's options, from the render flags. */
export function renderInputs(reference: string, flags: RenderFlagValues): RenderInputs {
  return {
    reference,
    variableFiles: flags.variables,
    sets: flags.set,
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

/** `--concurrency <n>` with the verb's help text; 16 unless given. */
export function addConcurrencyFlag(command: Command, help: string): Command {
  return command.option('--concurrency <n>', help, '16');
}

/** Help texts that differ between the verbs taking the apply flags. */
export interface ApplyFlagHelp {
  timeout: string;
  force: string;
  pruneProtected: string;
}

/** The apply flags deploy and rollback share, then `-o`, so both spell and default them alike. */
export function addApplyFlags(command: Command, help: ApplyFlagHelp): Command {
  command
    .option('--dry-run', 'ask the server what would change, change nothing')
    .option('--wait', 'wait for what each package and object depends on to be ready before applying it', true)
    .option('--no-wait', 'apply everything without waiting for readiness')
    .option('--timeout <duration>', help.timeout, '15m');
  return addTableOutput(
    addConcurrencyFlag(
      command,
      'requests in flight at the same time (independent packages deploy side by side)',
    )
      .option('--force', help.force)
      .option('--prune-protected', help.pruneProtected),
  );
}

export interface ApplyFlagValues {
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
  concurrency: string;
  force?: boolean;
  pruneProtected?: boolean;
  output: TableFormat;
}

/** The apply part of a deploy or rollback action's options; bad --timeout/--concurrency fail here. */
export function applyOptions(flags: ApplyFlagValues): Required<Omit<ApplyOptions, 'adopt'>> {
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

/** `--release NAME` for verbs that work on a deployed release without a package reference. */
export function addReleaseFlag(command: Command): Command {
  return command.option('--release <name>', 'release name (default: the only release in the namespace)');
}

/** deploy's scope flags: what it may write outside its namespace. */
export interface ScopeFlagValues {
  allowClusterScope?: boolean;
  allowNamespace?: string[];
}

export function addScopeFlags(command: Command): Command {
  return command
    .option('--allow-cluster-scope', 'let the release write the cluster-scoped objects its packages declare')
    .option(
      '--allow-namespace <ns>',
      'let the release write into this other namespace, as its packages declare (repeatable)',
      (value: string, previous: string[] = []) => [...previous, value],
      [],
    );
}

/** The deploy options the flags stand for; each namespace is checked like --namespace. */
export function scopeOptions(flags: ScopeFlagValues): {
  allowClusterScope?: boolean;
  allowNamespaces?: string[];
} {
  const namespaces = (flags.allowNamespace ?? []).map(checkNamespaceFlag);
  return {
    ...(flags.allowClusterScope ? { allowClusterScope: true } : {}),
    ...(namespaces.length > 0 ? { allowNamespaces: namespaces } : {}),
  };
}

/** `--quiet`: no spinners and no per-wave lines, only the result. */
export function addQuietFlag(command: Command): Command {
  return command.option('-q, --quiet', 'print only the result: no progress, not even per-wave lines in logs');
}
