/** `stackanetes show REF`: manifest, releases, channels and README of a package. */
import type { Command } from 'commander';
import type { CliEnv } from '../env.js';
import { formatTable } from '../output.js';
import { registryVerb, type OutputFlags } from '../registry-verb.js';

export function register(program: Command, env: CliEnv): void {
  const command = program
    .command('show')
    .description("show a release's manifest, the package's releases and channels, and its README")
    .argument('<ref>', '[registry/]namespace/name[@version|@sha256:…|:channel] or oci://host/repo:version')
    .option('--in-channel <channel>', 'refuse a release that is not in this channel');
  registryVerb<OutputFlags & { inChannel?: string }, [string]>(
    command,
    env,
    {},
    async ({ flags, registry, context }, reference) => {
      const { show } = await import('../../actions/show.js');
      const r = await show(context, {
        reference,
        ...(flags.inChannel ? { inChannel: flags.inChannel } : {}),
        ...registry,
      });
      return { data: r, table: () => showText(r) };
    },
  );
}

type ShowResult = Awaited<ReturnType<typeof import('../../actions/show.js').show>>;

/** The header, dependency, release and channel tables, then the README. */
function showText(r: ShowResult): string {
  const head = [
    `package:      ${r.package}`,
    `release:      ${r.version}`,
    `digest:       ${r.digest}`,
    `registry:     ${r.registry}`,
    ...(r.description ? [`description:  ${r.description}`] : []),
    ...(r.author ? [`author:       ${r.author}`] : []),
    ...(r.license ? [`license:      ${r.license}`] : []),
  ];
  const parts = [head.join('\n')];
  if (r.dependencies.length > 0)
    parts.push(
      formatTable(
        ['dependency', 'constraint'],
        r.dependencies.map((d) => [d.name, d.constraint]),
      ),
    );
  if (r.releases.length > 0)
    parts.push(
      formatTable(
        ['release', 'digest', 'channels', 'created'],
        r.releases.map((x) => [x.version, x.digest, x.channels, x.createdAt]),
      ),
    );
  if (r.channels.length > 0)
    parts.push(
      formatTable(
        ['channel', 'releases', 'current'],
        r.channels.map((c) => [c.name, c.releases, c.current]),
      ),
    );
  if (r.readme) parts.push(r.readme.trimEnd());
  return parts.join('\n\n');
}
