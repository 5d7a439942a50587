/**
 * The core OpenStack packages (keystone, glance, cinder, horizon, searchlight, the meta-package)
 * checked against what their images and services need on a real cluster: Kolla's start contract
 * (only /var/lib/kolla/config_files/config.json is read), the Job-only Secrets, the keys, the
 * internal endpoints and the service role. Rendered in-process as `stackanetes generate` does.
 */
import { join, resolve } from 'node:path';
import { renderReference } from '../../src/actions/pipeline.js';
import type { KubeObject, RenderedRelease } from '../../src/render/types.js';

const ROOT = resolve(process.cwd());
const PACKAGES = join(ROOT, 'packages');
const PARAMETERS = join(ROOT, 'parameters.yaml');
const CEPH_HA = join(ROOT, 'test', 'packages', 'fixtures', 'ceph-ha.yaml');
const KOLLA_DIR = '/var/lib/kolla/config_files';

/** The packages this file covers. */
const CORE = ['keystone', 'glance', 'cinder', 'horizon', 'searchlight'];

const cache = new Map<string, Promise<RenderedRelease>>();
function render(dir: string, variableFiles: string[] = [], sets: string[] = []): Promise<RenderedRelease> {
  const key = JSON.stringify([dir, variableFiles, sets]);
  let release = cache.get(key);
  if (!release) {
    release = renderReference({
      reference: join(PACKAGES, dir),
      namespace: 'openstack',
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

interface EnvVar {
  name: string;
  value?: string;
}
interface Mount {
  name: string;
  mountPath: string;
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  volumeMounts?: Mount[];
}
interface SecretSource {
  name: string;
  items?: { key: string; path: string }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string };
  projected?: { sources: { secret?: SecretSource; configMap?: SecretSource }[] };
  [other: string]: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
interface KollaConfig {
  command: string;
  config_files: { source: string; dest: string; owner?: string; perm?: string; optional?: boolean }[];
  permissions?: { path: string; owner: string; recurse?: boolean; perm?: string }[];
}

function podSpec(object: KubeObject): PodSpec | undefined {
  const spec = object.spec as
    | { template?: { spec?: PodSpec }; jobTemplate?: { spec: { template: { spec: PodSpec } } } }
    | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec.template.spec;
}
const containersOf = (pod: PodSpec): Container[] => [...(pod.initContainers ?? []), ...pod.containers];
const isKolla = (c: Container): boolean => /openstack\.kolla\/|\/kolla\//.test(c.image);

/** The keys of a Secret or ConfigMap as rendered (stringData and data). */
function keysOf(objects: KubeObject[], kind: string, name: string): Map<string, string> | undefined {
  const object = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!object) return undefined;
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries((object.stringData ?? {}) as Record<string, string>)) out.set(k, v);
  for (const [k, v] of Object.entries((object.data ?? {}) as Record<string, string>))
    out.set(k, Buffer.from(v, 'base64').toString('utf8'));
  return out;
}

/** The files a volume shows at its mount (path → content), from the Secrets/ConfigMaps rendered alongside. */
function volumeFiles(objects: KubeObject[], volume: Volume): Map<string, string> {
  const files = new Map<string, string>();
  const add = (kind: string, source: SecretSource): void => {
    const keys = keysOf(objects, kind, source.name);
    if (!keys) throw new Error(`volume ${volume.name}: ${kind} ${source.name} is not rendered`);
    if (!source.items) for (const [k, v] of keys) files.set(k, v);
    else
      for (const item of source.items) {
        const value = keys.get(item.key);
        if (value === undefined) throw new Error(`volume ${volume.name}: ${kind} ${source.name} has no key ${item.key}`);
        files.set(item.path, value);
      }
  };
  if (volume.secret) add('Secret', { name: volume.secret.secretName });
  for (const source of volume.projected?.sources ?? []) {
    if (source.secret) add('Secret', source.secret);
    if (source.configMap) add('ConfigMap', source.configMap);
  }
  return files;
}

interface KollaContainer {
  where: string;
  object: KubeObject;
  container: Container;
  pod: PodSpec;
  files: Map<string, string>;
  config: KollaConfig;
}

/** Every Kolla container of a release, with the files at its config mount and its parsed config.json. */
function kollaContainers(objects: KubeObject[]): KollaContainer[] {
  const out: KollaContainer[] = [];
  for (const object of objects) {
    const pod = podSpec(object);
    if (!pod) continue;
    for (const container of containersOf(pod).filter(isKolla)) {
      const where = `${object.kind}/${object.metadata.name} container ${container.name}`;
      const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === KOLLA_DIR);
      if (!mount) throw new Error(`${where}: nothing is mounted at ${KOLLA_DIR}`);
      const volume = (pod.volumes ?? []).find((v) => v.name === mount.name);
      if (!volume) throw new Error(`${where}: mount ${mount.name} names no volume of the pod`);
      const files = volumeFiles(objects, volume);
      const text = files.get('config.json');
      if (text === undefined) throw new Error(`${where}: no config.json in volume ${volume.name}`);
      out.push({ where, object, container, pod, files, config: JSON.parse(text) as KollaConfig });
    }
  }
  return out;
}

/** Searchlight has no Kolla images (retired upstream): renders that include it name some. */
const SEARCHLIGHT_IMAGES = [
  'images.api=registry.example.com/searchlight-api:2025.1',
  'images.listener=registry.example.com/searchlight-listener:2025.1',
];
const WITH_SEARCHLIGHT = ['searchlight.enabled=true', ...SEARCHLIGHT_IMAGES.map((s) => `searchlight.${s}`)];

const VARIANTS: [string, string, string[]][] = [
  ...CORE.map((d): [string, string, string[]] => [
    `packages/${d} defaults`,
    d,
    d === 'searchlight' ? SEARCHLIGHT_IMAGES : [],
  ]),
  ['glance on RBD', 'glance', ['storage=rbd']],
  ['the meta-package with parameters.yaml', 'stackanetes', []],
  ['the meta-package with Ceph + HA', 'stackanetes', ['ceph-ha']],
  ['the meta-package with Searchlight', 'stackanetes', WITH_SEARCHLIGHT],
];
async function renderVariant(dir: string, opts: string[]): Promise<KubeObject[]> {
  if (dir === 'stackanetes') {
    const ceph = opts.includes('ceph-ha');
    return objectsOf(
      await render(
        dir,
        ceph ? [PARAMETERS, CEPH_HA] : [PARAMETERS],
        opts.filter((o) => o !== 'ceph-ha'),
      ),
    );
  }
  return objectsOf(await render(dir, [], opts));
}
const ownObjects = (objects: KubeObject[]): KubeObject[] =>
  objects.filter((o) => {
    const pkg = o.metadata.annotations?.['stackanetes.io/package'];
    return pkg === undefined || CORE.some((c) => pkg === `stackanetes/${c}`);
  });

describe('Kolla start contract (2025.1 reads only config_files/config.json)', () => {
  it.each(VARIANTS)('%s: no container sets KOLLA_CONFIG_FILE', async (_label, dir, opts) => {
    const offenders = ownObjects(await renderVariant(dir, opts)).flatMap((object) => {
      const pod = podSpec(object);
      return pod
        ? containersOf(pod)
            .filter((c) => (c.env ?? []).some((e) => e.name === 'KOLLA_CONFIG_FILE'))
            .map((c) => `${object.kind}/${object.metadata.name} ${c.name}`)
        : [];
    });
    expect(offenders).toEqual([]);
  });

  it.each(VARIANTS)(
    '%s: every Kolla container mounts a config.json whose config_files all resolve',
    async (_label, dir, opts) => {
      const containers = kollaContainers(ownObjects(await renderVariant(dir, opts)));
      expect(containers.length).toBeGreaterThan(0);
      const problems: string[] = [];
      for (const { where, container, config, files } of containers) {
        if (typeof config.command !== 'string' || !config.command) problems.push(`${where}: no command`);
        const script = /^bash \/var\/lib\/kolla\/config_files\/(\S+)/.exec(config.command ?? '');
        if (script && !files.has(script[1])) problems.push(`${where}: command script ${script[1]} is not mounted`);
        for (const file of config.config_files) {
          if (!file.owner || !file.perm) problems.push(`${where}: ${file.source} has no owner/perm`);
          if (file.optional) continue;
          if (file.source.startsWith(`${KOLLA_DIR}/`)) {
            if (!files.has(file.source.slice(KOLLA_DIR.length + 1)))
              problems.push(`${where}: ${file.source} is not a key of the config volume`);
          } else if (
            !(container.volumeMounts ?? []).some(
              (m) => m.mountPath !== KOLLA_DIR && (file.source === m.mountPath || file.source.startsWith(`${m.mountPath}/`)),
            )
          ) {
            problems.push(`${where}: ${file.source} comes from no mount of the container`);
          }
        }
        for (const p of config.permissions ?? [])
          if (!p.path || !p.owner) problems.push(`${where}: permission without path/owner`);
      }
      expect(problems).toEqual([]);
    },
  );

  it('writable state directories mounted from volumes are handed to the service user', async () => {
    const problems: string[] = [];
    for (const variant of [[], ['storage=rbd']]) {
      for (const k of kollaContainers(objectsOf(await render('glance', [], variant)))) {
        if (k.object.kind !== 'Deployment') continue;
        for (const m of k.container.volumeMounts ?? []) {
          if (m.mountPath === KOLLA_DIR || m.mountPath.startsWith('/var/lib/kolla/')) continue;
          if (!(k.config.permissions ?? []).some((p) => p.path === m.mountPath && p.owner.startsWith('glance')))
            problems.push(`${k.where}: ${m.mountPath} has no Kolla permission for glance`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("keystone's db-sync Job runs Kolla's bootstrap path, not apache's -DFOREGROUND start", async () => {
    const objects = objectsOf(await render('keystone'));
    const env = (name: string): string[] => {
      const job = objects.find((o) => o.kind === 'Job' && o.metadata.name === name);
      if (!job) throw new Error(`Job ${name} is not rendered`);
      return (podSpec(job)?.containers[0].env ?? []).map((e) => e.name);
    };
    expect(env('keystone-db-sync')).toContain('KOLLA_BOOTSTRAP');
    // Kolla's keystone extend_start appends -DFOREGROUND outside bootstrap: the bootstrap script skips it.
    expect(env('keystone-bootstrap')).toContain('KOLLA_SKIP_EXTEND_START');
    expect(env('keystone-bootstrap')).not.toContain('KOLLA_BOOTSTRAP');
  });
});

/** Every `[section] key = value` of the .conf files in the Secrets of the core packages. */
function confValues(objects: KubeObject[], section: string, key: string): { where: string; value: string }[] {
  const out: { where: string; value: string }[] = [];
  for (const o of ownObjects(objects).filter((x) => x.kind === 'Secret'))
    for (const [file, text] of Object.entries((o.stringData ?? {}) as Record<string, string>)) {
      if (!file.endsWith('.conf')) continue;
      let current = '';
      for (const line of text.split('\n')) {
        const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
        if (header) current = header[1];
        const kv = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (kv && current === section && kv[1] === key)
          out.push({ where: `${o.metadata.name} ${file}`, value: kv[2] });
      }
    }
  return out;
}
const packagesOf = async (files: string[], sets: string[] = []): Promise<string[]> =>
  (await render('stackanetes', files, sets)).packages.map((p) => p.name);

describe('Searchlight is opt-in (retired upstream, no Kolla images since Wallaby)', () => {
  it('the default stack deploys neither Searchlight nor its Elasticsearch', async () => {
    const names = await packagesOf([PARAMETERS]);
    expect(names).not.toContain('stackanetes/searchlight');
    expect(names).not.toContain('stackanetes/elasticsearch');
  });

  it('without Searchlight every service drops notifications (noop), with it they go to the bus', async () => {
    const off = confValues(objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA])), 'oslo_messaging_notifications', 'driver');
    expect(off.map((f) => f.where).sort()).toEqual(['cinder-config cinder.conf', 'glance-config glance-api.conf']);
    expect(off.filter((f) => f.value !== 'noop')).toEqual([]);
    const on = confValues(
      objectsOf(await render('stackanetes', [PARAMETERS, CEPH_HA], WITH_SEARCHLIGHT)),
      'oslo_messaging_notifications',
      'driver',
    );
    expect(on.length).toBe(2);
    expect(on.filter((f) => f.value !== 'messagingv2')).toEqual([]);
    // A package rendered on its own has no consumer either.
    expect(confValues(objectsOf(await render('glance')), 'oslo_messaging_notifications', 'driver')).toEqual([
      { where: 'glance-config glance-api.conf', value: 'noop' },
    ]);
  });

  it('enabling it without images stops the render with one line naming both image parameters', async () => {
    await expect(render('stackanetes', [PARAMETERS], ['searchlight.enabled=true'])).rejects.toThrow(
      /searchlight\.images\.api and searchlight\.images\.listener must name your own Searchlight images/,
    );
    expect(await packagesOf([PARAMETERS], WITH_SEARCHLIGHT)).toContain('stackanetes/searchlight');
  });

  it('the ingress comes before Keystone and optional services after every required one', async () => {
    const names = await packagesOf([PARAMETERS, CEPH_HA], ['network.ingress.enabled=true', ...WITH_SEARCHLIGHT]);
    const at = (n: string): number => names.indexOf(`stackanetes/${n}`);
    expect(at('traefik')).toBeGreaterThanOrEqual(0);
    expect(at('traefik')).toBeLessThan(at('keystone'));
    const optional = ['elasticsearch', 'searchlight'].map(at);
    const required = ['keystone', 'glance', 'cinder', 'nova', 'neutron', 'horizon', 'rados-gateway'].map(at);
    expect(Math.min(...optional)).toBeGreaterThan(Math.max(...required));
  });
});

describe('service-to-service calls use internal endpoints (pods cannot resolve the public names)', () => {
  const FULL: [string, string[], string[]] = ['stackanetes', [PARAMETERS, CEPH_HA], ['network.ingress.enabled=true', ...WITH_SEARCHLIGHT]];

  it('every [keystone_authtoken] validates tokens through the internal identity endpoint', async () => {
    const objects = objectsOf(await render(...FULL));
    const sections = confValues(objects, 'keystone_authtoken', 'username').map((f) => f.where);
    expect(sections.sort()).toEqual(
      ['cinder-config cinder.conf', 'glance-config glance-api.conf', 'searchlight-config searchlight.conf'].sort(),
    );
    const interfaces = confValues(objects, 'keystone_authtoken', 'interface');
    expect(interfaces.map((f) => f.where).sort()).toEqual(sections.sort());
    expect(interfaces.filter((f) => f.value !== 'internal')).toEqual([]);
  });

  it('cinder reaches Nova and Glance through their internal endpoints', async () => {
    const objects = objectsOf(await render(...FULL));
    expect(confValues(objects, 'nova', 'interface')).toEqual([{ where: 'cinder-config cinder.conf', value: 'internal' }]);
    expect(confValues(objects, 'nova', 'auth_type')).toEqual([{ where: 'cinder-config cinder.conf', value: 'password' }]);
    expect(confValues(objects, 'DEFAULT', 'glance_catalog_info')).toEqual([
      { where: 'cinder-config cinder.conf', value: 'image:glance:internalURL' },
    ]);
  });

  it("horizon's server side calls the internal endpoints", async () => {
    const secret = objectsOf(await render('horizon')).find((o) => o.kind === 'Secret' && o.metadata.name === 'horizon-config');
    const settings = (secret?.stringData as Record<string, string>)['local_settings.py'];
    expect(settings).toMatch(/^OPENSTACK_ENDPOINT_TYPE = 'internalURL'$/m);
    expect(settings).toMatch(/^OPENSTACK_KEYSTONE_URL = 'http:\/\/keystone-api:5000\/v3'$/m);
  });

  it('no service configuration names a public ingress host', async () => {
    const objects = ownObjects(objectsOf(await render(...FULL)));
    const offenders: string[] = [];
    for (const o of objects.filter((x) => x.kind === 'Secret'))
      for (const [file, text] of Object.entries((o.stringData ?? {}) as Record<string, string>))
        if (/\.(conf|py)$/.test(file) && text.includes('.openstack.cluster')) offenders.push(`${o.metadata.name} ${file}`);
    expect(offenders).toEqual([]);
  });
});

describe('service role (Cinder 2025.1 and Nova refuse service calls without it)', () => {
  const FULL: [string, string[], string[]] = ['stackanetes', [PARAMETERS, CEPH_HA], WITH_SEARCHLIGHT];

  it('every registration script of the core packages grants the service user both service and admin in the service project', async () => {
    const scripts = ownObjects(objectsOf(await render(...FULL))).flatMap((o) =>
      o.kind === 'Secret' && typeof (o.stringData as Record<string, string> | undefined)?.['register.sh'] === 'string'
        ? [{ where: o.metadata.name, text: (o.stringData as Record<string, string>)['register.sh'] }]
        : [],
    );
    expect(scripts.map((s) => s.where)).toEqual(
      expect.arrayContaining(['glance-register', 'cinder-register', 'searchlight-register']),
    );
    for (const { where, text } of scripts) {
      // Grants as the script would run them: `role add … <role>` lines, expanding the role loop.
      const loop = /for role in ([^;\n]+); do\n\s*openstack role add --project '([^']+)' --user '([^']+)' "\$role"/.exec(text);
      const granted = loop ? loop[1].trim().split(/\s+/) : [];
      expect([where, granted.sort(), loop?.[2]]).toEqual([where, ['admin', 'service'], 'service']);
      expect([where, text.includes('openstack role create --or-show service')]).toEqual([where, true]);
    }
  });

  it('every [keystone_authtoken] requires the service role on service tokens', async () => {
    const objects = objectsOf(await render(...FULL));
    const sections = confValues(objects, 'keystone_authtoken', 'username').map((f) => f.where).sort();
    const required = confValues(objects, 'keystone_authtoken', 'service_token_roles_required');
    expect(required.map((f) => f.where).sort()).toEqual(sections);
    expect(required.filter((f) => f.value !== 'true')).toEqual([]);
  });
});
