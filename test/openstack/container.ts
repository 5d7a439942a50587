/**
 * Runs a rendered container on the node the way the kubelet and the Kolla image would: its
 * volumes where its volumeMounts say (Secrets and ConfigMaps from the rendered objects, claims and
 * host paths as directories that outlive the pod), its environment resolved, the pod's name as its
 * host name, Kolla's set_configs as root and then the container's command as the image's user.
 *
 * What stands in for the Kolla 2025.1 image is Debian 12's packaged service (Zed) plus the small
 * per-image start steps that Kolla's `extend_start.sh` scripts perform, written out in IMAGES
 * below, and the image layout Kolla's files name (`/var/lib/kolla/venv`).
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Node, PATH } from './node.js';
import {
  API_PORT,
  NODE_IP,
  NODE_NAME,
  expand,
  type Container,
  type Stack,
  type Unit,
  type Volume,
} from './stack.js';

/** The image's user and its extend_start steps, by Kolla image name. */
interface Image {
  user: string;
  /** Apache serves it: its long-running containers start as root (apache drops to its users). */
  apache?: boolean;
  /** Runs as root before the command (what the image's Dockerfile prepared). */
  prepare?: string;
  /** Sourced by kolla_start before it runs the command (Kolla's extend_start.sh). */
  extendStart?: string;
}

/** Kolla's apache images load Debian's apache environment before any command. */
const APACHE_EXTEND = `. /etc/apache2/envvars
rm -rf /run/apache2/* 2>/dev/null || true
`;

/** Kolla's per-image behaviour, rewritten for the Debian packages (owners: the Kolla images). */
const IMAGES: Record<string, Image> = {
  'mariadb-server': {
    user: 'mysql',
    prepare: 'mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld',
    // Kolla's mariadb bootstrap: a fresh data directory with the root password set for '%'.
    extendStart: `if [[ "\${!KOLLA_BOOTSTRAP[@]}" ]]; then
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  mariadbd --datadir=/var/lib/mysql --skip-networking --socket=/run/mysqld/bootstrap.sock --wsrep-on=OFF &
  for i in $(seq 60); do mariadb-admin --socket=/run/mysqld/bootstrap.sock ping >/dev/null 2>&1 && break; sleep 0.5; done
  # the image user reaches the fresh server through unix_socket authentication
  mariadb --socket=/run/mysqld/bootstrap.sock <<SQL
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$DB_ROOT_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
SQL
  mariadb-admin --socket=/run/mysqld/bootstrap.sock shutdown
  exit 0
fi
ARGS="\${BOOTSTRAP_ARGS:-}"
`,
  },
  rabbitmq: { user: 'rabbitmq' },
  memcached: { user: 'memcache' },
  keystone: {
    user: 'keystone',
    apache: true,
    // Kolla's keystone start: db_sync on bootstrap, else apache in the foreground
    extendStart: `${APACHE_EXTEND}if [[ ! "\${!KOLLA_BOOTSTRAP[@]}" ]]; then ARGS="-DFOREGROUND"; fi\n`,
  },
  'glance-api': { user: 'glance' },
  'placement-api': { user: 'placement', apache: true, extendStart: APACHE_EXTEND },
  'nova-api': { user: 'nova', apache: true, extendStart: APACHE_EXTEND },
  'nova-conductor': { user: 'nova' },
  'nova-scheduler': { user: 'nova' },
  'nova-compute': { user: 'nova' },
  'nova-novncproxy': { user: 'nova' },
  'neutron-server': { user: 'neutron' },
  'neutron-dhcp-agent': { user: 'neutron' },
  'neutron-l3-agent': { user: 'neutron' },
  'neutron-metadata-agent': { user: 'neutron' },
  'neutron-openvswitch-agent': { user: 'neutron' },
  // Kolla's Open vSwitch images run as root; the db image creates (or converts) conf.db first
  'openvswitch-db-server': {
    user: 'root',
    extendStart: `mkdir -p /run/openvswitch
[ -e /var/lib/openvswitch/conf.db ] || ovsdb-tool create /var/lib/openvswitch/conf.db
if [ "$(ovsdb-tool needs-conversion /var/lib/openvswitch/conf.db)" = yes ]; then ovsdb-tool convert /var/lib/openvswitch/conf.db; fi
`,
  },
  // Kolla's vswitchd image loads the openvswitch kernel module first; there is no kernel
  // datapath here (the bridges are userspace `netdev` ones, see openstack.test.ts)
  'openvswitch-vswitchd': { user: 'root' },
  horizon: { user: 'horizon', apache: true, extendStart: APACHE_EXTEND },
  'kolla-toolbox': { user: 'root' },
};

export function imageName(image: string): string {
  return image.split('/').pop()!.split(':')[0]!;
}

/** A mount path with the image's absolute /var/run symlink resolved inside the container root, as a container runtime does. */
const inRoot = (path: string): string => path.replace(/^\/var\/run\//, '/run/');

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** What a started container left behind. */
export interface Running {
  kind: string;
  name: string;
  pod: string;
  container: string;
  dir: string;
  log: string;
  process: ChildProcess;
}

export class Kubelet {
  private jobRuns = new Map<string, number>();

  constructor(
    private readonly node: Node,
    private readonly stack: Stack,
    private readonly state: string,
  ) {}

  /** The Kolla image layout the rendered files rely on, once, in the node's overlay. */
  prepareNode(extra: string): void {
    const r = this.node.sh(
      `set -e
mkdir -p /var/lib/kolla /usr/local/bin /kolla-test
# Kolla images install OpenStack into a virtualenv here; Debian installs it under /usr
[ -e /var/lib/kolla/venv ] || ln -s /usr /var/lib/kolla/venv
install -m 0755 ${q(join(this.state, 'image', 'kolla_start'))} /usr/local/bin/kolla_start
install -m 0755 ${q(join(this.state, 'image', 'set_configs.py'))} /usr/local/bin/kolla_set_configs
install -m 0755 ${q(join(this.state, 'image', 'healthcheck_port'))} /usr/local/bin/healthcheck_port
# Kolla's images let their service user run kolla_set_configs (only it) as root
echo 'ALL ALL=(root) NOPASSWD:SETENV: /usr/local/bin/kolla_set_configs' > /etc/sudoers.d/kolla
chmod 0440 /etc/sudoers.d/kolla
# Kolla's apache images serve only what their config.json installs
: > /etc/apache2/ports.conf
rm -f /etc/apache2/sites-enabled/*
${extra}`,
    );
    if (r.code !== 0) throw new Error(`node image layout failed: ${r.stderr}`);
  }

  podName(unit: Unit, run: number): string {
    const name = unit.object.metadata.name;
    switch (unit.object.kind) {
      case 'StatefulSet':
        return `${name}-0`;
      case 'DaemonSet':
        return `${name}-${NODE_NAME}`;
      case 'Job':
        return `${name}-run${run}`;
      default:
        return `${name}-0`;
    }
  }

  /** Lays out one container of a pod and starts it; returns its handle. */
  start(unit: Unit, container: Container, podName: string, restart = 0): Running {
    const dir = join(this.state, 'pods', podName, container.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'upper', 'kolla-test'), { recursive: true });
    mkdirSync(join(dir, 'upper', 'usr', 'local', 'bin'), { recursive: true });
    const volumes = new Map((unit.pod.volumes ?? []).map((v) => [v.name, v]));
    const claims = new Set(
      (
        (unit.object.spec as { volumeClaimTemplates?: { metadata: { name: string } }[] })
          .volumeClaimTemplates ?? []
      ).map((t) => t.metadata.name),
    );
    const env = this.env(unit, container, podName);
    const mounts: string[] = [];
    for (const m of container.volumeMounts ?? []) {
      let src: string;
      const vol: Volume | undefined = volumes.get(m.name);
      if (claims.has(m.name)) src = join(this.state, 'pv', `${m.name}-${unit.object.metadata.name}-0`);
      else if (!vol)
        throw new Error(`${podName}/${container.name}: volumeMount ${m.name} names no volume of the pod`);
      else if (vol.persistentVolumeClaim) src = join(this.state, 'pv', vol.persistentVolumeClaim.claimName);
      else if (vol.hostPath) src = join(this.state, 'host', vol.hostPath.path);
      else if (vol.emptyDir) src = join(this.state, 'pods', podName, 'empty', m.name);
      else {
        src = join(this.state, 'pods', podName, 'volumes', m.name);
        if (!existsSync(src)) this.stack.materialise(vol, src);
      }
      if (m.subPath) src = join(src, m.subPath);
      mkdirSync(src, { recursive: true });
      mounts.push(`${src}\t${inRoot(m.mountPath)}\t${m.readOnly ? 'ro' : 'rw'}\n`);
    }
    // the service account token the kubelet mounts into pods that name one (for the API stand-in)
    if ((unit.pod as { serviceAccountName?: string }).serviceAccountName) {
      const sa = join(this.state, 'pods', podName, 'serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'namespace'), 'openstack');
      writeFileSync(
        join(sa, 'token'),
        `token-of-${(unit.pod as { serviceAccountName?: string }).serviceAccountName}`,
      );
      writeFileSync(join(sa, 'ca.crt'), '');
      mounts.push(`${sa}\t${inRoot('/var/run/secrets/kubernetes.io/serviceaccount')}\tro\n`);
      env.KUBERNETES_API_URL = `http://kubernetes.default.svc:${API_PORT}`;
    }
    writeFileSync(join(dir, 'mounts'), mounts.join(''));
    writeFileSync(join(dir, 'hostname'), podName);
    // the kubelet's /etc/hosts: the cluster's names plus the pod's own
    mkdirSync(join(dir, 'upper', 'etc'), { recursive: true });
    writeFileSync(join(dir, 'upper', 'etc', 'hosts'), `${this.stack.hosts().text}${NODE_IP} ${podName}\n`);

    const image = IMAGES[imageName(container.image)];
    if (!image) throw new Error(`${podName}/${container.name}: no stand-in for image ${container.image}`);
    const entry = [...(container.command ?? ['kolla_start']), ...(container.args ?? [])].map((a) =>
      expand(a, env),
    );
    const kolla = (container.volumeMounts ?? []).some((m) => m.mountPath === '/var/lib/kolla/config_files');
    if (image.extendStart)
      writeFileSync(join(dir, 'upper', 'usr', 'local', 'bin', 'kolla_extend_start'), image.extendStart);
    writeFileSync(
      join(dir, 'upper', 'kolla-test', 'start'),
      `set -e
# what the image's /run holds (the container's /run is a fresh tmpfs here)
mkdir -p /run/lock /run/apache2 /run/lock/apache2
${image.prepare ?? ''}
${kolla ? `[ ! -f /var/lib/kolla/config_files/config.json ] || /usr/local/bin/kolla_set_configs` : ''}
user=${q(image.apache && unit.object.kind !== 'Job' ? 'root' : image.user)}
home=$(getent passwd "$user" | cut -d: -f6)
cd /
exec env -i PATH=${PATH} HOME="$home" HOSTNAME=${q(podName)} ${Object.entries(env)
        .map(([k, v]) => q(`${k}=${v}`))
        .join(
          ' ',
        )} setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- ${entry.map(q).join(' ')}
`,
    );
    const log = join(
      this.state,
      'logs',
      `${podName}_${container.name}${restart ? `.restart${restart}` : ''}.log`,
    );
    mkdirSync(dirname(log), { recursive: true });
    const process = this.node.startContainer(dir, log);
    return {
      kind: unit.object.kind,
      name: unit.object.metadata.name,
      pod: podName,
      container: container.name,
      dir,
      log,
      process,
    };
  }

  /** Runs a Job's pod to completion (init containers, then the containers); throws with its log on failure. */
  async runJob(unit: Unit, timeoutMs = 300000): Promise<string> {
    const run = (this.jobRuns.get(unit.object.metadata.name) ?? 0) + 1;
    this.jobRuns.set(unit.object.metadata.name, run);
    const pod = this.podName(unit, run);
    const out: string[] = [];
    for (const c of [...(unit.pod.initContainers ?? []), ...unit.pod.containers]) {
      const r = this.start(unit, c, pod);
      const code = await waitExit(r.process, timeoutMs);
      const log = readFileSync(r.log, 'utf8');
      out.push(log);
      if (code !== 0)
        throw new Error(
          `Job ${unit.object.metadata.name} container ${c.name} exited ${code}:\n${log.slice(-4000)}`,
        );
    }
    return out.join('');
  }

  env(unit: Unit, container: Container, podName: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = expand(e.value, env);
      else if (e.valueFrom?.secretKeyRef)
        env[e.name] = this.stack.keys('Secret', e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key]!;
      else if (e.valueFrom?.configMapKeyRef)
        env[e.name] = this.stack.keys('ConfigMap', e.valueFrom.configMapKeyRef.name)[
          e.valueFrom.configMapKeyRef.key
        ]!;
      else if (e.valueFrom?.fieldRef) {
        const f = e.valueFrom.fieldRef.fieldPath;
        env[e.name] =
          f === 'metadata.name'
            ? podName
            : f === 'spec.nodeName'
              ? NODE_NAME
              : f === 'status.hostIP' || f === 'status.podIP'
                ? NODE_IP
                : f === 'metadata.namespace'
                  ? 'openstack'
                  : '';
      }
    }
    void unit;
    return env;
  }
}

export function waitExit(p: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    if (p.exitCode !== null) return resolve(p.exitCode);
    const t = setTimeout(() => {
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
      resolve(-1);
    }, timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve(code ?? -1);
    });
  });
}
