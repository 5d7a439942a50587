/** `stackanetes logout [REGISTRY]`: revokes and forgets the stored token. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { tableOutput, type TableFormat } from '../flags.js';
import { cliContext } from '../context.js';
import { printResult } from '../print.js';

export function register(program: Command, env: CliEnv): void {
  program
    .command('logout')
    .description('revoke and forget the token stored for a registry')
    .argument(
      '[registry]',
      'registry URL or host, or oci://host (default: $STACKANETES_REGISTRY, then config.yaml)',
    )
    .option('--scope <ns|ns/pkg>', 'forget only the token stored for this namespace or package')
    .addOption(tableOutput())
    .action(async (registry: string | undefined, flags: { scope?: string; output: TableFormat }) => {
      const format = flags.output;
      const { logout } = await import('../../actions/logout.js');
      const result = await logout(cliContext(), {
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
