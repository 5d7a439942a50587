/**
 * Flags and printing shared by the registry verbs (login, push, pull, show, list, channel,
 * delete-package, version, update), so they agree on `--registry`, `--output` and how a result
 * becomes a table, JSON or YAML.
 */
import type { Command } from 'commander';
import type { CliEnv } from '../main.js';
import { formatData, parseOutputFormat, type OutputFormat } from '../output.js';

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

export function outputFormat(flags: OutputFlags): OutputFormat {
  return parseOutputFormat(flags.output);
}

/** `{ registry }` when the flag was given, for spreading into action options. */
export function registryOption(flags: { registry?: string }): { registry?: string } {
  return flags.registry ? { registry: flags.registry } : {};
}
