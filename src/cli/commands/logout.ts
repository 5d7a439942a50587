/** `stackanetes logout [REGISTRY]`: revokes and forgets the stored token. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { outputFormat, printResult } from './registry-flags.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('logout')
    .description('revoke and forget the token stored for a registry')
    .argument(
      '[registry]',
      'registry URL or host, or oci://host (default: $STACKANETES_REGISTRY, then config.yaml)',
    )
    .option('--scope <ns|ns/pkg>', 'forget only the token stored for this namespace or package')
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (registry: string | undefined, flags: { scope?: string; output: string }) => {
      const format = outputFormat(flags);
      const { logout } = await import('../../actions/logout.js');
      const result = await logout({
        env: process.env,
        ...(registry ? { registry } : {}),
        ...(flags.scope ? { scope: flags.scope } : {}),
      });
      printResult(env, format, result, () =>
        !result.removed
          ? `no token was stored for ${result.scope}`
          : result.revokeError
            ? `logged out of ${result.scope}; the registry did not revoke the token, which stays valid until it expires (${result.revokeError})`
            : `logged out of ${result.scope}`,
      );
    });
}
