/**
 * The package set, rendered in-process exactly as `stackanetes generate` renders it: golden
 * files for every package under packages/ (defaults) and for the meta-package with
 * parameters.yaml and with the Ceph + 3 replicas + ingress-off fixture, plus the properties
 * every deployment relies on (valid objects, `when`, derived images, per-package overrides,
 * no credentials in ConfigMaps, images and probes, Ingress hosts).
 *
 * `UPDATE_GOLDEN=1` rewrites the golden files instead of comparing (see docs/packages.md).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify, parse } from 'yaml';
import { createActionContext } from '../../src/actions/context.js';
import { lint } from '../../src/actions/lint.js';
import { renderReference } from '../../src/render/pipeline.js';
import type { KubeObject, RenderedRelease } from '../../src/model/types.js';

const ROOT = resolve(process.cwd());
const PACKAGES = join(ROOT, 'packages');
const GOLDEN = join(ROOT, 'test', 'golden');
const PARAMETERS = join(ROOT, 'parameters.yaml');
const CEPH_HA = join(ROOT, 'test', 'packages', 'fixtures', 'ceph-ha.yaml');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NAMESPACE = 'openstack';

/** The OpenStack packages whose README must document every variable (the infrastructure packages have their own tests). */
const OPENSTACK = [
  'stackanetes',
  'keystone',
  'glance',
  'cinder',
  'nova',
  'neutron',
  'horizon',
  'searchlight',
];
const BUILT_IN = /\((v1|apps\/v1|batch\/v1|policy\/v1|autoscaling\/v2|[a-z.]+\.k8s\.io\/v1)\)/;

const allDirs = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(PACKAGES, d.name, 'manifest.yaml')))
  .map((d) => d.name)
  .sort();
const isLibraryDir = (dir: string): boolean =>
  (parse(readFileSync(join(PACKAGES, dir, 'manifest.yaml'), 'utf8')) as { package: { kind?: string } })
    .package.kind === 'library';
/** Packages that render (libraries render nothing: they are linted and their partials checked below). */
const packageDirs = allDirs.filter((d) => !isLibraryDir(d));
const libraryDirs = allDirs.filter(isLibraryDir);

/** Every template file of a package folder, by relative path. */
function templateFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(PACKAGES, dir, rel), { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.hbs')) out.set(path, readFileSync(join(PACKAGES, dir, path), 'utf8'));
    }
  };
  if (existsSync(join(PACKAGES, dir, 'templates'))) walk('templates');
  return out;
}

/** Variables a package needs to render on its own: Searchlight has no Kolla images (retired upstream). */
const PACKAGE_SETS: Record<string, string[]> = {
  searchlight: [
    'images.api=registry.example.com/searchlight-api:2025.1',
    'images.listener=registry.example.com/searchlight-listener:2025.1',
  ],
};

const cache = new Map<string, Promise<RenderedRelease>>();
/** Renders once per distinct input: several tests look at the same release. */
function render(dir: string, variableFiles: string[] = [], extraSets: string[] = []): Promise<RenderedRelease> {
  const sets = [...(PACKAGE_SETS[dir] ?? []), ...extraSets];
  const key = JSON.stringify([dir, variableFiles, sets]);
  let release = cache.get(key);
  if (!release) {
    release = renderReference({
      reference: join(PACKAGES, dir),
      namespace: NAMESPACE,
      variableFiles,
      sets,
      cwd: ROOT,
    });
    cache.set(key, release);
  }
  return release;
}

const objectsOf = (release: RenderedRelease): KubeObject[] =>
  release.packages.flatMap((p) => p.objects.map((o) => o.object));

/** One YAML stream, each object headed by the package and template that rendered it, so a golden diff points at its source. */
function goldenText(release: RenderedRelease): string {
  const docs = release.packages.flatMap((p) =>
    p.objects.map((o) => `# ${o.package} ${o.template}\n${stringify(o.object, { lineWidth: 0 })}`),
  );
  return `${docs.join('---\n')}`;
}

function compareGolden(name: string, release: RenderedRelease): void {
  const file = join(GOLDEN, `${name}.yaml`);
  const actual = goldenText(release);
  if (UPDATE) {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} is missing: run UPDATE_GOLDEN=1 on this test to create it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

interface Container {
  name: string;
  image?: string;
  readinessProbe?: unknown;
  livenessProbe?: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
}

function podSpec(object: KubeObject): PodSpec | undefined {
  const spec = object.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

function containersOf(object: KubeObject): Container[] {
  const pod = podSpec(object);
  return pod ? [...(pod.initContainers ?? []), ...pod.containers] : [];
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const find = (objects: KubeObject[], kind: string, name: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const packageNames = (release: RenderedRelease): string[] => release.packages.map((p) => p.name);

describe('golden files', () => {
  it('finds the whole package set in packages/', () => {
    for (const name of [
      ...OPENSTACK,
      'mariadb',
      'rabbitmq',
      'memcached',
      'etcd',
      'elasticsearch',
      'traefik',
      'rados-gateway',
    ]) {
      expect(packageDirs).toContain(name);
    }
  });

  it.each(packageDirs)('packages/%s renders with its defaults exactly as its golden file', async (dir) => {
    compareGolden(dir, await render(dir));
  });

  it('the meta-package renders with parameters.yaml exactly as its golden file', async () => {
    compareGolden('stackanetes-parameters', await render('stackanetes', [PARAMETERS]));
  });

  it('the meta-package renders with Ceph, 3 replicas and ingress off exactly as its golden file', async () => {
    compareGolden('stackanetes-ceph-ha', await render('stackanetes', [PARAMETERS, CEPH_HA]));
  });
});

describe('the rendered package set', () => {
  const variants: [string, string, string[]][] = [
    ...packageDirs.map((d): [string, string, string[]] => [`packages/${d} defaults`, d, []]),
    ['stackanetes with parameters.yaml', 'stackanetes', [PARAMETERS]],
    ['stackanetes with Ceph + HA', 'stackanetes', [PARAMETERS, CEPH_HA]],
  ];

  it.each(variants)(
    '%s: every object of a built-in kind passed schema validation',
    async (_label, dir, files) => {
      // renderReference throws on an invalid object; a warning means a kind had no schema at all.
      const release = await render(dir, files);
      expect(objectsOf(release).length).toBeGreaterThan(0);
      expect(release.warnings.filter((w) => BUILT_IN.test(w))).toEqual([]);
    },
  );

  it.each(variants)(
    '%s: every container has an image, and every long-running one readiness and liveness probes',
    async (_label, dir, files) => {
      for (const object of objectsOf(await render(dir, files))) {
        for (const container of containersOf(object)) {
          const where = `${object.kind}/${object.metadata.name} container ${container.name}`;
          expect([where, typeof container.image === 'string' && container.image.length > 0]).toEqual([
            where,
            true,
          ]);
          const probed =
            WORKLOADS.has(object.kind) && !(podSpec(object)?.initContainers ?? []).includes(container);
          if (probed)
            expect([where, Boolean(container.readinessProbe), Boolean(container.livenessProbe)]).toEqual([
              where,
              true,
              true,
            ]);
        }
      }
    },
  );

  it.each(variants)('%s: no ConfigMap holds a password or a key', async (_label, dir, files) => {
    const secretValues = [
      'password',
      ...Object.values(parse(readFileSync(CEPH_HA, 'utf8')).ceph as Record<string, unknown>).flatMap((v) =>
        typeof v === 'object' && v !== null && 'keyring' in v
          ? [String((v as { keyring: string }).keyring)]
          : [],
      ),
    ];
    for (const object of objectsOf(await render(dir, files)).filter((o) => o.kind === 'ConfigMap')) {
      const text = JSON.stringify(object.data ?? {}) + JSON.stringify(object.binaryData ?? {});
      for (const value of secretValues)
        expect([object.metadata.name, value, text.includes(value)]).toEqual([
          object.metadata.name,
          value,
          false,
        ]);
    }
  });
});

describe('meta-package behaviour', () => {
  it('renders its dependencies in deploy order, with traefik first but without cinder, rados-gateway and the opt-in Searchlight by default', async () => {
    expect(
      packageNames(await render('stackanetes', [PARAMETERS])).filter((n) => n !== 'stackanetes/stackanetes'),
    ).toEqual([
      'stackanetes/mariadb',
      'stackanetes/rabbitmq',
      'stackanetes/memcached',
      'stackanetes/etcd',
      'stackanetes/traefik',
      'stackanetes/keystone',
      'stackanetes/glance',
      'stackanetes/nova',
      'stackanetes/neutron',
      'stackanetes/horizon',
    ]);
  });

  it('`when` adds cinder and rados-gateway with Ceph and removes traefik with ingress off', async () => {
    const names = packageNames(await render('stackanetes', [PARAMETERS, CEPH_HA]));
    expect(names).toContain('stackanetes/cinder');
    expect(names).toContain('stackanetes/rados-gateway');
    expect(names).not.toContain('stackanetes/traefik');
    expect(names.indexOf('stackanetes/cinder')).toBe(names.indexOf('stackanetes/glance') + 1);
  });

  it('every service on the message bus uses quorum queues, so 3 RabbitMQ replicas survive losing one', async () => {
    // Classic queues live on one member (RabbitMQ 4 has no mirroring), and a publisher and a
    // consumer that declare the same queue with different types fail with PRECONDITION_FAILED.
    const files = objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA]))
      .filter((o) => o.kind === 'Secret')
      .flatMap((o) =>
        Object.entries((o.stringData ?? {}) as Record<string, string>).map(([file, text]) => ({
          where: `${o.metadata.name} ${file}`,
          text,
        })),
      )
      .filter((f) => f.text.includes('transport_url = rabbit://'));
    expect(files.map((f) => f.where).sort()).toEqual(
      ['cinder-config cinder.conf', 'glance-config glance-api.conf', 'neutron-config neutron.conf']
        .concat(['neutron-agent neutron.conf', 'nova-compute nova.conf', 'nova-config nova.conf'])
        .sort(),
    );
    for (const { where, text } of files)
      expect([where, /\[oslo_messaging_rabbit\]\n\s*rabbit_quorum_queue = true\n/.test(text)]).toEqual([
        where,
        true,
      ]);
  });

  it('Ceph switches Glance from a PersistentVolumeClaim to RBD', async () => {
    const local = objectsOf(await render('stackanetes', [PARAMETERS]));
    const ceph = objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA]));
    expect(find(local, 'PersistentVolumeClaim', 'glance-images')).toBeDefined();
    expect(find(ceph, 'PersistentVolumeClaim', 'glance-images')).toBeUndefined();
    const conf = (find(ceph, 'Secret', 'glance-config')?.stringData as Record<string, string>)[
      'glance-api.conf'
    ];
    expect(conf).toContain('enabled_backends = rbd:rbd');
  });

  it('Neutron moves routers and DHCP off a failed gateway node instead of leaving them down', async () => {
    const conf = (
      find(objectsOf(await render('stackanetes', [PARAMETERS])), 'Secret', 'neutron-config')?.stringData as Record<
        string,
        string
      >
    )['neutron.conf'];
    // Without these a gateway node failure keeps its routers down and, with one DHCP agent per
    // network, its networks without DHCP until an operator reschedules them by hand.
    expect(conf).toMatch(/\nallow_automatic_l3agent_failover = true\n/);
    expect(conf).toMatch(/\ndhcp_agents_per_network = 2\n/);
  });

  it('Glance on a ReadWriteOnce claim refuses more than one replica, which could not start beyond the first node', async () => {
    await expect(render('stackanetes', [PARAMETERS], ['deployment.replicas=3'])).rejects.toThrow(
      /stackanetes\/glance templates\/volume\.yaml\.hbs:\d+: required: glance\.replicas is 3 but local image storage is one ReadWriteOnce claim/,
    );
    const shared = objectsOf(
      await render('stackanetes', [PARAMETERS], ['deployment.replicas=3', 'glance.volume.access_mode=ReadWriteMany']),
    );
    expect((find(shared, 'Deployment', 'glance-api')?.spec as { replicas: number }).replicas).toBe(3);
    const one = objectsOf(await render('stackanetes', [PARAMETERS], ['deployment.replicas=3', 'glance.replicas=1']));
    expect((find(one, 'Deployment', 'keystone-api')?.spec as { replicas: number }).replicas).toBe(3);
  });

  it('overriding deployment.image.base changes every image derived from it', async () => {
    const before = objectsOf(await render('stackanetes', [PARAMETERS]));
    const after = objectsOf(
      await render('stackanetes', [PARAMETERS], ['deployment.image.base=registry.example.com/kolla/%s:test']),
    );
    const images = (objects: KubeObject[]) =>
      objects.flatMap((o) => containersOf(o).map((c) => c.image ?? ''));
    const pairs = images(before).map((image, i) => [image, images(after)[i] ?? ''] as const);
    const derived = pairs.filter(([image]) => image.startsWith('quay.io/openstack.kolla/'));
    expect(derived.length).toBeGreaterThanOrEqual(30);
    for (const [image, changed] of derived) {
      expect(changed).toBe(
        image.replace(
          /^quay\.io\/openstack\.kolla\/(.*):2025\.1-ubuntu-noble$/,
          'registry.example.com/kolla/$1:test',
        ),
      );
    }
    expect(images(after).filter((i) => i.startsWith('quay.io/openstack.kolla/'))).toEqual([]);
  });

  it('`keystone: {replicas: 3}` in a variables file reaches the keystone Deployment only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-golden-'));
    try {
      const file = join(dir, 'keystone-ha.yaml');
      writeFileSync(file, 'keystone:\n  replicas: 3\n');
      const objects = objectsOf(
        await renderReference({
          reference: join(PACKAGES, 'stackanetes'),
          namespace: NAMESPACE,
          variableFiles: [PARAMETERS, file],
          cwd: ROOT,
        }),
      );
      expect((find(objects, 'Deployment', 'keystone-api')?.spec as { replicas: number }).replicas).toBe(3);
      expect((find(objects, 'Deployment', 'glance-api')?.spec as { replicas: number }).replicas).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deployment.replicas scales every OpenStack API, whose replicas prefer distinct nodes', async () => {
    const objects = objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA]));
    for (const name of [
      'keystone-api',
      'glance-api',
      'cinder-api',
      'nova-api',
      'nova-conductor',
      'nova-scheduler',
      'neutron-server',
      'horizon',
    ]) {
      expect([
        name,
        (find(objects, 'Deployment', name)?.spec as { replicas: number } | undefined)?.replicas,
      ]).toEqual([name, 3]);
      const pod = podSpec(find(objects, 'Deployment', name) as KubeObject) as PodSpec & {
        affinity?: {
          podAntiAffinity?: {
            preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: { topologyKey: string } }[];
          };
        };
      };
      const terms = pod.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      expect([name, terms.map((t) => t.podAffinityTerm.topologyKey)]).toEqual([
        name,
        ['kubernetes.io/hostname'],
      ]);
    }
  });

  it('publishes the documented Ingress hosts through the traefik class', async () => {
    const objects = objectsOf(await render('stackanetes', [PARAMETERS], ['ceph.enabled=true']));
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    const hosts = ingresses
      .flatMap((o) => (o.spec as { rules: { host: string }[] }).rules.map((r) => r.host))
      .sort();
    expect(hosts).toEqual(
      [
        'compute',
        'horizon',
        'identity',
        'image',
        'network',
        'novnc.compute',
        'object-store',
        'placement',
        'volume',
      ].map(
        (h) => `${h}.openstack.cluster`,
      ),
    );
    for (const ingress of ingresses)
      expect((ingress.spec as { ingressClassName: string }).ingressClassName).toBe('traefik');
    expect(
      objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA])).filter((o) => o.kind === 'Ingress'),
    ).toEqual([]);
  });
});

describe('lint', () => {
  it.each(OPENSTACK)(
    'packages/%s declares no parameter that no template, derived default or condition reads',
    async (dir) => {
      const result = await lint(createActionContext({ cwd: ROOT, env: process.env }), { reference: join(PACKAGES, dir), sets: PACKAGE_SETS[dir] ?? [] });
      expect(result.unused).toEqual([]);
    },
  );

  it.each([
    ['parameters.yaml', PARAMETERS],
    ['the Ceph + HA fixture', CEPH_HA],
  ])(
    '%s sets only parameters that a package declares (and lint proves declared ones are read)',
    (_label, file) => {
      // Root keys must be knobs of the meta-package; keys under a package's name must be variables of that package.
      const declared = (dir: string) =>
        new Set(leafPaths(parse(readFileSync(join(PACKAGES, dir, 'manifest.yaml'), 'utf8')).variables));
      const known = (paths: Set<string>, path: string) =>
        [...paths].some((p) => p === path || p.startsWith(`${path}.`) || path.startsWith(`${p}.`));
      const meta = declared('stackanetes');
      const undeclared: string[] = [];
      for (const [key, value] of Object.entries(
        parse(readFileSync(file, 'utf8')) as Record<string, unknown>,
      )) {
        const dir = key.replace(/^stackanetes\//, '');
        if (dir !== 'stackanetes' && packageDirs.includes(dir)) {
          const own = declared(dir);
          for (const path of leafPaths(value))
            if (!known(own, path) && !known(meta, path)) undeclared.push(`${key}.${path}`);
        } else {
          for (const path of leafPaths(value, key)) if (!known(meta, path)) undeclared.push(path);
        }
      }
      expect(undeclared).toEqual([]);
    },
  );
});

/** Leaf paths of a variables tree (`identity.admin.password`); lists count as leaves. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
    leafPaths(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe('library packages', () => {
  it('packages/ holds the shared libraries', () => {
    expect(libraryDirs).toEqual(expect.arrayContaining(['openstack-common', 'common']));
  });

  it.each(libraryDirs)('packages/%s lints clean (its partials compile, README present)', async (dir) => {
    const result = await lint(createActionContext({ cwd: ROOT, env: process.env }), { reference: join(PACKAGES, dir) });
    expect(result.warnings).toEqual([]);
    expect(result.objects).toEqual({ defaults: 0, allBranches: 0 });
  });

  it.each(libraryDirs)('every partial of packages/%s is called by some package', (dir) => {
    const calls = packageDirs.flatMap((d) => [...templateFiles(d).values()]).join('\n');
    const own = [...templateFiles(dir).values()].join('\n');
    const unused = [...templateFiles(dir).keys()]
      .map((file) => `${dir}/${file.slice(file.lastIndexOf('/') + 2).replace(/\.hbs$/, '')}`)
      .filter(
        (name) =>
          !calls.includes(`> ${name} `) &&
          !calls.includes(`> ${name}}`) &&
          !own.includes(`> ${name} `) &&
          !own.includes(`> ${name}}`),
      );
    expect(unused).toEqual([]);
  });

  it('no package keeps its own copy of a library partial', () => {
    const shared = new Set(libraryDirs.flatMap((d) => [...templateFiles(d).values()]));
    const copies = packageDirs.flatMap((d) =>
      [...templateFiles(d)].filter(([, text]) => shared.has(text)).map(([file]) => `${d}/${file}`),
    );
    expect(copies).toEqual([]);
  });

  it('rendered packages record the library releases they used', async () => {
    const release = await render('stackanetes', [PARAMETERS]);
    const glance = release.packages.find((p) => p.name === 'stackanetes/glance');
    const digest = expect.stringMatching(/^sha256:[0-9a-f]{64}$/) as unknown as string;
    expect(glance?.libraries).toEqual([
      { name: 'stackanetes/openstack-common', version: '0.4.0', digest },
      { name: 'stackanetes/common', version: '0.3.1', digest },
    ]);
  });
});

describe('package documentation', () => {
  it.each(OPENSTACK)('packages/%s/README.md names every variable of its manifest', (dir) => {
    const manifest = parse(readFileSync(join(PACKAGES, dir, 'manifest.yaml'), 'utf8')) as {
      variables: unknown;
    };
    const readme = readFileSync(join(PACKAGES, dir, 'README.md'), 'utf8');
    const missing = leafPaths(manifest.variables).filter((path) => !readme.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });
});
