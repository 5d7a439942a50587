/**
 * How a registry verb (login, push, pull, show, list, channel, delete-package, version, update)
 * runs: `--registry` and `-o, --output` checked before any work, progress shown the same way
 * (flushed once the action has succeeded), the action given the invocation's context, and the
 * result printed through printResult.
 */
import type { Command } from 'commander';
import type { ActionContext } from '../actions/context.js';
import type { CliEnv } from './env.js';
import { cliContext } from './context.js';
import { addRegistryFlag, outputOption, registryOption, TABLE_FORMATS, type TableFormat } from './flags.js';
import { printResult } from './print.js';
import { createProgress } from './progress.js';

export interface OutputFlags {
  output: TableFormat;
  registry?: string;
}

/** What a registry verb's handler gets besides its positional arguments. */
export interface RegistryVerbContext<F extends OutputFlags> {
  flags: F;
  format: TableFormat;
  /** `{ registry }` when `--registry` was given, to spread into the action's options. */
  registry: { registry?: string };
  /** The action's context: progress as spinners on a TTY, quiet under `-o json`. */
  context: ActionContext;
}

/** What a handler returns: the data printed as JSON/YAML, and the table text otherwise. */
export interface RegistryVerbOutput {
  data: unknown;
  table: () => string;
}

/**
 * Adds `--registry`/`--output` to `command` and makes `run` its action. `outputHint` extends the
 * error for an unknown format (pull, where `-o` once named the directory). `run` gets the verb's
 * context first, then the command's positional arguments in order.
 */
export function registryVerb<F extends OutputFlags, A extends unknown[] = []>(
  command: Command,
  env: CliEnv,
  options: { outputHint?: string },
  run: (verb: RegistryVerbContext<F>, ...args: A) => Promise<RegistryVerbOutput>,
): void {
  addRegistryFlag(command)
    .addOption(outputOption(TABLE_FORMATS, 'table', options.outputHint))
    .action(async (...received: unknown[]) => {
      const positional = received.slice(0, command.registeredArguments.length) as A;
      const flags = received[positional.length] as F;
      const format = flags.output;
      // Creating it costs nothing until an event arrives (ora is imported lazily).
      const progress = createProgress(env.writer, { quiet: format === 'json' });
      const output = await run(
        { flags, format, registry: registryOption(flags), context: cliContext({ progress: progress.sink }) },
        ...positional,
      );
      await progress.flush();
      printResult(env, format, output.data, output.table);
    });
}
