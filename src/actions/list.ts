/** `stackanetes list`: the packages of a registry, optionally of one namespace or matching a substring. */
import { openRegistrySession } from '../registry/session.js';
import { NAME_PART } from '../resolve/reference.js';
import { UsageError } from '../errors.js';

export interface ListOptions {
  env: NodeJS.ProcessEnv;
  registry?: string;
  namespace?: string;
  search?: string;
}

export interface ListResult {
  registry: string;
  packages: { name: string; default?: string; releases: string[] }[];
}

export async function list(options: ListOptions): Promise<ListResult> {
  if (options.namespace && !NAME_PART.test(options.namespace)) {
    throw new UsageError(`--namespace ${JSON.stringify(options.namespace)} is not a valid namespace`, {
      hint: '2-63 characters of a-z, 0-9, - and _',
    });
  }
  const session = await openRegistrySession({ env: options.env });
  const url = session.registryUrl(options.registry);
  const filter: { namespace?: string; query?: string } = {};
  if (options.namespace) filter.namespace = options.namespace;
  if (options.search) filter.query = options.search;
  const packages = await session.appr(url).listPackages(filter);
  return {
    registry: url,
    packages: packages
      .map((p) =>
        p.default
          ? { name: p.name, default: p.default, releases: p.releases }
          : { name: p.name, releases: p.releases },
      )
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
