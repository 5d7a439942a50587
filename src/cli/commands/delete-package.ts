/** `stackanetes delete-package REF`: delete one release. */
import type { Command } from 'commander';
import type { CliEnv } from '../main.js';
import { formatTable } from '../output.js';
import {
  addRegistryFlags,
  outputFormat,
  printResult,
  registryOption,
  type OutputFlags,
} from './registry-flags.js';

export function register(program: Command, env: CliEnv): void {
  addRegistryFlags(
    program
      .command('delete-package')
      .description('delete a release from the registry (and from its channels)')
      .argument('<ref>', '[registry/]namespace/name@version'),
  ).action(async (reference: string, flags: OutputFlags) => {
    const format = outputFormat(flags);
    const { deletePackage } = await import('../../actions/delete-package.js');
    const result = await deletePackage({ env: process.env, reference, ...registryOption(flags) });
    printResult(env, format, result, () =>
      formatTable(['app', 'release', 'status'], [[result.package, result.release, result.status]]),
    );
  });
}
