/**
 * The flagship: the whole stackanetes meta-package (OpenStack and its infrastructure) deployed
 * onto the simulator with every wave and readiness wait, then redeployed, changed, and with Ceph
 * switched off — Cinder and the RADOS Gateway pruned.
 */
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { fixtures, startCluster, tableStatuses, type TestCluster } from './harness.js';

const meta = join(repoRoot, 'packages', 'stackanetes');
const parameters = join(repoRoot, 'parameters.yaml');
const ceph = join(fixtures, 'ceph.yaml');
const ns = 'openstack';
let c: TestCluster;

beforeAll(async () => {
  c = await startCluster({ readinessDelayMs: 20 });
});
afterAll(async () => {
  await c?.stop();
});

function packagesOf(kind: string): string[] {
  return (
    c.sim.store.list(kind === 'Deployment' ? 'apps/v1' : 'v1', kind, ns) as unknown as {
      metadata: { labels?: Record<string, string> };
    }[]
  )
    .map((o) => o.metadata.labels?.['stackanetes.io/package'] ?? '')
    .sort();
}

describe('the stackanetes meta-package on a simulated cluster', () => {
  it('deploys every package wave by wave, waiting for each to be ready', async () => {
    // Traefik's ClusterRole and IngressClass are cluster-scoped: allowed once, on the first deploy.
    const r = await c.cli(
      ['deploy', meta, '-n', ns, '--variables', parameters, '--variables', ceph, '--allow-cluster-scope'],
      { timeoutMs: 240000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 1 deployed');
    const rows = tableStatuses(r.stdout);
    expect([...rows.values()].every((s) => s === 'created')).toBe(true);
    expect(rows.get('Deployment/keystone-api')).toBe('created');
    expect(packagesOf('Deployment')).toEqual(
      expect.arrayContaining(['stackanetes.cinder', 'stackanetes.rados-gateway']),
    );
    // Keystone talks to MariaDB, so its objects were applied only after MariaDB was ready.
    const applies = c.sim.requests.find({ patchType: 'apply' }).map((x) => `${x.resource}/${x.name}`);
    expect(applies.indexOf('deployments/keystone-api')).toBeGreaterThan(
      applies.indexOf('statefulsets/mariadb'),
    );
    const s = await c.cli(['status', '-n', ns]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(/(\d+) of \1 objects ready/);
  });

  it('a redeploy with the same inputs makes zero write requests', async () => {
    c.sim.requests.reset();
    const r = await c.cli(['deploy', meta, '-n', ns, '--variables', parameters, '--variables', ceph]);
    expect(r.code).toBe(0);
    expect(c.sim.requests.count({ write: true })).toBe(0);
    expect(r.stdout).toContain('unchanged, no revision written');
  });

  it('one changed parameter: diff names only memcached, deploy updates only it, then diff is clean', async () => {
    const args = [
      '-n',
      ns,
      '--variables',
      parameters,
      '--variables',
      ceph,
      '--set',
      'memcached.memory_mb=512',
    ];
    const d = await c.cli(['diff', meta, ...args]);
    expect(d.code).toBe(1);
    const headers = d.stdout.split('\n').filter((l) => / will be (created|updated|deleted)$/.test(l));
    expect(headers).toEqual(['openstack/StatefulSet/memcached (stackanetes/memcached) will be updated']);
    expect(d.stdout).toMatch(/^\+.*512/m);
    c.sim.requests.reset();
    const r = await c.cli(['deploy', meta, ...args]);
    expect(r.code).toBe(0);
    const changed = [...tableStatuses(r.stdout).entries()]
      .filter(([, s]) => s !== 'unchanged')
      .map(([k]) => k);
    expect(changed).toEqual(['StatefulSet/memcached']);
    expect(c.sim.requests.find({ patchType: 'apply', dryRun: false }).map((x) => x.name)).toEqual([
      'memcached',
    ]);
    const again = await c.cli(['diff', meta, ...args]);
    expect(again.code).toBe(0);
  });

  it('switching ceph.enabled off prunes Cinder and the RADOS Gateway', async () => {
    const args = ['-n', ns, '--variables', parameters, '--set', 'memcached.memory_mb=512'];
    const d = await c.cli(['diff', meta, ...args, '-o', 'json']);
    // 1: changes, the Glance Jobs among them shown as replacements (no --force needed).
    expect(d.code).toBe(1);
    const plan = JSON.parse(d.stdout) as { entries: { action: string; package: string }[] };
    const deleted = new Set(plan.entries.filter((e) => e.action === 'delete').map((e) => e.package));
    expect([...deleted].sort()).toEqual(['stackanetes/cinder', 'stackanetes/rados-gateway']);
    // Glance's configuration changes with Ceph, so its database Jobs (immutable pod templates)
    // are replaced, with no flag needed.
    const r = await c.cli(['deploy', meta, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 3 deployed');
    expect(packagesOf('Deployment')).not.toContain('stackanetes.cinder');
    expect(packagesOf('Deployment')).not.toContain('stackanetes.rados-gateway');
    expect(packagesOf('ConfigMap').concat(packagesOf('Secret'))).not.toContain('stackanetes.cinder');
    expect(r.stdout).toMatch(/stackanetes\/cinder\s+\S+\s+Deployment\s+cinder-api\s+openstack\s+deleted/);
    expect(r.stdout).toMatch(/stackanetes\/glance\s+\S+\s+Job\s+glance-db-sync\s+openstack\s+replaced/);
  });
});
