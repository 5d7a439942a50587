import type { Command } from 'commander';
import type { CliEnv } from '../env.js';

/** One verb of the CLI. `register` only declares flags; the action module is imported when it runs. */
export interface CommandModule {
  register(program: Command, env: CliEnv): void;
}
