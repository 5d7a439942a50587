/** `stackanetes version`: the client version and, when a registry is configured, the server's. */
import { openRegistrySession } from '../registry/session.js';

export interface VersionOptions {
  env: NodeJS.ProcessEnv;
  client: string;
  registry?: string;
}

export interface VersionResult {
  client: string;
  registry?: string;
  server?: string;
}

export async function version(options: VersionOptions): Promise<VersionResult> {
  const session = await openRegistrySession({ env: options.env });
  const url = session.optionalRegistryUrl(options.registry);
  if (!url) return { client: options.client };
  return { client: options.client, registry: url, server: await session.appr(url).version() };
}
