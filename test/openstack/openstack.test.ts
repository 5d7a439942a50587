/**
 * The rendered OpenStack stack (parameters.yaml) runs on the real OpenStack services that
 * Debian 12 ships (Zed), as plain processes in a throw-away namespace on loopback (see node.ts):
 * every container's files laid out from its volume mounts and its Kolla config.json, every Job
 * script run verbatim in deploy order, every service started from its rendered files, then used
 * the way a user would. test/openstack/README.md says what this proves and what it cannot.
 *
 * Run with `npm run test:openstack` (as root: it installs the Debian packages first).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kubelet, imageName, waitExit, type Running } from './container.js';
import { Node, PATH } from './node.js';
import { API_IP, API_PORT, INGRESS_IP, Stack, type Container, type Unit } from './stack.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');

/**
 * Kubernetes-only parts of the rendered configuration, removed before the files are laid out
 * (one node, no Kubernetes API): Galera replication (a one-member cluster needs none and Debian's
 * MariaDB is started without the Galera provider) and RabbitMQ's Kubernetes peer discovery.
 */
const KUBERNETES_ONLY: {
  kind: 'Secret' | 'ConfigMap';
  name: string;
  key: string;
  edit: (s: string) => string;
}[] = [
  { kind: 'Secret', name: 'mariadb-galera', key: 'galera.cnf', edit: (s) => s.replace(/^wsrep_.*$/gm, '') },
  {
    kind: 'Secret',
    name: 'rabbitmq',
    key: 'rabbitmq.conf',
    edit: (s) => s.replace(/^cluster_formation\..*$/gm, ''),
  },
  {
    kind: 'ConfigMap',
    name: 'rabbitmq-config',
    key: 'enabled_plugins',
    edit: (s) => s.replace(/,?rabbitmq_peer_discovery_k8s/, ''),
  },
];

/**
 * Readiness probes that only hold in a Galera cluster: ready.sh asks for wsrep_local_state, which a
 * server without the Galera provider does not have; the rendered liveness probe stands in.
 */
const PROBE_OVERRIDE: Record<string, 'liveness'> = { 'StatefulSet/mariadb/mariadb': 'liveness' };

/** Workloads not run here, and why. */
const NOT_RUN: Record<string, string> = {
  'StatefulSet/etcd': 'Cinder’s coordination store; Cinder is deployed only with Ceph',
  'StatefulSet/elasticsearch': 'Searchlight’s index; Searchlight is retired upstream and not in Debian',
  'Deployment/searchlight-api': 'retired upstream, no Debian package',
  'Deployment/searchlight-listener': 'retired upstream, no Debian package',
  'Job/searchlight-register': 'retired upstream, no Debian package',
  'Job/searchlight-index-sync': 'retired upstream, no Debian package',
  'Deployment/traefik':
    'replaced by the ingress stand-in (ingress.mjs), which routes the rendered Ingress rules',
  'DaemonSet/nova-libvirt': 'no KVM or libvirt here: nova-compute runs the fake driver',
  'DaemonSet/openvswitch-db-server': 'no kernel Open vSwitch datapath here',
  'DaemonSet/openvswitch-vswitchd': 'no kernel Open vSwitch datapath here',
  'DaemonSet/neutron-openvswitch-agent': 'no kernel Open vSwitch datapath here',
  'Deployment/nova-novncproxy': 'no consoles without libvirt',
};

/** Debian 12 (Zed) differs from Kolla 2025.1 here; the node's image stand-in bridges it. */
const IMAGE_LAYOUT = `
# Kolla's images keep site-packages under the venv's lib/python3.x; Debian's are dist-packages
mkdir -p /usr/lib/python3
[ -e /usr/lib/python3/site-packages ] || ln -s dist-packages /usr/lib/python3/site-packages
`;

const KEEP = process.env.OPENSTACK_TEST_KEEP === '1';
const state = mkdtempSync(join(tmpdir(), 'stackanetes-openstack-'));
let stack: Stack;
let node: Node;
let kubelet: Kubelet;
const running: Running[] = [];
const deployed = new Set<string>();
const t0 = Date.now();

const key = (u: Unit): string => `${u.object.kind}/${u.object.metadata.name}`;

function sh(script: string, timeoutMs = 300000): string {
  const r = node.sh(script, {}, timeoutMs);
  if (r.code !== 0) throw new Error(`${script}\nexit ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The container's readiness probe, run as the kubelet would (exec inside the container). */
function ready(r: Running, c: Container): boolean {
  const p = PROBE_OVERRIDE[`${r.kind}/${r.name}/${c.name}`] ? c.livenessProbe : c.readinessProbe;
  if (!p) return r.process.exitCode === null;
  const port = (v: number | string): number =>
    typeof v === 'number' ? v : ((c.ports ?? []).find((x) => x.name === v)?.containerPort ?? Number(v));
  if (p.httpGet)
    return (
      node.sh(`curl -sf -o /dev/null http://127.0.0.1:${port(p.httpGet.port)}${p.httpGet.path ?? '/'}`)
        .code === 0
    );
  if (p.tcpSocket) return node.sh(`exec 3<>/dev/tcp/127.0.0.1/${port(p.tcpSocket.port)}`).code === 0;
  if (p.exec) {
    let pid = '';
    try {
      pid =
        readFileSync(`/proc/${r.process.pid}/task/${r.process.pid}/children`, 'utf8')
          .trim()
          .split(/\s+/)[0] ?? '';
    } catch {
      return false;
    }
    if (!pid) return false;
    const env = kubelet.env({} as Unit, c, r.pod);
    const probe = spawnSync(
      'nsenter',
      [
        '-t',
        pid,
        '-m',
        '-u',
        '-n',
        '-p',
        '-r',
        '-w',
        '--',
        'env',
        '-i',
        `PATH=${PATH}`,
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        ...p.exec.command,
      ],
      { timeout: 30000, stdio: 'ignore' },
    );
    return probe.status === 0;
  }
  return true;
}

async function startWorkload(u: Unit): Promise<void> {
  const pod = kubelet.podName(u, 0);
  for (const c of u.pod.initContainers ?? []) {
    const r = kubelet.start(u, c, pod);
    const code = await waitExit(r.process, 300000);
    if (code !== 0)
      throw new Error(
        `${key(u)} init container ${c.name} exited ${code}:\n${readFileSync(r.log, 'utf8').slice(-4000)}`,
      );
  }
  const started = u.pod.containers.map((c) => ({ c, r: kubelet.start(u, c, pod) }));
  running.push(...started.map((s) => s.r));
  const deadline = Date.now() + 180000;
  for (const { c, r } of started) {
    while (!ready(r, c)) {
      if (r.process.exitCode !== null || Date.now() > deadline)
        throw new Error(
          `${key(u)} container ${c.name} ${r.process.exitCode !== null ? `exited ${r.process.exitCode}` : 'not ready'}:\n${readFileSync(r.log, 'utf8').slice(-4000)}`,
        );
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
}

/** Applies one package as a deploy does: Jobs in depends-on order, workloads once their dependencies are ready. */
async function deployPackage(name: string): Promise<string[]> {
  const units = stack.units().filter((u) => u.package === name && !(key(u) in NOT_RUN));
  const done: string[] = [];
  const pending = [...units];
  const satisfied = (u: Unit): boolean => u.dependsOn.every((d) => deployed.has(d) || d in NOT_RUN);
  while (pending.length) {
    const job = pending.find((u) => u.object.kind === 'Job' && satisfied(u));
    const next = job ?? pending.find((u) => satisfied(u));
    if (!next)
      throw new Error(
        `${name}: nothing can start; waiting: ${pending.map((u) => `${key(u)} ← ${u.dependsOn.join(',')}`).join('; ')}`,
      );
    pending.splice(pending.indexOf(next), 1);
    if (next.object.kind === 'Job') await kubelet.runJob(next);
    else await startWorkload(next);
    deployed.add(key(next));
    done.push(key(next));
  }
  return done;
}

beforeAll(async () => {
  stack = await Stack.render(ROOT, join(ROOT, 'parameters.yaml'));
  for (const e of KUBERNETES_ONLY) {
    const o = stack.get(e.kind, e.key === '' ? e.name : e.name);
    const keys = stack.keys(e.kind, e.name);
    if (!(e.key in keys)) throw new Error(`${e.kind}/${e.name} has no ${e.key}`);
    o.stringData = { ...(o.stringData ?? {}), [e.key]: e.edit(keys[e.key]!) };
    if (o.data) delete o.data[e.key];
  }
  cpSync(join(HERE, 'image'), join(state, 'image'), { recursive: true });
  node = await Node.start(state, stack.hosts().text);
  kubelet = new Kubelet(node, stack, state);
  kubelet.prepareNode(IMAGE_LAYOUT);
  stack.apiDir = join(state, 'api', 'secrets');
  running.push({
    kind: 'Pod',
    name: 'kube-api',
    pod: 'kube-api',
    container: 'kube-api',
    dir: state,
    log: join(state, 'logs', 'kube-api.log'),
    process: node.startIngress(
      join(HERE, 'kube-api.mjs'),
      API_IP,
      API_PORT,
      [stack.apiDir],
      join(state, 'logs', 'kube-api.log'),
    ),
  });
  const ingress = stack.ingressRoutes().map((r) => `${r.host}=${r.service}:${r.port}`);
  running.push({
    kind: 'Pod',
    name: 'ingress',
    pod: 'ingress',
    container: 'ingress',
    dir: state,
    log: join(state, 'logs', 'ingress.log'),
    process: node.startIngress(
      join(HERE, 'ingress.mjs'),
      INGRESS_IP,
      30080,
      ingress,
      join(state, 'logs', 'ingress.log'),
    ),
  });
});

afterAll(() => {
  // OPENSTACK_TEST_HOLD=1 leaves the node running for a look inside (nsenter -t PID -a)
  if (process.env.OPENSTACK_TEST_HOLD === '1') process.stderr.write(`node init pid ${node?.pid}\n`);
  else node?.stop();
  const seconds = Math.round((Date.now() - t0) / 1000);
  process.stderr.write(`openstack test: ${seconds}s; state in ${state}${KEEP ? ' (kept)' : ''}\n`);
  if (!KEEP) rmSync(state, { recursive: true, force: true });
});

describe('the rendered stack on Debian 12’s OpenStack (Zed)', () => {
  it('MariaDB, RabbitMQ and memcached start from their rendered configuration', async () => {
    for (const p of ['stackanetes/mariadb', 'stackanetes/rabbitmq', 'stackanetes/memcached'])
      await deployPackage(p);
    expect(sh('mariadb -h mariadb -uroot -ppassword -N -e "SELECT 1"').trim()).toBe('1');
  });

  it('Keystone: its Jobs run verbatim and `openstack token issue` works through the ingress', async () => {
    await deployPackage('stackanetes/keystone');
    const out = sh(`cd ${ROOT} && . ./env_openstack.sh && openstack token issue -f value -c id`);
    expect(out.trim()).toMatch(/^gAAAA/);
  });

  it('Glance: an image uploaded through the public endpoint downloads with the same checksum', async () => {
    await deployPackage('stackanetes/glance');
    const out = sh(`cd ${ROOT} && . ./env_openstack.sh && set -e
head -c 3000000 /dev/urandom > /tmp/image.raw
openstack image create --disk-format raw --container-format bare --file /tmp/image.raw test-image -f value -c id >/dev/null
openstack image save --file /tmp/image.out test-image
sha256sum /tmp/image.raw /tmp/image.out | awk '{print $1}'`);
    const [a, b] = out.trim().split('\n');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });
});

void imageName;
