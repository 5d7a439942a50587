/**
 * `stackanetes logout [REGISTRY]`: revokes the stored token on the registry and forgets it (for
 * the registry or one scope of it). Forgetting never depends on the registry being reachable.
 */
import { chooseRegistry, readUserConfig, registryHost } from '../config/config.js';
import { removeCredential, storedCredential } from '../config/credentials.js';
import { UsageError } from '../errors.js';
import type { ActionContext } from './context.js';

export interface LogoutOptions {
  registry?: string;
  scope?: string;
}

export interface LogoutResult {
  scope: string;
  removed: boolean;
  /** Whether the registry revoked the token (absent for OCI credentials, which have no token). */
  revoked?: boolean;
  /** Why the registry could not be asked to revoke it; the token then stays valid there until it expires. */
  revokeError?: string;
}

export async function logout(context: ActionContext, options: LogoutOptions): Promise<LogoutResult> {
  let scope: string;
  if (options.registry?.startsWith('oci://')) {
    scope = `oci://${options.registry.slice('oci://'.length).split('/')[0] ?? ''}`;
  } else {
    const url = chooseRegistry(await readUserConfig(context.env), context.env, options.registry);
    if (!url) throw new UsageError('no registry given', { hint: 'name it: stackanetes logout REGISTRY' });
    scope = options.scope ? `${registryHost(url)}:${options.scope}` : registryHost(url);
    const credential = await storedCredential(context.env, scope);
    if (credential && credential.kind !== 'basic') {
      try {
        const session = await context.registry();
        const revoked = await session.appr(url).revokeToken(credential.token);
        return { scope, removed: await removeCredential(context.env, scope), revoked };
      } catch (err) {
        const revokeError = (err as Error).message;
        return { scope, removed: await removeCredential(context.env, scope), revoked: false, revokeError };
      }
    }
  }
  return { scope, removed: await removeCredential(context.env, scope) };
}
