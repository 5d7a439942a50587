/**
 * `stackanetes logout [REGISTRY]`: revokes the stored token on the registry and forgets it (for
 * the registry or one scope of it). Forgetting never depends on the registry being reachable.
 */
import { chooseRegistry, readUserConfig, registryHost } from '../config/config.js';
import { removeCredential, storedCredential } from '../config/credentials.js';
import { UsageError } from '../errors.js';
import { openRegistrySession } from '../registry/session.js';

export interface LogoutOptions {
  env: NodeJS.ProcessEnv;
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

export async function logout(options: LogoutOptions): Promise<LogoutResult> {
  let scope: string;
  if (options.registry?.startsWith('oci://')) {
    scope = `oci://${options.registry.slice('oci://'.length).split('/')[0] ?? ''}`;
  } else {
    const url = chooseRegistry(await readUserConfig(options.env), options.env, options.registry);
    if (!url) throw new UsageError('no registry given', { hint: 'name it: stackanetes logout REGISTRY' });
    scope = options.scope ? `${registryHost(url)}:${options.scope}` : registryHost(url);
    const credential = await storedCredential(options.env, scope);
    if (credential && credential.kind !== 'basic') {
      try {
        const session = await openRegistrySession({ env: options.env });
        const revoked = await session.appr(url).revokeToken(credential.token);
        return { scope, removed: await removeCredential(options.env, scope), revoked };
      } catch (err) {
        const revokeError = (err as Error).message;
        return { scope, removed: await removeCredential(options.env, scope), revoked: false, revokeError };
      }
    }
  }
  return { scope, removed: await removeCredential(options.env, scope) };
}
