/**
 * The core OpenStack packages (keystone, glance, cinder, horizon, searchlight, the meta-package)
 * checked against what their images and services need on a real cluster: Kolla's start contract
 * (only /var/lib/kolla/config_files/config.json is read), the Job-only Secrets, the keys, the
 * internal endpoints and the service role. Rendered in-process as `stackanetes generate` does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/model/types.js';
import { objectsOf, render, ROOT } from './render.js';

const PARAMETERS = join(ROOT, 'parameters.yaml');
const CEPH_HA = join(ROOT, 'test', 'packages', 'fixtures', 'ceph-ha.yaml');
const KOLLA_DIR = '/var/lib/kolla/config_files';

/** The packages this file covers. */
const CORE = ['keystone', 'glance', 'cinder', 'horizon', 'searchlight'];


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
  optional?: boolean;
  items?: { key: string; path: string }[];
}
interface Volume {
  name: string;
  secret?: { secretName: string; optional?: boolean };
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
    if (!keys) {
      if (source.optional) return;
      throw new Error(`volume ${volume.name}: ${kind} ${source.name} is not rendered`);
    }
    if (!source.items) for (const [k, v] of keys) files.set(k, v);
    else
      for (const item of source.items) {
        const value = keys.get(item.key);
        if (value === undefined) throw new Error(`volume ${volume.name}: ${kind} ${source.name} has no key ${item.key}`);
        files.set(item.path, value);
      }
  };
  if (volume.secret) add('Secret', { name: volume.secret.secretName, optional: volume.secret.optional ?? false });
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
        if (script?.[1] && !files.has(script[1])) problems.push(`${where}: command script ${script[1]} is not mounted`);
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
      return (podSpec(job)?.containers[0]?.env ?? []).map((e) => e.name);
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
        if (header?.[1]) current = header[1];
        const kv = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
        if (kv && current === section && kv[1] === key)
          out.push({ where: `${o.metadata.name} ${file}`, value: kv[2] ?? '' });
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

  it('the searchlight package switched off renders nothing, ingress included', async () => {
    expect(objectsOf(await render('searchlight', [], ['enabled=false']))).toEqual([]);
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
    const scripts = ownObjects(objectsOf(await render(...FULL))).flatMap((o) => {
      const text = o.kind === 'Secret' ? (o.stringData as Record<string, string> | undefined)?.['register.sh'] : undefined;
      return text === undefined ? [] : [{ where: o.metadata.name, text }];
    });
    expect(scripts.map((s) => s.where)).toEqual(
      expect.arrayContaining(['glance-register', 'cinder-register', 'searchlight-register']),
    );
    for (const { where, text } of scripts) {
      // Grants as the script would run them: `role add … <role>` lines, expanding the role loop.
      const loop = /for role in ([^;\n]+); do\n\s*openstack role add --project '([^']+)' --user '([^']+)' "\$role"/.exec(text);
      const granted = loop?.[1] ? loop[1].trim().split(/\s+/) : [];
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

/** The Secret keys of a rendered Secret. */
function secretData(objects: KubeObject[], name: string): Record<string, string> | undefined {
  const keys = keysOf(objects, 'Secret', name);
  return keys ? Object.fromEntries(keys) : undefined;
}
const find = (objects: KubeObject[], kind: string, name: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const PLACEHOLDERS = [
  'c3RhY2thbmV0ZXMtcGxhY2Vob2xkZXIta2V5LTAwMDA=',
  'c3RhY2thbmV0ZXMtcGxhY2Vob2xkZXIta2V5LTAwMDE=',
];
const OWN_KEYS = ['yzMTwb2pQmLFdPBD1_Xb4ZnYrr7v1tW2RMLTSnEbXtY=', 'Xq9mXvkc3zRJpI7hSxm5aFQ4wGNR4A3aF0xg2wD6k1c='];

/** A Kubernetes API stand-in holding Secrets of namespace openstack, for keys.py. */
async function fakeSecretsApi(): Promise<{ url: string; secrets: Map<string, Record<string, unknown>>; calls: string[]; close: () => Promise<void> }> {
  const secrets = new Map<string, Record<string, unknown>>();
  const calls: string[] = [];
  let version = 1;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const match = /^\/api\/v1\/namespaces\/openstack\/secrets(?:\/([^/]+))?$/.exec(req.url ?? '');
      calls.push(`${req.method} ${match?.[1] ?? ''}`);
      const reply = (code: number, value: unknown): void => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (!match || req.headers.authorization !== 'Bearer test-token') return reply(403, {});
      const name = match[1];
      if (req.method === 'GET' && name) return secrets.has(name) ? reply(200, secrets.get(name)) : reply(404, {});
      const object = JSON.parse(body || '{}') as { metadata: { name: string; resourceVersion?: string } };
      if (req.method === 'POST') {
        if (secrets.has(object.metadata.name)) return reply(409, {});
        object.metadata.resourceVersion = String(version++);
        secrets.set(object.metadata.name, object);
        return reply(201, object);
      }
      if (req.method === 'PUT' && name) {
        const current = secrets.get(name) as { metadata: { resourceVersion: string } } | undefined;
        if (!current || current.metadata.resourceVersion !== object.metadata.resourceVersion) return reply(409, {});
        object.metadata.resourceVersion = String(version++);
        secrets.set(name, object);
        return reply(200, object);
      }
      reply(405, {});
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secrets,
    calls,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

function runPython(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn('python3', [script, ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, out }));
  });
}

describe('Keystone keys: generated once in the cluster, rotated, never the published placeholders', () => {
  it('by default renders no key Secret, but the Job that creates them, the rotation CronJob and the API waiting for the Job', async () => {
    const objects = objectsOf(await render('stackanetes', [PARAMETERS]));
    expect(find(objects, 'Secret', 'keystone-fernet-keys')).toBeUndefined();
    expect(find(objects, 'Secret', 'keystone-credential-keys')).toBeUndefined();
    const config = secretData(objects, 'keystone-config') ?? {};
    expect(JSON.parse(config['keystone-keys.json'] ?? '{}').command).toBe(
      'python3 /var/lib/kolla/config_files/keys.py ensure keystone-fernet-keys keystone-credential-keys',
    );
    expect(podSpec(find(objects, 'Job', 'keystone-keys') as KubeObject)).toMatchObject({ serviceAccountName: 'keystone-keys' });
    const cron = find(objects, 'CronJob', 'keystone-fernet-rotate') as KubeObject;
    expect(cron).toBeDefined();
    expect(JSON.parse(config['keystone-fernet-rotate.json'] ?? '{}').command).toBe(
      'python3 /var/lib/kolla/config_files/keys.py rotate keystone-fernet-keys 5',
    );
    const api = find(objects, 'Deployment', 'keystone-api') as KubeObject;
    expect(api.metadata.annotations?.['stackanetes.io/depends-on']?.split(',')).toContain('Job/keystone-keys');
    const role = find(objects, 'Role', 'keystone-keys') as KubeObject & { rules: { verbs: string[]; resourceNames?: string[] }[] };
    for (const rule of role.rules.filter((r) => !r.verbs.includes('create')))
      expect(rule.resourceNames).toEqual(['keystone-fernet-keys', 'keystone-credential-keys']);
  });

  it.each([
    ['fernet_keys', 'keystone.fernet_keys'],
    ['credential_keys', 'keystone.credential_keys'],
  ])('refuses the published placeholder %s with one line naming the parameter', async (key, parameter) => {
    const value = `[${PLACEHOLDERS.join(',')}]`;
    await expect(render('keystone', [], [`${key}=${value}`])).rejects.toThrow(
      new RegExp(`${parameter.replace('.', '\\.')}\\[0\\] is a published placeholder key, with which anyone can forge tokens`),
    );
    await expect(render('stackanetes', [PARAMETERS], [`keystone.${key}=${value}`])).rejects.toThrow(/published placeholder key/);
    await expect(render('keystone', [], [`${key}=[too-short]`])).rejects.toThrow(new RegExp(`${parameter.replace('.', '\\.')}\\[0\\] is not a Fernet key`));
  });

  it('given keys are used as they are, with nothing generated or rotated', async () => {
    const objects = objectsOf(
      await render('keystone', [], [`fernet_keys=[${OWN_KEYS.join(',')}]`, `credential_keys=[${OWN_KEYS.join(',')}]`]),
    );
    expect(secretData(objects, 'keystone-fernet-keys')).toEqual({ '0': OWN_KEYS[0], '1': OWN_KEYS[1] });
    expect(find(objects, 'Job', 'keystone-keys')).toBeUndefined();
    expect(find(objects, 'CronJob', 'keystone-fernet-rotate')).toBeUndefined();
    expect(find(objects, 'Deployment', 'keystone-api')?.metadata.annotations?.['stackanetes.io/depends-on']).toBe(
      'Job/keystone-bootstrap',
    );
  });

  it('keys.py creates missing key Secrets once, keeps them on a rerun, and rotates like keystone-manage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keystone-keys-'));
    const api = await fakeSecretsApi();
    try {
      const config = secretData(objectsOf(await render('keystone')), 'keystone-config') ?? {};
      writeFileSync(join(dir, 'keys.py'), config['keys.py'] ?? '');
      writeFileSync(join(dir, 'token'), 'test-token\n');
      writeFileSync(join(dir, 'namespace'), 'openstack');
      const env = { SERVICE_ACCOUNT_DIR: dir, KUBERNETES_API_URL: api.url };
      const script = join(dir, 'keys.py');
      const names = ['keystone-fernet-keys', 'keystone-credential-keys'];
      const data = (name: string): Record<string, string> =>
        Object.fromEntries(
          Object.entries((api.secrets.get(name)?.data ?? {}) as Record<string, string>).map(([k, v]) => [
            k,
            Buffer.from(v, 'base64').toString(),
          ]),
        );

      expect((await runPython(script, ['ensure', ...names], env)).code).toBe(0);
      const first = data('keystone-fernet-keys');
      expect(Object.keys(first).sort()).toEqual(['0', '1']);
      for (const key of Object.values(first)) expect(Buffer.from(key, 'base64url').length).toBe(32);
      expect(first['0']).not.toBe(first['1']);
      expect(Object.keys(data('keystone-credential-keys')).sort()).toEqual(['0', '1']);

      // A redeploy runs the Job again: nothing is replaced.
      api.calls.length = 0;
      const again = await runPython(script, ['ensure', ...names], env);
      expect(again.code).toBe(0);
      expect(api.calls).toEqual(['GET keystone-fernet-keys', 'GET keystone-credential-keys']);
      expect(data('keystone-fernet-keys')).toEqual(first);

      // Rotation: the staged key 0 becomes the new primary, a fresh key is staged, and no more
      // than max_active keys are kept (the oldest secondary goes first).
      expect((await runPython(script, ['rotate', 'keystone-fernet-keys', '3'], env)).code).toBe(0);
      const second = data('keystone-fernet-keys');
      expect(Object.keys(second).sort()).toEqual(['0', '1', '2']);
      expect(second['2']).toBe(first['0']);
      expect(second['1']).toBe(first['1']);
      expect(second['0']).not.toBe(first['0']);
      expect((await runPython(script, ['rotate', 'keystone-fernet-keys', '3'], env)).code).toBe(0);
      const third = data('keystone-fernet-keys');
      expect(Object.keys(third).sort()).toEqual(['0', '2', '3']);
      expect(third['3']).toBe(second['0']);
      expect(third['2']).toBe(second['2']);
    } finally {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('administrative passwords reach only the Jobs that need them', () => {
  const ROOT_PW = 'root-pw-only-for-db-init';
  const ADMIN_PW = 'admin-pw-only-for-registration';
  it.each([
    ['the default stack', [PARAMETERS]],
    ['the Ceph + HA stack', [PARAMETERS, CEPH_HA]],
  ])('%s: no long-running pod of the core packages mounts the database root or Keystone admin password', async (_l, files) => {
    const objects = objectsOf(
      await render('stackanetes', files, [
        `database.root_password=${ROOT_PW}`,
        `identity.admin.password=${ADMIN_PW}`,
        ...WITH_SEARCHLIGHT,
      ]),
    );
    const offenders: string[] = [];
    let jobsWithThem = 0;
    for (const object of ownObjects(objects)) {
      const pod = podSpec(object);
      if (!pod) continue;
      const text = (pod.volumes ?? []).map((v) => [...volumeFiles(objects, v).values()].join('\n')).join('\n');
      const holds = text.includes(ROOT_PW) || text.includes(ADMIN_PW);
      if (object.kind === 'Job' && holds) jobsWithThem++;
      if (object.kind !== 'Job' && holds) offenders.push(`${object.kind}/${object.metadata.name}`);
    }
    expect(offenders).toEqual([]);
    expect(jobsWithThem).toBeGreaterThan(0);
  });
});

describe('smaller defects of the core packages', () => {
  const FULL: [string, string[], string[]] = ['stackanetes', [PARAMETERS, CEPH_HA], ['network.ingress.enabled=true', ...WITH_SEARCHLIGHT]];

  it('cinder registers under a fixed host, not the random pod name of each replica', async () => {
    const objects = objectsOf(await render(...FULL));
    expect(confValues(objects, 'DEFAULT', 'host')).toEqual([{ where: 'cinder-config cinder.conf', value: 'cinder' }]);
  });

  it('glance on RBD shows image locations so Nova and Cinder clone inside Ceph', async () => {
    const rbd = confValues(objectsOf(await render('glance', [], ['storage=rbd'])), 'DEFAULT', 'show_image_direct_url');
    expect(rbd).toEqual([{ where: 'glance-config glance-api.conf', value: 'true' }]);
    expect(confValues(objectsOf(await render('glance')), 'DEFAULT', 'show_image_direct_url')).toEqual([]);
  });

  it('no [service_user] names region_name (not an option there)', async () => {
    expect(confValues(objectsOf(await render(...FULL)), 'service_user', 'region_name')).toEqual([]);
  });

  it('every Deployment and StatefulSet has a PodDisruptionBudget evicting one pod at a time', async () => {
    const objects = ownObjects(objectsOf(await render(...FULL)));
    const deployments = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(deployments.length).toBeGreaterThanOrEqual(8);
    for (const d of deployments) {
      const labels = (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const pdbs = objects.filter(
        (o) =>
          o.kind === 'PodDisruptionBudget' &&
          JSON.stringify((o.spec as { selector: { matchLabels: unknown } }).selector.matchLabels) === JSON.stringify(labels),
      );
      expect([d.metadata.name, pdbs.map((p) => (p.spec as { maxUnavailable?: number }).maxUnavailable)]).toEqual([
        d.metadata.name,
        [1],
      ]);
    }
  });

  it('every setup Job names what it needs in stackanetes.io/depends-on, and each named object is rendered', async () => {
    const objects = objectsOf(await render(...FULL));
    const own = ownObjects(objects);
    // Jobs that need nothing before them: the database creations and the key generation.
    const first = new Set(['keystone-db-init', 'glance-db-init', 'cinder-db-init', 'keystone-keys']);
    const missing: string[] = [];
    for (const job of own.filter((o) => o.kind === 'Job')) {
      const after = job.metadata.annotations?.['stackanetes.io/depends-on'];
      if (first.has(job.metadata.name)) continue;
      if (!after) {
        missing.push(`Job/${job.metadata.name}: no depends-on`);
        continue;
      }
      for (const ref of after.split(',')) {
        // `ns/package:Kind/name` names an object of another package of the stack
        const [kind, name] = ref.slice(ref.indexOf(':') + 1).split('/');
        if (!objects.some((o) => o.kind === kind && o.metadata.name === name)) missing.push(`Job/${job.metadata.name}: ${ref} is not rendered`);
      }
    }
    expect(missing).toEqual([]);
    const dependsOn = (kind: string, name: string): string | undefined =>
      find(objects, kind, name)?.metadata.annotations?.['stackanetes.io/depends-on'];
    for (const svc of ['keystone', 'glance', 'cinder']) expect(dependsOn('Job', `${svc}-db-sync`)).toBe(`Job/${svc}-db-init`);
    expect(dependsOn('Job', 'keystone-bootstrap')).toBe('Job/keystone-db-sync');
    for (const svc of ['glance', 'cinder', 'searchlight']) expect(dependsOn('Job', `${svc}-register`)).toBe('stackanetes/keystone:Deployment/keystone-api');
  });
});
