/** `stackanetes show REF`: a release's manifest, every release with its digest and channels, the channels, and the README. */
import { fetchRelease, parseRemoteReference } from '../resolve/fetch-release.js';
import type { ActionContext } from './context.js';

export interface ShowOptions {
  reference: string;
  registry?: string;
  inChannel?: string;
}

export interface ShowResult {
  package: string;
  version: string;
  digest: string;
  registry: string;
  description?: string;
  author?: string;
  license?: string;
  dependencies: { name: string; constraint: string }[];
  releases: { version: string; digest: string; createdAt?: string; channels: string[] }[];
  channels: { name: string; current: string; releases: string[] }[];
  readme?: string;
}

export async function show(context: ActionContext, options: ShowOptions): Promise<ShowResult> {
  const session = await context.registry();
  const fetched = await fetchRelease(session, parseRemoteReference(options.reference), {
    releaseDigests: true,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.inChannel ? { inChannel: options.inChannel } : {}),
  });
  const meta = fetched.pkg.manifest.package;
  const result: ShowResult = {
    package: fetched.name,
    version: fetched.version,
    digest: fetched.digest,
    registry: fetched.registry,
    dependencies: fetched.pkg.manifest.dependencies
      .filter((d) => d.name !== '$self')
      .map((d) => ({
        name: d.name,
        constraint: d.digest ? `@${d.digest}` : d.channel ? `:${d.channel}` : (d.version ?? '*'),
      })),
    releases: fetched.manifests.map((m) => {
      const release: ShowResult['releases'][number] = {
        version: m.release,
        digest: m.digest,
        channels: fetched.channels.filter((c) => c.releases.includes(m.release)).map((c) => c.name),
      };
      if (m.createdAt) release.createdAt = m.createdAt;
      return release;
    }),
    channels: fetched.channels,
  };
  if (meta.description) result.description = meta.description;
  if (meta.author) result.author = meta.author;
  if (meta.license) result.license = meta.license;
  const readme = [...fetched.pkg.files.keys()].find((f) => /^readme(\.md)?$/i.test(f));
  if (readme) result.readme = fetched.pkg.files.get(readme) ?? '';
  return result;
}
