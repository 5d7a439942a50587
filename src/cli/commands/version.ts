/** `stackanetes version`: client version, and the registry's when one is configured. */
import type { Command } from 'commander';
import { clientVersion, type CliEnv } from '../main.js';
import {
  addRegistryFlags,
  outputFormat,
  printResult,
  registryOption,
  type OutputFlags,
} from './registry-flags.js';

export function register(program: Command, env: CliEnv): void {
  addRegistryFlags(
    program.command('version').description('print the client version and the registry server version'),
  ).action(async (flags: OutputFlags) => {
    const format = outputFormat(flags);
    const { version } = await import('../../actions/version.js');
    const result = await version({ env: process.env, client: clientVersion(), ...registryOption(flags) });
    printResult(env, format, result, () =>
      [
        `client-version: ${result.client}`,
        ...(result.registry ? [`registry: ${result.registry}`, `api-version: ${result.server}`] : []),
      ].join('\n'),
    );
  });
}
