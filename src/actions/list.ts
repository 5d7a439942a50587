/** `stackanetes list`: the packages of a registry, optionally of one namespace or matching a substring. */
import semver from 'semver';
import { isSemverTag } from '../registry/oci.js';
import type { RegistrySession } from '../registry/session.js';
import { ociListing } from '../resolve/oci-index.js';
import { parseOciRegistry } from '../resolve/reference.js';
import { NAME_PART } from '../resolve/reference.js';
import { UsageError } from '../errors.js';
import type { ActionContext } from './context.js';

export interface ListOptions {
  registry?: string;
  namespace?: string;
  search?: string;
}

export interface ListResult {
  registry: string;
  /** `channels`: the channel tags, for OCI registries (App Registries list them with `channel PKG`). */
  packages: { name: string; default?: string; releases: string[]; channels?: string[] }[];
}

export async function list(context: ActionContext, options: ListOptions): Promise<ListResult> {
  if (options.namespace && !NAME_PART.test(options.namespace)) {
    throw new UsageError(`--namespace ${JSON.stringify(options.namespace)} is not a valid namespace`, {
      hint: '2-63 characters of a-z, 0-9, - and _',
    });
  }
  const session = await context.registry();
  const url = session.registryUrl(options.registry);
  if (url.startsWith('oci://')) return listOci(session, url, options);
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

/**
 * The packages under an OCI registry path: the repositories the catalog lists at
 * `path/namespace/name`, with their release tags and channel tags. Registries that do not serve
 * `/v2/_catalog` (many hosted ones) answer with an error naming it.
 */
async function listOci(session: RegistrySession, url: string, options: ListOptions): Promise<ListResult> {
  const registry = parseOciRegistry(url);
  const client = session.oci(registry.host);
  const lead = registry.prefix ? `${registry.prefix}/` : '';
  const names = (await client.catalog())
    .filter((r) => r.startsWith(lead) && r.slice(lead.length).split('/').length === 2)
    .map((r) => r.slice(lead.length))
    .filter((n) => !options.namespace || n.startsWith(`${options.namespace}/`))
    .filter((n) => !options.search || n.includes(options.search));
  const packages = await Promise.all(
    names.map(async (name) => {
      const listing = await ociListing(client, `${lead}${name}`);
      const releases = semver.rsort(listing.releases.filter(isSemverTag));
      const channels = listing.channels.map((c) => c.name).sort();
      return { name, releases, channels };
    }),
  );
  return {
    registry: url,
    packages: packages
      .filter((p) => p.releases.length > 0)
      .map((p) => (p.releases[0] ? { ...p, default: p.releases[0] } : p))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
