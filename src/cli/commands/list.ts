import type { Command } from 'commander';
import type { CliEnv } from '../main.js';

// Placeholder until this verb is built: registers nothing, so the CLI does not offer it.
export function register(_program: Command, _env: CliEnv): void {}
