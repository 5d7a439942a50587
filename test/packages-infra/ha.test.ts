/**
 * High availability of the infrastructure packages, rendered in-process as `stackanetes
 * generate` renders them: every memcached member reaches every cache client, Galera writes go
 * to one primary and a full outage recovers from the most advanced member, disruption budgets
 * fit the replica count, and the RADOS Gateway is an OpenStack object store.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/model/types.js';
import { get, renderObjects } from './render.js';

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

const render = (dir: string, sets: string[] = []): Promise<KubeObject[]> =>
  renderObjects(dir, NAMESPACE, sets);

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

describe('galera: one write primary, recovery from the most advanced member', () => {
  it('Service/mariadb (database.host) routes to member 0 only; mariadb.primary moves it', async () => {
    const objects = await render('mariadb', ['replicas=3']);
    expect(serviceOf(get(objects, 'Service', 'mariadb')).selector).toEqual({
      'app.kubernetes.io/name': 'mariadb',
      'app.kubernetes.io/component': 'database',
      'statefulset.kubernetes.io/pod-name': 'mariadb-0',
    });
    const moved = await render('mariadb', ['replicas=3', 'primary=2']);
    expect(serviceOf(get(moved, 'Service', 'mariadb')).selector['statefulset.kubernetes.io/pod-name']).toBe(
      'mariadb-2',
    );
  });

  it.each([3, -1])('primary=%i with three members is refused with one line', async (n) => {
    await expect(render('mariadb', ['replicas=3', `primary=${n}`])).rejects.toThrow(
      new RegExp(`mariadb\\.primary must be the ordinal of a member, 0 to 2 \\(got ${n}\\)[^\\n]*$`),
    );
  });

  it('every OpenStack package still connects to database.host mariadb', async () => {
    const objects = await render('stackanetes', ['deployment.replicas=3', 'ceph.enabled=true']);
    const connections = [...configTexts(objects).values()].flatMap((t) => [
      ...t.matchAll(/^\s*connection\s*=\s*mysql\+pymysql:\/\/[^@]+@([^:/]+)/gm),
    ]);
    expect(connections.length).toBeGreaterThan(3);
    expect(new Set(connections.map((m) => m[1]))).toEqual(new Set(['mariadb']));
  });

  it('members start in parallel, so all of them can report their data after a full outage', async () => {
    const set = specOf(get(await render('mariadb', ['replicas=3']), 'StatefulSet', 'mariadb'));
    expect(set.podManagementPolicy).toBe('Parallel');
    expect(set.template.spec.containers[0]?.ports?.map((p) => p.name)).toContain('recovery');
  });

  describe('start.sh decides from the peers, run with stand-ins for Kolla, mariadbd and the network', () => {
    let dir: string;
    let scripts: Record<string, string>;
    let env: Record<string, string>;
    const realSleep = spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim();

    beforeAll(async () => {
      const objects = await render('mariadb', ['replicas=3']);
      scripts = get(objects, 'ConfigMap', 'mariadb-scripts').data as Record<string, string>;
      const main = specOf(get(objects, 'StatefulSet', 'mariadb')).template.spec.containers[0];
      env = Object.fromEntries(
        (main?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value ?? '']),
      );
    });
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'galera-'));
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      const stub = (name: string, body: string): void =>
        writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
      stub('sudo', 'exit 0');
      stub(
        'kolla_start',
        'if [ "${KOLLA_BOOTSTRAP+set}" = set ]; then echo "kolla bootstrap"; mkdir -p "$GALERA_DATADIR/mysql"; exit 0; fi\necho "kolla_start $BOOTSTRAP_ARGS"',
      );
      stub(
        'mariadbd',
        'for a; do case $a in --log-error=*) log=${a#--log-error=};; esac; done\necho "[Note] WSREP: Recovered position: 6f1c2a30-0000-11f0-9c4e-aa00b1c2d3e4:$FAKE_RECOVERED" > "$log"',
      );
      // The peers: <name>.alive when its server runs, <name>.seqno for the position it reports.
      stub(
        'python3',
        `shift\ncase $1 in\n  serve) exec ${realSleep} 30 ;;\n  alive) [ -f "$FAKE/\${2%%.*}.alive" ] ;;\n  ask) [ -f "$FAKE/\${2%%.*}.seqno" ] && cat "$FAKE/\${2%%.*}.seqno" ;;\nesac`,
      );
      // The first wait ends the run: the test sees what the member waits for.
      stub('sleep', 'echo "(waits)"; exit 99');
      mkdirSync(join(dir, 'peers'));
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'start.sh'), scripts['start.sh'] ?? '');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const grastate = (seqno: number): void => {
      mkdirSync(join(dir, 'data', 'mysql'), { recursive: true });
      writeFileSync(
        join(dir, 'data', 'grastate.dat'),
        `# GALERA saved state\nversion: 2.1\nuuid:    6f1c2a30-0000-11f0-9c4e-aa00b1c2d3e4\nseqno:   ${seqno}\nsafe_to_bootstrap: 0\n`,
      );
    };
    const peer = (name: string, state: { seqno?: number; alive?: boolean }): void => {
      if (state.seqno !== undefined) writeFileSync(join(dir, 'peers', `${name}.seqno`), `${state.seqno}\n`);
      if (state.alive) writeFileSync(join(dir, 'peers', `${name}.alive`), '');
    };
    const start = (hostname: string, recovered = ''): { code: number | null; out: string } => {
      const result = spawnSync('bash', [join(dir, 'start.sh')], {
        encoding: 'utf8',
        timeout: 20000,
        env: {
          ...env,
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
          HOSTNAME: hostname,
          GALERA_DATADIR: join(dir, 'data'),
          FAKE: join(dir, 'peers'),
          FAKE_RECOVERED: recovered,
        },
      });
      return { code: result.status, out: result.stdout + result.stderr };
    };

    it('after a full outage the member with the highest seqno bootstraps, even if it is not member 0', () => {
      grastate(120);
      peer('mariadb-0', { seqno: 100 });
      peer('mariadb-2', { seqno: 80 });
      const run = start('mariadb-1');
      expect(run.out).toContain('kolla_start --wsrep_node_name=mariadb-1 --wsrep-new-cluster');
      expect(run.code).toBe(0);
      expect(readFileSync(join(dir, 'data', 'grastate.dat'), 'utf8')).toContain('safe_to_bootstrap: 1');
    });

    it('member 0 with older data waits for the most advanced member instead of bootstrapping', () => {
      grastate(100);
      peer('mariadb-1', { seqno: 120 });
      peer('mariadb-2', { seqno: 80 });
      const run = start('mariadb-0');
      expect(run.out).toContain('waiting for mariadb-1 (seqno 120) to start the cluster');
      expect(run.out).not.toContain('kolla_start');
      expect(run.code).toBe(99);
      expect(readFileSync(join(dir, 'data', 'grastate.dat'), 'utf8')).toContain('safe_to_bootstrap: 0');
    });

    it('after a crash (seqno -1) the position comes from mariadbd --wsrep-recover', () => {
      grastate(-1);
      peer('mariadb-0', { seqno: 120 });
      peer('mariadb-2', { seqno: 120 });
      const run = start('mariadb-1', '130');
      expect(run.out).toContain('data position of mariadb-1: seqno 130');
      expect(run.out).toContain('--wsrep-new-cluster');
    });

    it('equal positions go to the lowest ordinal', () => {
      grastate(120);
      peer('mariadb-0', { seqno: 120 });
      peer('mariadb-2', { seqno: 120 });
      expect(start('mariadb-1').out).toContain('waiting for mariadb-0 (seqno 120)');
    });

    it('a running member is joined, whatever the positions', () => {
      grastate(500);
      peer('mariadb-0', { seqno: 100 });
      peer('mariadb-2', { alive: true });
      const run = start('mariadb-1');
      expect(run.out).toContain('member mariadb-2 is running: joining it');
      expect(run.out).toContain('kolla_start --wsrep_node_name=mariadb-1\n');
      expect(run.code).toBe(0);
    });

    it('nobody bootstraps while a member has not reported; force-bootstrap overrides', () => {
      grastate(120);
      peer('mariadb-0', { seqno: 100 });
      const waiting = start('mariadb-1');
      expect(waiting.out).toContain('waiting for the data position of: mariadb-2');
      expect(waiting.code).toBe(99);
      writeFileSync(join(dir, 'data', 'force-bootstrap'), '');
      const forced = start('mariadb-1');
      expect(forced.out).toContain('--wsrep-new-cluster');
      expect(forced.code).toBe(0);
    });

    it('first deploy: no member has data, member 0 initialises and bootstraps, the others wait for it', () => {
      peer('mariadb-1', { seqno: -2 });
      peer('mariadb-2', { seqno: -2 });
      const first = start('mariadb-0');
      expect(first.out).toContain('kolla bootstrap');
      expect(first.out).toContain('kolla_start --wsrep_node_name=mariadb-0 --wsrep-new-cluster');
      rmSync(join(dir, 'data', 'mysql'), { recursive: true });
      rmSync(join(dir, 'peers', 'mariadb-1.seqno'));
      peer('mariadb-0', { seqno: -2 });
      const second = start('mariadb-1');
      expect(second.out).toContain('waiting for mariadb-0 (seqno -2)');
      expect(second.out).not.toContain('kolla bootstrap');
    });

    it('a member without data is never chosen over one with data, even as member 0', () => {
      peer('mariadb-1', { seqno: 7 });
      peer('mariadb-2', { seqno: -1 });
      const run = start('mariadb-0');
      expect(run.out).toContain('waiting for mariadb-1 (seqno 7)');
      expect(run.out).not.toContain('kolla bootstrap');
    });

    it('galera.py serves the position and reads a peer over TCP', async () => {
      writeFileSync(join(dir, 'galera.py'), scripts['galera.py'] ?? '');
      const port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const address = probe.address();
          probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
        });
      });
      const server = spawn('python3', [join(dir, 'galera.py'), 'serve', String(port), '4711'], {
        stdio: 'ignore',
      });
      try {
        const ask = (command: string): { status: number | null; stdout: string } =>
          spawnSync('python3', [join(dir, 'galera.py'), command, '127.0.0.1', String(port)], {
            encoding: 'utf8',
          });
        let answer = ask('ask');
        for (let i = 0; i < 50 && answer.status !== 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          answer = ask('ask');
        }
        expect(answer).toMatchObject({ status: 0, stdout: '4711\n' });
        expect(ask('alive').status).toBe(0);
      } finally {
        server.kill();
      }
      const closed = spawnSync('python3', [join(dir, 'galera.py'), 'ask', '127.0.0.1', String(port)], {
        encoding: 'utf8',
      });
      expect(closed.status).toBe(1);
    });
  });
});

describe('rados-gateway: the OpenStack object store', () => {
  interface PodTemplate {
    spec: {
      containers: (Container & { volumeMounts?: { name: string; mountPath: string }[] })[];
      volumes?: {
        name: string;
        secret?: { secretName: string };
        projected?: { sources: { secret: { name: string; items?: { key: string; path: string }[] } }[] };
      }[];
    };
  }
  const podOf = (object: KubeObject): PodTemplate => (object.spec as { template: PodTemplate }).template;
  const cephConf = (objects: KubeObject[]): string =>
    (get(objects, 'ConfigMap', 'rados-gateway-config').data as Record<string, string>)['ceph.conf'] ?? '';

  it('ceph.conf authenticates Swift and S3 against Keystone and puts the account in the URL', async () => {
    const conf = cephConf(await render('rados-gateway'));
    for (const line of [
      'rgw_keystone_url = http://keystone-api:5000',
      'rgw_keystone_api_version = 3',
      'rgw_keystone_admin_user = ceph_rgw',
      'rgw_keystone_admin_project = service',
      'rgw_keystone_admin_domain = Default',
      'rgw_keystone_accepted_roles = member, admin',
      'rgw_keystone_accepted_admin_roles = admin',
      'rgw_keystone_implicit_tenants = true',
      'rgw_s3_auth_use_keystone = true',
      'rgw_swift_account_in_url = true',
    ])
      expect(conf).toContain(`\n${line}\n`);
  });

  it('the Keystone password of the gateway reaches a Secret the gateway mounts, never a ConfigMap', async () => {
    const objects = await render('rados-gateway', ['service.password=sentinel-rgw-keystone']);
    const holders = objects.filter((o) => JSON.stringify(o).includes('sentinel-rgw-keystone'));
    expect(holders.map((o) => o.kind)).not.toContain('ConfigMap');
    const secret = get(objects, 'Secret', 'rados-gateway-keystone');
    expect((secret.stringData as Record<string, string>).password).toBe('sentinel-rgw-keystone');
    const gateway = podOf(get(objects, 'Deployment', 'rados-gateway'));
    expect(gateway.spec.containers[0]?.command).toContain(
      '--rgw_keystone_admin_password_path=/etc/ceph/keystone/password',
    );
    const volume = gateway.spec.volumes?.find((v) => v.secret?.secretName === 'rados-gateway-keystone');
    expect(gateway.spec.containers[0]?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: volume?.name, mountPath: '/etc/ceph/keystone' }),
    );
  });

  it('a register Job after Keystone bootstrap registers object-store with account URLs, internal and public', async () => {
    const objects = await render('rados-gateway');
    const job = get(objects, 'Job', 'rados-gateway-register');
    expect(job.metadata.annotations?.['stackanetes.io/depends-on']).toBe(
      'stackanetes/keystone:Job/keystone-bootstrap',
    );
    const script = (get(objects, 'Secret', 'rados-gateway-register').stringData as Record<string, string>)[
      'register.sh'
    ];
    expect(script).toContain(
      "openstack user create --or-show --domain 'Default' --password 'password' 'ceph_rgw'",
    );
    expect(script).toContain(
      "service swift object-store 'http://rados-gateway:8080/swift/v1/AUTH_%(project_id)s' 'http://object-store.openstack.cluster:30080/swift/v1/AUTH_%(project_id)s'",
    );
    const internalOnly = (
      get(
        await render('rados-gateway', ['network.ingress.enabled=false', 'swift_account_in_url=false']),
        'Secret',
        'rados-gateway-register',
      ).stringData as Record<string, string>
    )['register.sh'];
    expect(internalOnly).toContain(
      "service swift object-store 'http://rados-gateway:8080/swift/v1' 'http://rados-gateway:8080/swift/v1'",
    );
  });

  it('the register Job reads config.json where Kolla does, and only it mounts the admin credentials', async () => {
    const objects = await render('rados-gateway');
    const pod = podOf(get(objects, 'Job', 'rados-gateway-register'));
    const mount = pod.spec.containers[0]?.volumeMounts?.find(
      (m) => m.mountPath === '/var/lib/kolla/config_files',
    );
    const volume = pod.spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.name).toBe('kolla-rados-gateway-register');
    expect(volume?.projected?.sources).toEqual([
      { secret: { name: 'rados-gateway-register' } },
      {
        secret: {
          name: 'rados-gateway-register',
          items: [{ key: 'rados-gateway-register.json', path: 'config.json' }],
        },
      },
    ]);
    expect(pod.spec.containers[0]?.env).not.toContainEqual(
      expect.objectContaining({ name: 'KOLLA_CONFIG_FILE' }),
    );
    const config = JSON.parse(
      (get(objects, 'Secret', 'rados-gateway-register').stringData as Record<string, string>)[
        'rados-gateway-register.json'
      ] ?? '{}',
    ) as { command: string };
    expect(config.command).toBe('bash /var/lib/kolla/config_files/register.sh');
    const gateway = JSON.stringify(get(objects, 'Deployment', 'rados-gateway'));
    expect(gateway).not.toContain('rados-gateway-register');
  });

  it('publishes object-store.<domain> like the other APIs, and not when ingress is off', async () => {
    const objects = await render('rados-gateway', ['network.ingress.domain=cloud.example.com']);
    const rule = get(objects, 'Ingress', 'rados-gateway').spec as {
      ingressClassName: string;
      rules: {
        host: string;
        http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] };
      }[];
    };
    expect(rule.ingressClassName).toBe('traefik');
    expect(rule.rules[0]?.host).toBe('object-store.cloud.example.com');
    expect(rule.rules[0]?.http.paths[0]?.backend.service).toEqual({
      name: 'rados-gateway',
      port: { number: 8080 },
    });
    expect(
      find(await render('rados-gateway', ['network.ingress.enabled=false']), 'Ingress', 'rados-gateway'),
    ).toBeUndefined();
  });

  it('keystone_auth.enabled=false leaves a plain S3/Swift gateway with no Keystone settings or Job', async () => {
    const objects = await render('rados-gateway', ['keystone_auth.enabled=false']);
    expect(cephConf(objects)).not.toContain('rgw_keystone');
    expect(find(objects, 'Job', 'rados-gateway-register')).toBeUndefined();
    expect(find(objects, 'Secret', 'rados-gateway-keystone')).toBeUndefined();
  });

  it('in the stack with Ceph, the Job it waits for is rendered by the keystone package', async () => {
    const objects = await render('stackanetes', ['ceph.enabled=true']);
    const job = get(objects, 'Job', 'rados-gateway-register');
    for (const dependency of (job.metadata.annotations?.['stackanetes.io/depends-on'] ?? '').split(',')) {
      const [kind, name] = dependency.slice(dependency.indexOf(':') + 1).split('/');
      expect(find(objects, kind ?? '', name ?? '')).toBeDefined();
    }
    expect(get(objects, 'Ingress', 'rados-gateway')).toBeDefined();
  });
});
