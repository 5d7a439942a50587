/**
 * The infrastructure packages (mariadb, rabbitmq, memcached, etcd, elasticsearch, traefik,
 * rados-gateway) rendered in-process as `stackanetes generate` renders them: the cluster
 * topology each derives from `replicas`, the Galera odd-size rule, the shared root keys they
 * read, where credentials end up, and that every README documents every variable.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../../src/errors.js';
import type { KubeObject } from '../../src/model/types.js';
import { get, PACKAGES, renderObjects } from './render.js';
import { runCli } from '../helpers/cli.js';

const NAMESPACE = 'infra-test';
const INFRA = ['mariadb', 'rabbitmq', 'memcached', 'etcd', 'elasticsearch', 'traefik', 'rados-gateway'];
const KOLLA = ['mariadb', 'rabbitmq', 'memcached', 'elasticsearch'];

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  nodeSelector?: Record<string, string>;
  containers: Container[];
  initContainers?: Container[];
}
interface WorkloadSpec {
  replicas: number;
  podManagementPolicy?: string;
  template: { spec: PodSpec };
  volumeClaimTemplates?: { spec: { storageClassName?: string } }[];
}

const render = (dir: string, sets: string[] = []): Promise<KubeObject[]> =>
  renderObjects(dir, NAMESPACE, sets);

const workloads = (objects: KubeObject[]): KubeObject[] =>
  objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const specOf = (object: KubeObject): WorkloadSpec => object.spec as WorkloadSpec;
const containersOf = (object: KubeObject): Container[] => [
  ...(specOf(object).template.spec.initContainers ?? []),
  ...specOf(object).template.spec.containers,
];
const stringData = (object: KubeObject): Record<string, string> =>
  object.stringData as Record<string, string>;
const configMapData = (object: KubeObject): Record<string, string> => object.data as Record<string, string>;

/** Leaf paths of a variables tree (`storage.size`); lists count as leaves. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe('package documentation', () => {
  it.each(INFRA)(
    'packages/%s/README.md documents every variable (itself or a documented parent map such as `resources`)',
    (dir) => {
      const manifest = parse(readFileSync(join(PACKAGES, dir, 'manifest.yaml'), 'utf8')) as {
        variables: unknown;
      };
      const readme = readFileSync(join(PACKAGES, dir, 'README.md'), 'utf8');
      const documented = (path: string): boolean => {
        const parts = path.split('.');
        return parts.some((_, i) => readme.includes(`\`${parts.slice(0, i + 1).join('.')}\``));
      };
      expect(leafPaths(manifest.variables).filter((path) => !documented(path))).toEqual([]);
    },
  );

  it.each(INFRA)(
    'packages/%s/README.md carries a warning about placeholder credentials or missing authentication',
    (dir) => {
      expect(readFileSync(join(PACKAGES, dir, 'README.md'), 'utf8')).toMatch(/> \*\*Warning:\*\*/);
    },
  );
});

describe('mariadb (Galera)', () => {
  it.each([1, 3, 5])(
    'replicas=%i renders that many members in gcomm:// and in the start script environment',
    async (n) => {
      const objects = await render('mariadb', [`replicas=${n}`]);
      const members = Array.from({ length: n }, (_, i) => `mariadb-${i}.mariadb-galera`).join(',');
      expect(stringData(get(objects, 'Secret', 'mariadb-galera'))['galera.cnf']).toContain(
        `wsrep_cluster_address = gcomm://${members}\n`,
      );
      const set = get(objects, 'StatefulSet', 'mariadb');
      expect(specOf(set).replicas).toBe(n);
      expect(specOf(set).podManagementPolicy).toBe('Parallel');
      const main = specOf(set).template.spec.containers.find((c) => c.name === 'mariadb');
      expect(main?.env?.find((e) => e.name === 'GALERA_MEMBERS')?.value).toBe(members);
    },
  );

  it.each([2, 4, 0])('replicas=%i is rejected with one line saying the count must be odd', async (n) => {
    const failure = render('mariadb', [`replicas=${n}`]);
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(`mariadb.replicas must be odd for Galera quorum (got ${n})`);
    await failure.catch((err: Error) => expect(err.message).not.toContain('\n'));
  });

  it('the CLI refuses replicas=2 with exit code 3, one error line and no stack trace', async () => {
    const result = await runCli(['generate', 'packages/mariadb', '--set', 'replicas=2']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /^error: .*mariadb\.replicas must be odd for Galera quorum \(got 2\); set mariadb\.replicas .*\n$/,
    );
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('a PodDisruptionBudget and per-member volumes of the shared storage class protect the data', async () => {
    const objects = await render('mariadb', ['replicas=3', 'deployment.storage_class=fast-ssd']);
    expect(
      (get(objects, 'PodDisruptionBudget', 'mariadb').spec as { maxUnavailable: number }).maxUnavailable,
    ).toBe(1);
    expect(
      specOf(get(objects, 'StatefulSet', 'mariadb')).volumeClaimTemplates?.[0]?.spec.storageClassName,
    ).toBe('fast-ssd');
    const headless = get(objects, 'Service', 'mariadb-galera').spec as {
      clusterIP: string;
      publishNotReadyAddresses: boolean;
    };
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
  });
});

describe('cluster topology derived from replicas', () => {
  it('etcd lists every member in --initial-cluster with the peer URL each member advertises', async () => {
    const set = get(await render('etcd', ['replicas=3']), 'StatefulSet', 'etcd');
    expect(specOf(set).podManagementPolicy).toBe('Parallel');
    const command = specOf(set).template.spec.containers[0]?.command ?? [];
    expect(command).toContain(
      '--initial-cluster=etcd-0=http://etcd-0.etcd-peers:2380,etcd-1=http://etcd-1.etcd-peers:2380,etcd-2=http://etcd-2.etcd-peers:2380',
    );
    expect(command).toContain('--initial-advertise-peer-urls=http://$(POD_NAME).etcd-peers:2380');
  });

  it('elasticsearch runs single-node with one replica and names the initial managers with three', async () => {
    const single = configMapData(get(await render('elasticsearch'), 'ConfigMap', 'elasticsearch-config'))[
      'opensearch.yml'
    ];
    expect(single).toContain('discovery.type: single-node');
    expect(single).not.toContain('initial_cluster_manager_nodes');
    const three = configMapData(
      get(await render('elasticsearch', ['replicas=3']), 'ConfigMap', 'elasticsearch-config'),
    )['opensearch.yml'];
    expect(three).toContain(
      'cluster.initial_cluster_manager_nodes: [elasticsearch-0, elasticsearch-1, elasticsearch-2]',
    );
    expect(three).not.toContain('single-node');
  });

  it('rabbitmq scales to three members that discover each other through the headless Service', async () => {
    const objects = await render('rabbitmq', ['replicas=3']);
    const set = get(objects, 'StatefulSet', 'rabbitmq');
    expect(specOf(set).replicas).toBe(3);
    expect(specOf(set).podManagementPolicy).toBe('Parallel');
    expect(stringData(get(objects, 'Secret', 'rabbitmq'))['rabbitmq.conf']).toContain(
      'cluster_formation.k8s.service_name = rabbitmq-nodes',
    );
    expect(
      (
        get(objects, 'Role', 'rabbitmq-peer-discovery').rules as { resources: string[]; verbs: string[] }[]
      )[0],
    ).toEqual({
      apiGroups: [''],
      resources: ['endpoints'],
      verbs: ['get'],
    });
  });

  it.each(['memcached', 'traefik', 'rados-gateway'])('%s follows deployment.replicas', async (dir) => {
    for (const workload of workloads(await render(dir, ['deployment.replicas=3'])))
      expect(specOf(workload).replicas).toBe(3);
  });
});

describe('shared root keys', () => {
  const ports: [string, string, string, 'port' | 'nodePort'][] = [
    ['mariadb', 'database.port=3307', 'mariadb', 'port'],
    ['rabbitmq', 'messaging.port=5673', 'rabbitmq', 'port'],
    ['memcached', 'cache.port=11212', 'memcached', 'port'],
    ['etcd', 'coordination.port=2479', 'etcd', 'port'],
    ['elasticsearch', 'search.port=9201', 'elasticsearch', 'port'],
    ['rados-gateway', 'ceph.rgw.port=8081', 'rados-gateway', 'port'],
    ['traefik', 'network.ingress.port=30999', 'traefik', 'nodePort'],
  ];
  it.each(ports)('%s: --set %s moves the first port of Service/%s', async (dir, set, service, field) => {
    const spec = get(await render(dir, [set]), 'Service', service).spec as {
      ports: Record<string, number>[];
    };
    expect(spec.ports[0]?.[field]).toBe(Number(set.split('=')[1]));
  });

  it.each(INFRA)(
    '%s: every pod lands on deployment.node_selector.control (null drops the default label)',
    async (dir) => {
      const objects = await render(dir, [
        'deployment.node_selector.control={"example.com/pool": "infra", "openstack-control-plane": null}',
      ]);
      expect(workloads(objects).length).toBeGreaterThan(0);
      for (const workload of workloads(objects)) {
        expect([workload.metadata.name, specOf(workload).template.spec.nodeSelector]).toEqual([
          workload.metadata.name,
          { 'example.com/pool': 'infra' },
        ]);
      }
    },
  );

  it.each(KOLLA)('%s: every image follows deployment.image.base', async (dir) => {
    for (const workload of workloads(
      await render(dir, ['deployment.image.base=registry.example.com/kolla/%s:test']),
    )) {
      for (const c of containersOf(workload))
        expect(c.image).toMatch(/^registry\.example\.com\/kolla\/[a-z-]+:test$/);
    }
  });

  it('a volume claim names no storage class while deployment.storage_class is empty (the cluster default applies)', async () => {
    for (const dir of ['mariadb', 'rabbitmq', 'etcd', 'elasticsearch']) {
      for (const workload of workloads(await render(dir))) {
        expect([dir, specOf(workload).volumeClaimTemplates?.[0]?.spec]).not.toEqual([
          dir,
          expect.objectContaining({ storageClassName: expect.anything() }),
        ]);
      }
    }
  });
});

describe('credentials', () => {
  const sentinels: [string, string, string][] = [
    ['mariadb', 'database.root_password', 'sentinel-root-password'],
    ['rabbitmq', 'messaging.password', 'sentinel-amqp-password'],
    ['rabbitmq', 'erlang_cookie', 'sentinel-erlang-cookie'],
    ['rados-gateway', 'ceph.rgw.keyring', 'AQDsentinelrgwkey=='],
  ];
  it.each(sentinels)('%s: %s reaches a Secret and no ConfigMap', async (dir, path, value) => {
    const objects = await render(dir, [`${path}=${value}`]);
    const inSecrets = objects.filter((o) => o.kind === 'Secret' && JSON.stringify(o).includes(value));
    const inConfigMaps = objects.filter((o) => o.kind === 'ConfigMap' && JSON.stringify(o).includes(value));
    expect(inSecrets.length).toBeGreaterThan(0);
    expect(inConfigMaps.map((o) => o.metadata.name)).toEqual([]);
  });
});

describe('traefik and rados-gateway', () => {
  it('traefik binds its cluster role to its ServiceAccount in the release namespace and watches only that namespace', async () => {
    const objects = await render('traefik');
    const binding = get(objects, 'ClusterRoleBinding', `traefik-${NAMESPACE}`) as KubeObject & {
      subjects: unknown[];
      roleRef: { name: string };
    };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'traefik', namespace: NAMESPACE }]);
    expect(binding.roleRef.name).toBe(`traefik-${NAMESPACE}`);
    expect((get(objects, 'Service', 'traefik').spec as { type: string }).type).toBe('NodePort');
    expect((get(objects, 'IngressClass', 'traefik').spec as { controller: string }).controller).toBe(
      'traefik.io/ingress-controller',
    );
    const args = specOf(get(objects, 'Deployment', 'traefik')).template.spec.containers[0]?.args ?? [];
    expect(args).toContain(`--providers.kubernetesingress.namespaces=${NAMESPACE}`);
    const everywhere =
      specOf(get(await render('traefik', ['watch_all_namespaces=true']), 'Deployment', 'traefik')).template
        .spec.containers[0]?.args ?? [];
    expect(everywhere.filter((a) => a.startsWith('--providers.kubernetesingress.namespaces'))).toEqual([]);
  });

  it('rados-gateway writes ceph.monitors into mon_host and the key into the keyring of client.<ceph.rgw.user>', async () => {
    const objects = await render('rados-gateway', [
      'ceph.monitors=["10.0.0.1:6789", "10.0.0.2:6789"]',
      'ceph.rgw.user=objects',
      'ceph.rgw.keyring=AQDkey==',
    ]);
    const conf = configMapData(get(objects, 'ConfigMap', 'rados-gateway-config'))['ceph.conf'];
    expect(conf).toContain('mon_host = 10.0.0.1:6789,10.0.0.2:6789\n');
    expect(conf).toContain('[client.objects]\n');
    expect(stringData(get(objects, 'Secret', 'rados-gateway-keyring')).keyring).toBe(
      '[client.objects]\n    key = AQDkey==\n',
    );
    expect(
      specOf(get(objects, 'Deployment', 'rados-gateway')).template.spec.containers[0]?.command,
    ).toContain('--name=client.objects');
  });
});
