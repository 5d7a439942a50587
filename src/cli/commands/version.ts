/** `stackanetes version`: client version, and the registry's when one is configured. */
import type { Command } from 'commander';
import { clientVersion } from '../../version.js';
import type { CliEnv } from '../env.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('version')
    .description('print the client version and the registry server version');
  registryVerb<OutputFlags>(command, env, {}, async ({ registry, context }) => {
    const { version } = await import('../../actions/version.js');
    const result = await version(context, { client: clientVersion(), ...registry });
    return {
      data: result,
      table: () =>
        [
          `client-version: ${result.client}`,
          ...(result.registry ? [`registry: ${result.registry}`, `api-version: ${result.server}`] : []),
        ].join('\n'),
    };
  });
}
