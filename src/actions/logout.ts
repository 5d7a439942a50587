/** `stackanetes logout [REGISTRY]`: forgets the stored token of a registry (or of one scope of it). */
import { chooseRegistry, readUserConfig, registryHost } from '../config/config.js';
import { removeCredential } from '../config/credentials.js';
import { UsageError } from '../errors.js';

export interface LogoutOptions {
  env: NodeJS.ProcessEnv;
  registry?: string;
  scope?: string;
}

export interface LogoutResult {
  scope: string;
  removed: boolean;
}

export async function logout(options: LogoutOptions): Promise<LogoutResult> {
  let scope: string;
  if (options.registry?.startsWith('oci://')) {
    scope = `oci://${options.registry.slice('oci://'.length).split('/')[0] ?? ''}`;
  } else {
    const url = chooseRegistry(await readUserConfig(options.env), options.env, options.registry);
    if (!url) throw new UsageError('no registry given', { hint: 'name it: stackanetes logout REGISTRY' });
    scope = options.scope ? `${registryHost(url)}:${options.scope}` : registryHost(url);
  }
  return { scope, removed: await removeCredential(options.env, scope) };
}
