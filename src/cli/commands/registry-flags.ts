/**
 * Flags and printing shared by the registry verbs (login, push, pull, show, list, channel,
 * delete-package, version, update), so they agree on `--registry`, `--output` and how a result
 * becomes a table, JSON or YAML.
 */
import type { Command } from 'commander';
import type { ProgressSink } from '../../progress.js';
import type { CliEnv } from '../env.js';
import { formatData, parseOutputFormat, type OutputFormat } from '../output.js';
import { createProgress } from '../progress.js';

export interface OutputFlags {
  output: string;
  registry?: string;
}

/** `--registry` and `--output` (with `-o` unless the verb uses -o for something else). */
export function addRegistryFlags(command: Command, options: { shortOutput?: boolean } = {}): Command {
  return command
    .option(
      '--registry <url>',
      'registry URL, host or name from config.yaml (default: $STACKANETES_REGISTRY, then config.yaml)',
    )
    .option(
      options.shortOutput === false ? '--output <format>' : '-o, --output <format>',
      'table, json or yaml',
      'table',
    );
}

/** Prints `data` as JSON/YAML, or the table text for `table`. */
export function printResult(env: CliEnv, format: OutputFormat, data: unknown, table: () => string): void {
  env.writer.out(format === 'table' ? table() : formatData(data, format));
}

/** The `--output` value checked, before any work is done. */
export function outputFormat(flags: OutputFlags): OutputFormat {
  return parseOutputFormat(flags.output);
}

/** `{ registry }` when the flag was given, for spreading into action options. */
export function registryOption(flags: { registry?: string }): { registry?: string } {
  return flags.registry ? { registry: flags.registry } : {};
}

/** What a registry verb's handler gets besides its positional arguments. */
export interface RegistryVerbContext<F extends OutputFlags> {
  flags: F;
  format: OutputFormat;
  /** `{ registry }` when `--registry` was given, to spread into the action's options. */
  registry: { registry?: string };
  /** Progress for the action (spinners on a TTY, quiet under `-o json`); verbs without progress ignore it. */
  progress: ProgressSink;
}

/** What a handler returns: the data printed as JSON/YAML, and the table text otherwise. */
export interface RegistryVerbOutput {
  data: unknown;
  table: () => string;
}

/**
 * Adds `--registry`/`--output` to `command` and makes `run` its action, so every registry
 * verb checks `--output` before any work, shows progress the same way (flushed once the
 * action has succeeded) and prints through `printResult`. `run` gets the context first,
 * then the command's positional arguments in order.
 */
export function registryVerb<F extends OutputFlags, A extends unknown[] = []>(
  command: Command,
  env: CliEnv,
  options: { shortOutput?: boolean },
  run: (context: RegistryVerbContext<F>, ...args: A) => Promise<RegistryVerbOutput>,
): void {
  addRegistryFlags(command, options).action(async (...received: unknown[]) => {
    const positional = received.slice(0, command.registeredArguments.length) as A;
    const flags = received[positional.length] as F;
    const format = outputFormat(flags);
    // Creating it costs nothing until an event arrives (ora is imported lazily).
    const progress = createProgress(env.writer, { quiet: format === 'json' });
    const output = await run(
      { flags, format, registry: registryOption(flags), progress: progress.sink },
      ...positional,
    );
    await progress.flush();
    printResult(env, format, output.data, output.table);
  });
}
