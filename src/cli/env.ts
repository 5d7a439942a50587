import type { Writer } from './output.js';

/** What every command module gets: where to write and whether --debug was given. */
export interface CliEnv {
  writer: Writer;
  debug: boolean;
  /** Sets the process exit code when the command succeeds with a non-zero meaning (diff: 1 = changes). */
  setExitCode(code: number): void;
}
