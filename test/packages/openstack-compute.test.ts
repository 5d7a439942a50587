/**
 * Nova and Neutron (Open vSwitch included) as a real cluster would start them: the Kolla start
 * contract of every container (config.json where Kolla reads it, sources that exist, state
 * directories owned by the service user), what each hypervisor-side daemon is given, and which
 * changes restart which DaemonSets. Rendered in-process exactly as the golden test renders.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/model/types.js';
import { render, ROOT } from './render.js';

const PARAMETERS = join(ROOT, 'parameters.yaml');
const CEPH_HA = join(ROOT, 'test', 'packages', 'fixtures', 'ceph-ha.yaml');
const KOLLA_DIR = '/var/lib/kolla/config_files';


async function objects(dir: string, variableFiles: string[] = [], sets: string[] = []): Promise<KubeObject[]> {
  const release = await render(dir, variableFiles, sets);
  return release.packages.flatMap((p) => p.objects.map((o) => o.object));
}

/** The objects the nova and neutron packages render inside the meta-package. */
async function computeObjects(variableFiles: string[] = [PARAMETERS], sets: string[] = []): Promise<KubeObject[]> {
  const release = await render('stackanetes', variableFiles, sets);
  return release.packages
    .filter((p) => p.name === 'stackanetes/nova' || p.name === 'stackanetes/neutron')
    .flatMap((p) => p.objects.map((o) => o.object));
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  volumeMounts?: Mount[];
  securityContext?: Record<string, unknown>;
}
interface SecretProjection {
  secret?: { name: string; items?: { key: string; path: string }[] };
}
interface Volume {
  name: string;
  secret?: { secretName: string };
  hostPath?: { path: string };
  projected?: { sources: SecretProjection[] };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
interface KollaConfig {
  command: string;
  config_files: { source: string; dest: string; owner: string; perm: string; optional?: boolean }[];
  permissions?: { path: string; owner: string; recurse?: boolean }[];
}

const WORKLOADS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job']);
const find = (list: KubeObject[], kind: string, name: string): KubeObject => {
  const found = list.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} is not rendered`);
  return found;
};
const podOf = (object: KubeObject): PodSpec =>
  (object.spec as { template: { spec: PodSpec } }).template.spec;
const secretData = (list: KubeObject[], name: string): Record<string, string> =>
  (find(list, 'Secret', name).stringData ?? {}) as Record<string, string>;

/** Every Kolla container of the workloads, with the pod it runs in. */
function kollaContainers(list: KubeObject[]): { where: string; object: KubeObject; container: Container }[] {
  return list
    .filter((o) => WORKLOADS.has(o.kind))
    .flatMap((object) =>
      [...(podOf(object).initContainers ?? []), ...podOf(object).containers]
        .filter((c) => c.image.includes('openstack.kolla/'))
        .map((container) => ({ where: `${object.kind}/${object.metadata.name} ${container.name}`, object, container })),
    );
}

/**
 * What Kolla reads in a container: the Secret whose key is mapped to config.json, the parsed
 * config.json, and every file of the config directory (the keys of each Secret projected whole).
 */
function kollaConfigOf(
  list: KubeObject[],
  object: KubeObject,
  container: Container,
): { secret: string; config: KollaConfig; files: string[] } {
  const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === KOLLA_DIR);
  if (!mount) throw new Error(`${object.metadata.name} ${container.name}: nothing mounted at ${KOLLA_DIR}`);
  const volume = (podOf(object).volumes ?? []).find((v) => v.name === mount.name);
  const sources = volume?.projected?.sources ?? [];
  const whole = sources.flatMap((s) => (s.secret && !s.secret.items ? [s.secret.name] : []));
  const mapped = sources.find((s) => s.secret?.items?.some((i) => i.path === 'config.json'))?.secret;
  if (!mapped || !whole.includes(mapped.name))
    throw new Error(`${object.metadata.name} ${container.name}: volume ${mount.name} is not the Secret plus its config.json`);
  const key = mapped.items?.find((i) => i.path === 'config.json')?.key ?? '';
  const data = secretData(list, mapped.name);
  if (!(key in data)) throw new Error(`Secret ${mapped.name} has no key ${key}`);
  const files = whole.flatMap((name) => Object.keys(secretData(list, name)));
  return { secret: mapped.name, config: JSON.parse(data[key] ?? '') as KollaConfig, files };
}

const configOf = (list: KubeObject[], kind: string, name: string, container?: string): KollaConfig => {
  const object = find(list, kind, name);
  const c = podOf(object).containers.find((x) => !container || x.name === container) as Container;
  return kollaConfigOf(list, object, c).config;
};

describe('Kolla start contract of every nova, neutron and Open vSwitch container', () => {
  const variants: [string, () => Promise<KubeObject[]>][] = [
    ['packages/nova defaults', () => objects('nova')],
    ['packages/neutron defaults', () => objects('neutron')],
    ['the meta-package with parameters.yaml', () => computeObjects()],
    ['the meta-package with Ceph and HA', () => computeObjects([PARAMETERS, CEPH_HA])],
  ];

  it.each(variants)(
    '%s: config.json is mounted where Kolla reads it, from a projected volume of the Secret and its own key',
    async (_label, load) => {
      const list = await load();
      const containers = kollaContainers(list);
      expect(containers.length).toBeGreaterThan(5);
      for (const { where, object, container } of containers) {
        const env = container.env ?? [];
        expect([where, env.some((e) => e.name === 'KOLLA_CONFIG_FILE')]).toEqual([where, false]);
        expect([where, env.find((e) => e.name === 'KOLLA_CONFIG_STRATEGY')?.value]).toEqual([where, 'COPY_ALWAYS']);
        const mount = (container.volumeMounts ?? []).find((m) => m.mountPath === KOLLA_DIR) as Mount;
        expect([where, mount?.readOnly, mount?.name.startsWith('kolla-'), mount?.name.length <= 63]).toEqual([
          where,
          true,
          true,
          true,
        ]);
        const { config } = kollaConfigOf(list, object, container);
        expect([where, typeof config.command, config.command.length > 0]).toEqual([where, 'string', true]);
        expect([where, Array.isArray(config.config_files)]).toEqual([where, true]);
      }
    },
  );

  it.each(variants)(
    '%s: every config_files entry has owner and perm, every source under the config directory is a key of a mounted Secret, and so is a script the command runs',
    async (_label, load) => {
      const list = await load();
      for (const { where, object, container } of kollaContainers(list)) {
        const { config, files: keys } = kollaConfigOf(list, object, container);
        for (const file of config.config_files) {
          expect([where, file.dest, typeof file.owner, /^0[0-7]{3}$/.test(file.perm)]).toEqual([
            where,
            file.dest,
            'string',
            true,
          ]);
          if (file.source.startsWith(`${KOLLA_DIR}/`) && !file.optional)
            expect([where, file.source, keys.includes(file.source.slice(KOLLA_DIR.length + 1))]).toEqual([
              where,
              file.source,
              true,
            ]);
        }
        const script = /^bash \/var\/lib\/kolla\/config_files\/(\S+)/.exec(config.command)?.[1];
        if (script) expect([where, script, keys.includes(script)]).toEqual([where, script, true]);
        for (const permission of config.permissions ?? [])
          expect([where, typeof permission.path, /^[a-z]+(:[a-z]+)?$/.test(permission.owner)]).toEqual([
            where,
            'string',
            true,
          ]);
      }
    },
  );

  it('Neutron agents own /var/lib/neutron (metadata proxy socket, DHCP state, L3 pids, lock_path) though the hostPath is created by root', async () => {
    const list = await objects('neutron');
    const conf = secretData(list, 'neutron-agent')['neutron.conf'] ?? '';
    expect(conf).toMatch(/\[oslo_concurrency\]\nlock_path = \/var\/lib\/neutron\/tmp\n/);
    for (const agent of ['neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent', 'neutron-openvswitch-agent']) {
      const permissions = configOf(list, 'DaemonSet', agent).permissions ?? [];
      expect([agent, permissions]).toEqual([
        agent,
        expect.arrayContaining([{ path: '/var/lib/neutron', owner: 'neutron:neutron', recurse: true }]),
      ]);
    }
  });

  it('nova-compute owns /var/lib/nova (instances, lock_path, compute_id) though the hostPath is created by root', async () => {
    const list = await objects('nova');
    expect(configOf(list, 'DaemonSet', 'nova-compute').permissions).toEqual(
      expect.arrayContaining([{ path: '/var/lib/nova', owner: 'nova:nova', recurse: true }]),
    );
  });
});

/** Objects of the meta-package render with `sets`, nova and neutron only. */
const withSets = (sets: string[], files: string[] = [PARAMETERS]): Promise<KubeObject[]> => computeObjects(files, sets);

describe('nova-libvirt', () => {
  it('starts as Kolla does (virtlogd, then libvirtd --listen) with its own libvirtd.conf and qemu.conf', async () => {
    const list = await objects('nova');
    const libvirt = find(list, 'DaemonSet', 'nova-libvirt');
    const container = podOf(libvirt).containers[0] as Container;
    const { secret, config } = kollaConfigOf(list, libvirt, container);
    expect(secret).toBe('nova-libvirt');
    const data = secretData(list, secret);
    // The command may prepare the node first, but ends in Kolla's own start (virtlogd + libvirtd --listen).
    const script = config.command.startsWith('bash ') ? (data[config.command.split('/').pop() ?? ''] ?? '') : config.command;
    expect(script).toMatch(/exec \/usr\/local\/bin\/kolla_nova_libvirt_start\n?$/);
    const dests = Object.fromEntries(config.config_files.map((f) => [f.dest, f]));
    expect(dests['/etc/libvirt/libvirtd.conf']).toMatchObject({ owner: 'root', perm: '0600' });
    expect(dests['/etc/libvirt/qemu.conf']).toMatchObject({ owner: 'root', perm: '0600' });
    expect(data['libvirtd.conf']).toMatch(/^listen_tcp = 1$/m);
    expect(data['libvirtd.conf']).toMatch(/^listen_tls = 0$/m);
    expect(data['libvirtd.conf']).toMatch(/^auth_tcp = "sasl"$/m);
    // Guests' consoles go through virtlogd, and QEMU runs as the user nova-compute writes disks as.
    expect(data['qemu.conf']).toMatch(/^stdio_handler = "logd"$/m);
    expect(data['qemu.conf']).toMatch(/^user = "nova"$/m);
  });

  it('keeps guest definitions (/etc/libvirt/qemu) on the node and is only replaced when an operator deletes its pods', async () => {
    const list = await objects('nova');
    const libvirt = find(list, 'DaemonSet', 'nova-libvirt');
    expect((libvirt.spec as { updateStrategy: unknown }).updateStrategy).toEqual({ type: 'OnDelete' });
    const pod = podOf(libvirt);
    const mount = (pod.containers[0]?.volumeMounts ?? []).find((m) => m.mountPath === '/etc/libvirt/qemu');
    expect(pod.volumes?.find((v) => v.name === mount?.name)?.hostPath?.path).toMatch(/^\//);
  });

  it('a changed nova password leaves the libvirt DaemonSet untouched (no guest is killed) while nova-compute rolls', async () => {
    const before = await withSets([]);
    const after = await withSets(['nova.service.password=rotated-service', 'nova.db.password=rotated-db']);
    expect(find(after, 'DaemonSet', 'nova-libvirt')).toEqual(find(before, 'DaemonSet', 'nova-libvirt'));
    expect(find(after, 'DaemonSet', 'nova-compute')).not.toEqual(find(before, 'DaemonSet', 'nova-compute'));
  });

  it('with Ceph, libvirt holds the Cinder key as a persistent secret under ceph.secret_uuid, defined before it starts', async () => {
    const list = await computeObjects([PARAMETERS, CEPH_HA]);
    const config = configOf(list, 'DaemonSet', 'nova-libvirt');
    const data = secretData(list, 'nova-libvirt');
    const uuid = '457eb676-33da-42ec-9a8c-9293d545c337';
    const byDest = Object.fromEntries(config.config_files.map((f) => [f.dest, f.source.split('/').pop() ?? '']));
    expect(data[byDest[`/etc/libvirt/secrets/${uuid}.xml`] ?? '']).toContain(`<uuid>${uuid}</uuid>`);
    expect(data[byDest[`/etc/libvirt/secrets/${uuid}.base64`] ?? '']).toBe('QVFBcGxhY2Vob2xkZXJjaW5kZXJrZXk9');
  });
});

/** The values of one INI section (`[name]` up to the next header). */
function section(ini: string, name: string): string | undefined {
  const match = new RegExp(`^\\[${name}\\]\\n([\\s\\S]*?)(?=^\\[|(?![\\s\\S]))`, 'm').exec(ini);
  return match?.[1];
}

/**
 * Runs nova's db-sync script under `bash -e -o pipefail` with a stand-in nova-manage that logs
 * its arguments and lists `cells` (a long table, written slowly, as a real cell list can be).
 */
function runDbSync(script: string, cells: string[]): { status: number | null; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'nova-db-sync-'));
  try {
    const log = join(dir, 'calls');
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'nova-manage'),
      [
        '#!/bin/bash',
        `echo "$*" >> '${log}'`,
        'if [ "$1 $2" = "cell_v2 list_cells" ]; then',
        "  printf '|  Name |                 UUID                 | Transport URL | Database Connection | Disabled |\\n'",
        ...cells.map(
          (name, i) =>
            `  printf '| ${name} | 0000000${i}-1111-2222-3333-444444444444 | rabbit://openstack:****@rabbitmq:5672/ | mysql+pymysql://nova:****@mariadb:3306/nova | False |\\n'`,
        ),
        '  sleep 0.3',
        "  for i in $(seq 1 5000); do printf '+-------+--------------------------------------+\\n'; done",
        'fi',
        'exit 0',
      ].join('\n'),
    );
    chmodSync(join(dir, 'nova-manage'), 0o755);
    const result = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', script], {
      env: { PATH: `${dir}:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: result.status, calls: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts a container the way Kolla would, in a private directory: the Secret keys `files` are
 * the config directory, each config_files entry is copied to its dest, and the command runs
 * with `env`. Absolute paths the scripts use (/tmp, /etc, /var/lib/nova, the config directory,
 * /usr/local/bin) are moved under the directory, and `programs` (name → bash body; $DIR is the
 * directory) stand in for the real ones. Returns what the command printed.
 */
function runKolla(
  config: KollaConfig,
  files: Record<string, string>,
  env: Record<string, string>,
  programs: Record<string, string>,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'kolla-start-'));
  try {
    const mapped: Record<string, string> = {
      '/tmp/': `${dir}/tmp/`,
      [`${KOLLA_DIR}/`]: `${dir}/config_files/`,
      '/etc/': `${dir}/etc/`,
      '/var/lib/nova/': `${dir}/var/lib/nova/`,
      '/usr/local/bin/': `${dir}/bin/`,
    };
    const local = (text: string) =>
      text.replace(/(?<![\w.-])(\/tmp\/|\/var\/lib\/kolla\/config_files\/|\/etc\/|\/var\/lib\/nova\/|\/usr\/local\/bin\/)/g, (m) => mapped[m] ?? m);
    for (const path of Object.values(mapped)) mkdirSync(path, { recursive: true });
    for (const [key, text] of Object.entries(files)) writeFileSync(join(dir, 'config_files', key), local(text));
    for (const file of config.config_files) {
      const dest = local(file.dest);
      mkdirSync(dest.slice(0, dest.lastIndexOf('/')), { recursive: true });
      writeFileSync(dest, readFileSync(local(file.source)));
    }
    for (const [name, body] of Object.entries(programs)) {
      writeFileSync(join(dir, 'bin', name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(dir, 'bin', name), 0o755);
    }
    const [program = '', ...args] = local(config.command).split(' ');
    const result = spawnSync(program, args, {
      env: { ...env, DIR: dir, PATH: `${dir}/bin:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect([config.command, result.status, result.stderr]).toEqual([config.command, 0, '']);
    return result.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in daemon that prints its name, then the config file it was given last. */
const printsLastConfig = (name: string): string => `echo ${name}; echo ---; cat "\${@: -1}"`;

/** The keys of every Secret projected whole into a workload's pod. */
function projectedFiles(list: KubeObject[], object: KubeObject): Record<string, string> {
  const names = (podOf(object).volumes ?? [])
    .flatMap((v) => v.projected?.sources ?? [])
    .flatMap((source) => (source.secret && !source.secret.items ? [source.secret.name] : []));
  return Object.assign({}, ...names.map((name) => secretData(list, name))) as Record<string, string>;
}

describe('nova-compute', () => {
  it('runs the libvirt driver from a compute-only nova.conf with no database sections', async () => {
    const list = await objects('nova');
    const compute = find(list, 'DaemonSet', 'nova-compute');
    const { secret, config } = kollaConfigOf(list, compute, podOf(compute).containers[0] as Container);
    const conf = secretData(list, secret)[
      config.config_files.find((f) => f.dest === '/etc/nova/nova.conf')?.source.split('/').pop() ?? ''
    ];
    expect(section(conf ?? '', 'DEFAULT')).toMatch(/^compute_driver = libvirt\.LibvirtDriver$/m);
    for (const name of ['database', 'api_database', 'keystone_authtoken', 'placement_database'])
      expect([name, section(conf ?? '', name)]).toEqual([name, undefined]);
    expect(conf).not.toContain('metadata_proxy_shared_secret');
  });

  it('no control-plane secret (database passwords, MariaDB root, Keystone admin and neutron accounts, metadata secret) reaches a hypervisor', async () => {
    const secrets = {
      'database.root_password': 'root-secret-1',
      'identity.admin.password': 'admin-secret-2',
      'metadata.shared_secret': 'metadata-secret-3',
      'nova.db.password': 'nova-db-secret-4',
      'nova.placement.db.password': 'placement-db-secret-5',
      'neutron.db.password': 'neutron-db-secret-6',
      'neutron.service.password': 'neutron-service-secret-7',
    };
    const list = await withSets(Object.entries(secrets).map(([k, v]) => `${k}=${v}`));
    for (const name of [
      'nova-compute',
      'nova-libvirt',
      'neutron-openvswitch-agent',
      'openvswitch-db-server',
      'openvswitch-vswitchd',
    ]) {
      const mounted = (podOf(find(list, 'DaemonSet', name)).volumes ?? []).flatMap((v) => [
        ...(v.secret ? [v.secret.secretName] : []),
        ...(v.projected?.sources ?? []).flatMap((s) => (s.secret ? [s.secret.name] : [])),
      ]);
      expect(mounted.length).toBeGreaterThan(0);
      for (const secret of new Set(mounted)) {
        const text = JSON.stringify(secretData(list, secret));
        for (const value of Object.values(secrets))
          expect([name, secret, value, text.includes(value)]).toEqual([name, secret, value, false]);
      }
    }
  });

  it('registers under the node name and reaches libvirt over TCP at the node address, as live migrations do', async () => {
    const list = await objects('nova');
    const compute = find(list, 'DaemonSet', 'nova-compute');
    const container = podOf(compute).containers[0] as Container;
    const { secret, config } = kollaConfigOf(list, compute, container);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(env).toMatchObject({ HOST_IP: 'status.hostIP', NODE_NAME: 'spec.nodeName' });
    // Start it with a stand-in nova-compute that prints its arguments and the node's config file.
    const node = (hostIp: string) => {
      const out = runKolla(config, projectedFiles(list, compute), { HOST_IP: hostIp, NODE_NAME: 'compute-7' }, {
        'nova-compute': 'printf "%s\\n" "$@"; echo ---; cat "${@: -1}"',
      });
      const [args = '', conf = ''] = out.split('---\n');
      return { args: args.trim().split('\n'), conf };
    };
    const v4 = node('10.1.2.3');
    expect(v4.args).toEqual([
      '--config-file',
      expect.stringMatching(/\/etc\/nova\/nova\.conf$/),
      '--config-file',
      expect.any(String),
    ]);
    expect(section(v4.conf, 'DEFAULT')).toMatch(/^host = compute-7\nmy_ip = 10\.1\.2\.3$/m);
    expect(section(v4.conf, 'libvirt')).toMatch(
      /^connection_uri = qemu\+tcp:\/\/10\.1\.2\.3\/system\nlive_migration_inbound_addr = 10\.1\.2\.3$/m,
    );
    expect(section(node('fd00::7').conf, 'libvirt')).toMatch(
      /^connection_uri = qemu\+tcp:\/\/\[fd00::7\]\/system\nlive_migration_inbound_addr = fd00::7$/m,
    );
    // The same SASL password on both ends of the libvirt connection.
    const auth = config.config_files.find((f) => f.dest === '/var/lib/nova/.config/libvirt/auth.conf');
    expect(secretData(list, secret)[auth?.source.split('/').pop() ?? '']).toContain(
      `password=${secretData(list, 'nova-libvirt')['sasl-password']}`,
    );
  });
});

describe('Open vSwitch', () => {
  it('runs ovsdb-server itself (the image has no start-ovsdb-server) on the db socket and 127.0.0.1:6640', async () => {
    const list = await objects('neutron');
    const db = configOf(list, 'DaemonSet', 'openvswitch-db-server').command;
    expect(db).not.toContain('start-ovsdb-server');
    expect(db).toMatch(/(^|\s)ovsdb-server \/var\/lib\/openvswitch\/conf\.db\s/);
    expect(db).toContain(' --remote=punix:/run/openvswitch/db.sock');
    expect(db).toContain(' --remote=ptcp:6640:127.0.0.1');
    // The agents and os-vif reach the same database the way neutron's [ovs] says.
    const agent = secretData(list, 'neutron-agent')['openvswitch_agent.ini'] ?? '';
    expect(agent).toMatch(/^ovsdb_connection = tcp:127\.0\.0\.1:6640$/m);
    expect(configOf(list, 'DaemonSet', 'openvswitch-vswitchd').command).toMatch(
      /(^|\s)ovs-vswitchd unix:\/run\/openvswitch\/db\.sock(\s|$)/,
    );
  });

  it('is replaced only when an operator deletes its pods; neither a neutron-server nor an agent configuration change touches it', async () => {
    const before = await withSets([]);
    const server = await withSets(['neutron.service.password=rotated-service', 'neutron.db.password=rotated-db']);
    const bus = await withSets(['messaging.password=rotated-bus']);
    for (const name of ['openvswitch-db-server', 'openvswitch-vswitchd']) {
      const ds = find(server, 'DaemonSet', name);
      expect([name, (ds.spec as { updateStrategy: unknown }).updateStrategy]).toEqual([name, { type: 'OnDelete' }]);
      expect([name, ds]).toEqual([name, find(before, 'DaemonSet', name)]);
      expect([name, find(bus, 'DaemonSet', name)]).toEqual([name, find(before, 'DaemonSet', name)]);
    }
    // The agents follow their own configuration (the message bus), not neutron-server's.
    expect(find(server, 'DaemonSet', 'neutron-openvswitch-agent')).toEqual(
      find(before, 'DaemonSet', 'neutron-openvswitch-agent'),
    );
    expect(find(bus, 'DaemonSet', 'neutron-openvswitch-agent')).not.toEqual(
      find(before, 'DaemonSet', 'neutron-openvswitch-agent'),
    );
  });

});

describe('service-to-service traffic', () => {
  it('Neutron tells Nova about ports through the internal endpoint (pods cannot resolve the public names)', async () => {
    const conf = secretData(await objects('neutron'), 'neutron-config')['neutron.conf'] ?? '';
    expect(section(conf, 'nova')).toMatch(/^endpoint_type = internal$/m);
  });

  it.each(['nova-config', 'nova-compute'])(
    '%s: Nova reaches Placement, Neutron, Glance and Cinder through their internal endpoints',
    async (secret) => {
      const conf = secretData(await objects('nova'), secret)['nova.conf'] ?? '';
      for (const name of ['placement', 'neutron', 'glance'])
        expect([name, section(conf, name)]).toEqual([name, expect.stringMatching(/^valid_interfaces = internal$/m)]);
      expect(section(conf, 'cinder')).toMatch(/^catalog_info = volumev3::internalURL$/m);
    },
  );

  it('Placement is published through the ingress and registers that public name', async () => {
    const list = await objects('nova');
    const rules = (find(list, 'Ingress', 'nova').spec as {
      rules: { host: string; http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] } }[];
    }).rules;
    const rule = rules.find((r) => r.host === 'placement.openstack.cluster');
    expect(rule?.http.paths[0]?.backend.service).toEqual({ name: 'placement-api', port: { number: 8778 } });
    const register = secretData(list, 'nova-register')['register.sh'] ?? '';
    expect(register).toContain(
      "service placement placement 'http://placement-api:8778' 'http://placement.openstack.cluster:30080'",
    );
    const off = await objects('nova', [], ['network.ingress.enabled=false']);
    expect(secretData(off, 'nova-register')['register.sh']).toContain(
      "service placement placement 'http://placement-api:8778' 'http://placement-api:8778'",
    );
  });
});

describe('the service role', () => {
  it('every nova and neutron service user gets the service role, which Cinder 2025.1 requires of service requests', async () => {
    const nova = secretData(await objects('nova'), 'nova-register')['register.sh'] ?? '';
    expect(nova).toMatch(/^openstack role create --or-show service\b/m);
    // user() grants both roles to every account it creates: nova and placement.
    const user = /^user\(\) \{\n([\s\S]*?)\n\}/m.exec(nova)?.[1] ?? '';
    expect(user).toMatch(/openstack role add --project '[^']+' --user "\$1" service$/m);
    expect(nova).toMatch(/^user 'nova' /m);
    expect(nova).toMatch(/^user 'placement' /m);
    const neutron = secretData(await objects('neutron'), 'neutron-register')['register.sh'] ?? '';
    expect(neutron).toMatch(/^openstack role create --or-show service\b/m);
    expect(neutron).toMatch(/^for role in admin service; do\n\s+openstack role add --project 'service' --user 'neutron' "\$role"$/m);
  });

  it('Nova, Placement and Neutron accept a service token only from a user with the service role', async () => {
    const nova = secretData(await objects('nova'), 'nova-config');
    const neutron = secretData(await objects('neutron'), 'neutron-config');
    for (const [where, conf] of [
      ['nova.conf', nova['nova.conf']],
      ['placement.conf', nova['placement.conf']],
      ['neutron.conf', neutron['neutron.conf']],
    ])
      expect([where, section(conf ?? '', 'keystone_authtoken')]).toEqual([
        where,
        expect.stringMatching(/^service_token_roles_required = true$/m),
      ]);
  });
});

describe('smaller defects', () => {
  it('cell setup creates cell1 once and, rerun under pipefail with a long cell list, updates it instead of creating a second', async () => {
    const script = secretData(await objects('nova'), 'nova-config')['db-sync.sh'] ?? '';
    const first = runDbSync(script, ['cell0']);
    expect(first.status).toBe(0);
    expect(first.calls).toContain('cell_v2 create_cell --name cell1 --verbose');
    const rerun = runDbSync(script, ['cell0', 'cell1']);
    expect(rerun.status).toBe(0);
    expect(rerun.calls.filter((c) => c.startsWith('cell_v2 create_cell'))).toEqual([]);
    expect(rerun.calls).toContain('cell_v2 update_cell --cell_uuid 00000001-1111-2222-3333-444444444444');
    expect(rerun.calls).toContain('db sync');
  });

  it('Neutron agents register under the node name, the host nova-compute binds ports to', async () => {
    const list = await objects('neutron');
    for (const agent of ['neutron-dhcp-agent', 'neutron-l3-agent', 'neutron-metadata-agent', 'neutron-openvswitch-agent']) {
      const ds = find(list, 'DaemonSet', agent);
      const container = podOf(ds).containers[0] as Container;
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
      expect([agent, env.NODE_NAME, env.HOST_IP]).toEqual([agent, 'spec.nodeName', 'status.hostIP']);
      const { config } = kollaConfigOf(list, ds, container);
      const out = runKolla(
        config,
        projectedFiles(list, ds),
        { NODE_NAME: 'gateway-3', HOST_IP: '10.1.2.3' },
        { [agent]: printsLastConfig(agent), 'ovs-vsctl': 'exit 0' },
      );
      // The agent itself runs, with the node's config file last.
      const [program = '', conf = ''] = out.split('\n---\n');
      expect([agent, program]).toEqual([agent, agent]);
      expect([agent, section(conf, 'DEFAULT')]).toEqual([agent, expect.stringMatching(/^host = gateway-3$/m)]);
    }
  });

  it('libvirt listens on the node address only and knows nova-compute\'s SASL user before Kolla\'s start runs', async () => {
    const list = await objects('nova');
    const ds = find(list, 'DaemonSet', 'nova-libvirt');
    const { config } = kollaConfigOf(list, ds, podOf(ds).containers[0] as Container);
    const out = runKolla(config, projectedFiles(list, ds), { HOST_IP: '10.1.2.3' }, {
      saslpasswd2: 'echo "saslpasswd2 $* <$(cat)>"',
      kolla_nova_libvirt_start: 'echo started; cat "$DIR/etc/libvirt/libvirtd.conf"',
    });
    expect(out).toMatch(/^saslpasswd2 -c -p -a libvirt -f \S+\/etc\/libvirt\/passwd\.db nova <password>$/m);
    expect(out.split('started\n')[1]).toMatch(/^listen_tcp = 1$[\s\S]*^listen_addr = "10\.1\.2\.3"\n$/m);
  });



  it('the nova control plane registers under one fixed host, not a service record per pod ever started', async () => {
    const list = await objects('nova');
    expect(section(secretData(list, 'nova-config')['nova.conf'] ?? '', 'DEFAULT')).toMatch(/^host = nova$/m);
    // nova-compute's host is the node's, written at start (see the nova-compute tests).
    expect(section(secretData(list, 'nova-compute')['nova.conf'] ?? '', 'DEFAULT')).not.toMatch(/^host = /m);
  });

  it.each(['nova-config', 'nova-compute'])('%s: [service_user] has only options it knows (no region_name)', async (secret) => {
    const conf = secretData(await objects('nova'), secret)['nova.conf'] ?? '';
    const options = (section(conf, 'service_user') ?? '')
      .split('\n')
      .filter((l) => /^\w/.test(l))
      .map((l) => l.split(' = ')[0]);
    expect(options.sort()).toEqual(
      ['auth_type', 'auth_url', 'password', 'project_domain_name', 'project_name', 'send_service_user_token', 'user_domain_name', 'username'].sort(),
    );
  });

  // What nova 2025.1 registers in [cinder]: its own options plus keystoneauth's session and
  // auth (password plugin) options; no adapter options, so neither region_name nor valid_interfaces.
  const CINDER_OPTIONS = new Set([
    ...['catalog_info', 'endpoint_template', 'os_region_name', 'http_retries', 'cross_az_attach'],
    ...['cafile', 'certfile', 'keyfile', 'insecure', 'timeout', 'collect_timing', 'split_loggers'],
    ...['auth_type', 'auth_section', 'auth_url', 'system_scope', 'domain_id', 'domain_name', 'trust_id'],
    ...['project_id', 'project_name', 'project_domain_id', 'project_domain_name'],
    ...['default_domain_id', 'default_domain_name', 'user_id', 'username', 'user_domain_id', 'user_domain_name', 'password'],
  ]);
  it.each(['nova-config', 'nova-compute'])(
    '%s: [cinder] signs in as the nova service user with only options nova registers there (os_region_name, no region_name)',
    async (secret) => {
      const conf = secretData(await objects('nova'), secret)['nova.conf'] ?? '';
      const lines = (section(conf, 'cinder') ?? '').split('\n').filter((l) => /^\w/.test(l));
      const options = lines.map((l) => l.split(' = ')[0] ?? '');
      expect(options.filter((o) => !CINDER_OPTIONS.has(o))).toEqual([]);
      expect(lines).toEqual(
        expect.arrayContaining([
          'auth_type = password',
          'auth_url = http://keystone-api:5000/v3',
          'username = nova',
          'password = password',
          'project_name = service',
          'os_region_name = RegionOne',
        ]),
      );
    },
  );

  it('VXLAN uses a UDP port parameter whose default is not Calico\'s 4789', async () => {
    const ini = (list: KubeObject[]) => section(secretData(list, 'neutron-agent')['openvswitch_agent.ini'] ?? '', 'agent') ?? '';
    expect(ini(await objects('neutron'))).toMatch(/^vxlan_udp_port = 4790$/m);
    expect(ini(await objects('neutron', [], ['vxlan_udp_port=8472']))).toMatch(/^vxlan_udp_port = 8472$/m);
  });

  it('notifications go nowhere by default and to messagingv2 when notifications.driver says so', async () => {
    const drivers = (list: KubeObject[]) =>
      [
        secretData(list, 'nova-config')['nova.conf'],
        secretData(list, 'nova-compute')['nova.conf'],
        secretData(list, 'neutron-config')['neutron.conf'],
      ].map((conf) => /^driver = (\S+)$/m.exec(section(conf ?? '', 'oslo_messaging_notifications') ?? '')?.[1]);
    expect(drivers(await withSets([]))).toEqual(['noop', 'noop', 'noop']);
    expect(drivers(await withSets(['notifications.driver=messagingv2']))).toEqual(['messagingv2', 'messagingv2', 'messagingv2']);
  });

  it('the nova and neutron APIs have PodDisruptionBudgets, so a drain never takes every replica at once', async () => {
    const list = await withSets([]);
    for (const name of ['nova-api', 'nova-placement', 'neutron-server']) {
      const selector = (find(list, 'Deployment', name).spec as { selector: { matchLabels: Record<string, string> } }).selector;
      const pdb = find(list, 'PodDisruptionBudget', name);
      expect([name, pdb.apiVersion, pdb.spec]).toEqual([name, 'policy/v1', { maxUnavailable: 1, selector }]);
    }
  });

  it('Jobs run in order: db-init, then db-sync, and registration after Keystone is bootstrapped', async () => {
    const list = await withSets([]);
    const dependsOn = (name: string) =>
      (find(list, 'Job', name).metadata.annotations as Record<string, string> | undefined)?.['stackanetes.io/depends-on'];
    expect(dependsOn('nova-db-sync')).toBe('Job/nova-db-init');
    expect(dependsOn('nova-placement-db-sync')).toBe('Job/nova-db-init');
    expect(dependsOn('nova-register')).toBe('stackanetes/keystone:Job/keystone-bootstrap');
    expect(dependsOn('neutron-db-sync')).toBe('Job/neutron-db-init');
    expect(dependsOn('neutron-register')).toBe('stackanetes/keystone:Job/keystone-bootstrap');
    expect(find(await objects('stackanetes', [PARAMETERS]), 'Job', 'keystone-bootstrap')).toBeDefined();
  });
});
