/** `stackanetes version`: the client version and, when a registry is configured, the server's. */
import type { ActionContext } from './context.js';

export interface VersionOptions {
  client: string;
  registry?: string;
}

export interface VersionResult {
  client: string;
  registry?: string;
  server?: string;
}

export async function version(context: ActionContext, options: VersionOptions): Promise<VersionResult> {
  const session = await context.registry();
  const url = session.optionalRegistryUrl(options.registry);
  if (!url) return { client: options.client };
  return { client: options.client, registry: url, server: await session.appr(url).version() };
}
