/**
 * The stack broken one way per case, each of which a real cluster's kubelet or scheduler refuses
 * to run: `stackanetes deploy --wait` must fail naming the object and the kubelet's or the
 * scheduler's reason. The same rendered stack, unbroken, deploys and becomes ready with the Kolla
 * start contract enforced.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { kollaContract } from '../../simulator/src/index.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { startCluster, type TestCluster } from './harness.js';

const meta = join(repoRoot, 'packages', 'stackanetes');
const parameters = join(repoRoot, 'parameters.yaml');
let c: TestCluster;
let rendered: string;

interface Obj {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    template?: {
      spec?: {
        nodeSelector?: Record<string, string>;
        containers?: { name: string; image: string; volumeMounts?: { mountPath: string }[] }[];
      };
    };
  };
}

beforeAll(async () => {
  const g = await runCli(['generate', meta, '-n', 'stack', '--variables', parameters]);
  expect(g.stderr).toBe('');
  rendered = g.stdout;
});
// A cluster per case: the stack's cluster-scoped objects (Traefik's ClusterRole, the
// IngressClass) belong to one release per cluster.
beforeEach(async () => {
  c = await startCluster({ readinessDelayMs: 20 });
  c.sim.imageContracts.add(kollaContract);
});
afterEach(async () => {
  await c?.stop();
});

/** Writes the stack for namespace `ns`, with `breakIt` applied to every object. */
function stackFile(ns: string, breakIt: (o: Obj) => void = () => undefined): string {
  const docs = parseAllDocuments(rendered.replace(/\bnamespace: stack\b/g, `namespace: ${ns}`))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
  for (const o of docs) breakIt(o);
  const file = join(c.dir, `${ns}.yaml`);
  writeFileSync(file, docs.map((o) => stringify(o)).join('---\n'));
  return file;
}

function keystoneApi(
  o: Obj,
): NonNullable<NonNullable<NonNullable<Obj['spec']>['template']>['spec']> | undefined {
  return o.kind === 'Deployment' && o.metadata.name === 'keystone-api' ? o.spec?.template?.spec : undefined;
}

async function deployBroken(ns: string, breakIt: (o: Obj) => void): Promise<string> {
  const r = await c.cli(
    ['deploy', stackFile(ns, breakIt), '-n', ns, '--wait', '--timeout', '15s', '--allow-cluster-scope'],
    {
      timeoutMs: 120000,
    },
  );
  expect(r.code).not.toBe(0);
  return r.stderr.replace(/\s+/g, ' ');
}

describe('a broken stack fails its deploy with the kubelet or scheduler reason', () => {
  it('deploys the unbroken stack with the Kolla start contract enforced', async () => {
    const r = await c.cli(
      ['deploy', stackFile('whole'), '-n', 'whole', '--wait', '--timeout', '120s', '--allow-cluster-scope'],
      {
        timeoutMs: 180000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pods = c.sim.store.list('v1', 'Pod', 'whole') as unknown as {
      status?: { phase?: string; containerStatuses?: { state?: { waiting?: unknown } }[] };
    }[];
    expect(pods.length).toBeGreaterThan(20);
    expect(pods.filter((p) => p.status?.containerStatuses?.some((s) => s.state?.waiting))).toEqual([]);
  });

  it('a Secret without the key an env var reads: CreateContainerConfigError naming key and Secret', async () => {
    const err = await deployBroken('nokey', (o) => {
      if (o.kind !== 'Secret' || o.metadata.name !== 'mariadb-root') return;
      for (const field of ['data', 'stringData'] as const) {
        const map = o[field];
        if (map && 'password' in map) {
          map.pass = map.password!;
          delete map.password;
        }
      }
    });
    expect(err).toContain('nokey/StatefulSet/mariadb');
    expect(err).toMatch(
      /pod mariadb-0: container \S+: CreateContainerConfigError \(couldn't find key password in Secret nokey\/mariadb-root\)/,
    );
  });

  it('a nodeSelector no node matches: Unschedulable with the scheduler message', async () => {
    const err = await deployBroken('nonode', (o) => {
      const spec = keystoneApi(o);
      if (spec) spec.nodeSelector = { 'openstack-control-plane': 'nowhere' };
    });
    expect(err).toContain('nonode/Deployment/keystone-api');
    expect(err).toMatch(
      /pod keystone-api-\S+: Unschedulable: 0\/5 nodes are available: 5 node\(s\) didn't match Pod's node affinity\/selector\./,
    );
  });

  it('a Kolla container without config.json: CrashLoopBackOff naming the missing file', async () => {
    const err = await deployBroken('nokolla', (o) => {
      const spec = keystoneApi(o);
      for (const container of spec?.containers ?? [])
        container.volumeMounts = (container.volumeMounts ?? []).filter(
          (m) => m.mountPath !== '/var/lib/kolla/config_files',
        );
    });
    expect(err).toContain('nokolla/Deployment/keystone-api');
    expect(err).toMatch(
      /pod keystone-api-\S+: container api: CrashLoopBackOff \(kolla: \/var\/lib\/kolla\/config_files\/config\.json is missing \(no volumeMount covers/,
    );
  });

  it('a malformed image reference: InvalidImageName', async () => {
    const err = await deployBroken('badimage', (o) => {
      const spec = keystoneApi(o);
      for (const container of spec?.containers ?? [])
        container.image = container.image.replace('keystone', 'Keystone');
    });
    expect(err).toContain('badimage/Deployment/keystone-api');
    expect(err).toMatch(
      /pod keystone-api-\S+: container api: InvalidImageName \(Failed to apply default image tag/,
    );
  });
});
