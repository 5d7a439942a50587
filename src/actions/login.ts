/**
 * `stackanetes login [REGISTRY]`: trades a user name and password for a registry token (appr) or
 * checks Basic credentials (OCI), and stores it under the scope asked for, mode 0600.
 */
import { normaliseRegistryUrl, registryHost, writeUserConfig } from '../config/config.js';
import { saveCredential } from '../config/credentials.js';
import { UsageError } from '../errors.js';
import { checkPackageName, NAME_PART } from '../resolve/reference.js';
import type { ActionContext } from './context.js';

export interface LoginOptions {
  /** Registry URL/host/name, or `oci://host`; default: STACKANETES_REGISTRY, then config.yaml. */
  registry?: string;
  username: string;
  password: string;
  /** Narrow the token to a namespace (`ns`) or package (`ns/pkg`); default: the whole registry. */
  scope?: string;
  /** Make this registry the default even when config.yaml already names another. */
  setDefault?: boolean;
}

export interface LoginResult {
  registry: string;
  username: string;
  /** The credential scope the token is stored under (`host`, `host:ns`, `host:ns/pkg`, `oci://host`). */
  scope: string;
  credentialsFile: string;
  /** Set when login made this registry the default of config.yaml (the file written). */
  defaultSetIn?: string;
}

export async function login(context: ActionContext, options: LoginOptions): Promise<LoginResult> {
  if (options.username === '') throw new UsageError('empty user name', { hint: 'pass -u USER' });
  if (options.password === '')
    throw new UsageError('empty password', { hint: 'type it at the prompt or pipe it to --password-stdin' });
  const session = await context.registry();
  if (options.registry?.startsWith('oci://')) {
    if (options.setDefault)
      throw new UsageError(
        '--set-default needs an App Registry: OCI registries are named per push and deploy',
      );
    const host = options.registry.slice('oci://'.length).split('/')[0] ?? '';
    const basic = `${options.username}:${options.password}`;
    const { OciClient } = await import('../registry/oci.js');
    await new OciClient({ host, transport: session.transport, basic: async () => basic }).ping();
    const scope = `oci://${host}`;
    const credentialsFile = await saveCredential(context.env, scope, {
      token: basic,
      kind: 'basic',
      username: options.username,
    });
    return { registry: scope, username: options.username, scope, credentialsFile };
  }
  const url = session.registryUrl(options.registry);
  const host = registryHost(normaliseRegistryUrl(url));
  // Checked before logging in: a refused scope must not leave a live token nobody stored.
  let scope = host;
  if (options.scope) {
    if (options.scope.includes('/')) checkPackageName(options.scope, '--scope');
    else if (!NAME_PART.test(options.scope))
      throw new UsageError(`--scope ${JSON.stringify(options.scope)} is not a namespace or namespace/name`);
    scope = `${host}:${options.scope}`;
  }
  const token = await session.appr(url).login(options.username, options.password);
  const credentialsFile = await saveCredential(context.env, scope, {
    token,
    kind: 'token',
    username: options.username,
  });
  const result: LoginResult = { registry: url, username: options.username, scope, credentialsFile };
  // The registry one logs in to is the one the next push or deploy means, unless told otherwise.
  if (options.setDefault || session.config.default === undefined) {
    const named = options.registry !== undefined && session.config.registries[options.registry] !== undefined;
    const value = named ? (options.registry as string) : url;
    if (session.config.default !== value)
      result.defaultSetIn = await writeUserConfig(context.env, { ...session.config, default: value });
  }
  return result;
}
