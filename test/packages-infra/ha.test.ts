/**
 * High availability of the infrastructure packages, rendered in-process as `stackanetes
 * generate` renders them: every memcached member reaches every cache client, Galera writes go
 * to one primary and a full outage recovers from the most advanced member, disruption budgets
 * fit the replica count, and the RADOS Gateway is an OpenStack object store.
 */
import { join } from 'node:path';
import { renderReference } from '../../src/actions/pipeline.js';
import type { KubeObject } from '../../src/render/types.js';
import { repoRoot } from '../helpers/cli.js';

const PACKAGES = join(repoRoot, 'packages');
const NAMESPACE = 'ha-test';

interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { name: string; containerPort: number }[];
}
interface WorkloadSpec {
  replicas: number;
  serviceName?: string;
  podManagementPolicy?: string;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
}
interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: { name: string; port: number }[];
}

async function render(dir: string, sets: string[] = []): Promise<KubeObject[]> {
  const release = await renderReference({
    reference: join(PACKAGES, dir),
    namespace: NAMESPACE,
    sets,
    cwd: repoRoot,
  });
  return release.packages.flatMap((p) => p.objects.map((o) => o.object));
}

function get(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `${kind}/${name} was not rendered; got ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}
const find = (objects: KubeObject[], kind: string, name: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const specOf = (object: KubeObject): WorkloadSpec => object.spec as WorkloadSpec;
const serviceOf = (object: KubeObject): ServiceSpec => object.spec as ServiceSpec;
/** Every text a Secret or ConfigMap carries, by `<kind>/<name>/<key>`. */
function configTexts(objects: KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const data = (o.kind === 'Secret' ? o.stringData : o.kind === 'ConfigMap' ? o.data : undefined) as
      Record<string, string> | undefined;
    for (const [key, text] of Object.entries(data ?? {}))
      out.set(`${o.kind}/${o.metadata.name}/${key}`, text);
  }
  return out;
}

const members = (n: number, port = 11211): string[] =>
  Array.from({ length: n }, (_, i) => `memcached-${i}.memcached:${port}`);

describe('memcached: every member reaches every cache client', () => {
  it('cache.replicas=3 renders a StatefulSet of three behind the headless Service memcached', async () => {
    const objects = await render('memcached', ['cache.replicas=3']);
    expect(find(objects, 'Deployment', 'memcached')).toBeUndefined();
    const set = specOf(get(objects, 'StatefulSet', 'memcached'));
    expect(set.replicas).toBe(3);
    expect(set.serviceName).toBe('memcached');
    const service = serviceOf(get(objects, 'Service', 'memcached'));
    expect(service.clusterIP).toBe('None');
    expect(service.ports[0]?.port).toBe(11211);
  });

  it('cache.replicas follows deployment.replicas', async () => {
    expect(
      specOf(get(await render('memcached', ['deployment.replicas=3']), 'StatefulSet', 'memcached')).replicas,
    ).toBe(3);
  });

  it('the meta-package lists every member in each memcache(d)_servers and in Horizon LOCATION', async () => {
    const objects = await render('stackanetes', ['deployment.replicas=3', 'ceph.enabled=true']);
    expect(specOf(get(objects, 'StatefulSet', 'memcached')).replicas).toBe(3);
    const servers = [...configTexts(objects)].flatMap(([where, text]) =>
      [...text.matchAll(/^\s*memcached?_servers\s*=\s*(.*)$/gm)].map((m) => [where, m[1]]),
    );
    // keystone, glance, cinder, nova (3), neutron, searchlight when present.
    expect(servers.length).toBeGreaterThanOrEqual(7);
    for (const [where, value] of servers) expect([where, value]).toEqual([where, members(3).join(',')]);
    const settings =
      [...configTexts(objects)].find(([where]) => where.startsWith('Secret/horizon'))?.[1] ?? '';
    const location = /LOCATION=(.*),\n/.exec(settings)?.[1];
    expect(location).toBe(
      `[${members(3)
        .map((m) => `'${m}'`)
        .join(', ')}]`,
    );
  });

  it.each(['keystone', 'glance', 'cinder', 'nova', 'neutron', 'horizon'])(
    '%s renders standalone with its own cache.replicas and cache.port',
    async (dir) => {
      const texts = [...configTexts(await render(dir, ['cache.replicas=2', 'cache.port=11300']))].map(
        ([, t]) => t,
      );
      const all = texts.join('\n');
      expect(all).toContain(members(2, 11300)[1]);
      expect(all).not.toMatch(/[=' ]memcached:11300/);
    },
  );
});

describe('disruption budgets fit the replica count', () => {
  const clustered: [string, Record<string, string>][] = [
    ['mariadb', { 'app.kubernetes.io/name': 'mariadb' }],
    ['rabbitmq', { 'app.kubernetes.io/name': 'rabbitmq' }],
    ['elasticsearch', { 'app.kubernetes.io/name': 'elasticsearch' }],
    ['etcd', { 'app.kubernetes.io/name': 'etcd' }],
  ];

  it.each(clustered)(
    '%s: with three members a drain takes one at a time, so a majority stays up',
    async (dir, labels) => {
      const objects = await render(dir, ['replicas=3']);
      const pdb = get(objects, 'PodDisruptionBudget', dir).spec as {
        maxUnavailable: number;
        selector: { matchLabels: Record<string, string> };
      };
      expect(pdb.maxUnavailable).toBe(1);
      expect(pdb.selector.matchLabels).toMatchObject(labels);
      // The budget selects exactly the members of the StatefulSet.
      expect(specOf(get(objects, 'StatefulSet', dir)).template.metadata.labels).toMatchObject(
        pdb.selector.matchLabels,
      );
    },
  );

  it.each(clustered)('%s: with one member the budget still lets a drain evict it', async (dir) => {
    const pdb = get(await render(dir, ['replicas=1']), 'PodDisruptionBudget', dir).spec as {
      maxUnavailable?: number;
      minAvailable?: number;
    };
    expect(pdb.minAvailable).toBeUndefined();
    expect(pdb.maxUnavailable).toBeGreaterThanOrEqual(1);
  });

  it.each(clustered.map(([dir]) => dir))(
    '%s: pdb.max_unavailable=0, which would block every drain, is refused with one line',
    async (dir) => {
      await expect(render(dir, ['pdb.max_unavailable=0'])).rejects.toThrow(
        /pdb\.max_unavailable must be at least 1 \(got 0\)[^\n]*$/,
      );
    },
  );
});
