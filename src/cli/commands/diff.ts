/**
 * `stackanetes diff REF`: the plan as unified YAML diffs per object and a summary line, exit code
 * as `kubectl diff`: 0 no changes, 1 changes, 2 error (any error, whatever its kind).
 */
import type { Command } from 'commander';
import { isStackanetesError, StackanetesError } from '../../errors.js';
import type { CliEnv } from '../env.js';
import { printScope } from '../print.js';
import { formatData, paint, type Writer } from '../output.js';
import { withProgress } from '../progress.js';
import { cliContext } from '../context.js';
import {
  addClusterFlags,
  addConcurrencyFlag,
  addRenderFlags,
  clusterAccess,
  outputOption,
  parseConcurrency,
  renderInputs,
  type ClusterFlagValues,
  type RenderFlagValues,
} from '../flags.js';

interface DiffFlags extends ClusterFlagValues, RenderFlagValues {
  concurrency: string;
  pruneProtected?: boolean;
  adopt?: boolean;
  output: 'text' | 'json' | 'yaml';
}

const VERB: Record<string, string> = {
  create: 'will be created',
  update: 'will be updated',
  replace: 'will be replaced (deleted and created again: its spec cannot change in place)',
  delete: 'will be deleted',
  protected: 'is no longer rendered but protected: kept',
};

function colourLine(writer: Writer, line: string): string {
  if (line.startsWith('@@')) return paint(writer, 'cyan', line);
  if (line.startsWith('+')) return paint(writer, 'green', line);
  if (line.startsWith('-')) return paint(writer, 'red', line);
  return line;
}

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('diff')
    .description('show what deploy would change, object by object (exit 0: no changes, 1: changes, 2: error)')
    .argument('<ref>', 'package directory, .tar.gz, registry reference or rendered manifest file (.yaml)');
  addConcurrencyFlag(addRenderFlags(addClusterFlags(command)), 'dry-run requests sent at the same time')
    .option('--prune-protected', 'count protected objects the release no longer renders as deletions')
    .option('--adopt', 'show what deploy --adopt would do with existing objects no release owns')
    .addOption(outputOption(['text', 'json', 'yaml'], 'text'))
    .action(async (ref: string, flags: DiffFlags) => {
      try {
        const format = flags.output;
        const concurrency = parseConcurrency(flags.concurrency);
        const result = await withProgress(env.writer, { quiet: format !== 'text' }, async (progress) => {
          const { diff } = await import('../../actions/diff.js');
          return diff(cliContext({ progress, cluster: clusterAccess(flags) }), {
            ...renderInputs(ref, flags),
            concurrency,
            pruneProtected: flags.pruneProtected ?? false,
            ...(flags.adopt ? { adopt: true } : {}),
          });
        });
        if (format !== 'text') {
          env.writer.out(formatData(result, format));
        } else {
          const w = env.writer;
          for (const entry of result.entries) {
            if (entry.action === 'unchanged') continue;
            w.out(paint(w, 'bold', `${entry.header} ${VERB[entry.action] ?? entry.action}`));
            if (entry.error) w.out(paint(w, 'red', `  the server rejects it: ${entry.error}`));
            if (entry.diff.length > 0) w.out(entry.diff.map((l) => colourLine(w, l)).join('\n'));
            w.out('');
          }
          printScope(w, result.scope);
          const s = result.summary;
          w.out(
            `Plan: ${s.create} to create, ${s.update} to update, ${s.replace > 0 ? `${s.replace} to replace, ` : ''}${s.delete} to delete, ${s.unchanged} unchanged.`,
          );
          if (s.protected > 0)
            w.out(
              `${s.protected} protected object${s.protected === 1 ? '' : 's'} no longer rendered will be kept.`,
            );
          if (env.debug)
            w.err(
              `requests: ${result.requests.total} (${result.requests.writes} dry-run writes, ${result.requests.retries} retries)`,
            );
        }
        // A change the server would reject is an error, as for kubectl diff: deploy would fail.
        const rejected = result.entries.filter((e) => e.error).length;
        if (rejected > 0)
          env.writer.err(
            `error: the server rejects ${rejected} object${rejected === 1 ? '' : 's'}: deploy would fail`,
          );
        env.setExitCode(rejected > 0 ? 2 : result.changed ? 1 : 0);
      } catch (err) {
        // kubectl diff's contract: every error is exit 2, so scripts can tell it from "changes".
        if (isStackanetesError(err))
          throw new StackanetesError(err.message, {
            exitCode: 2,
            cause: err,
            ...(err.hint ? { hint: err.hint } : {}),
          });
        throw new StackanetesError(err instanceof Error ? `internal error: ${err.message}` : String(err), {
          exitCode: 2,
          cause: err,
        });
      }
    });
}
