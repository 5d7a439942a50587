/**
 * Actions run in process with a test ActionContext: release records in memory, the cluster a
 * simulator, the environment the test's own. No CLI is spawned.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploy } from '../../src/actions/deploy.js';
import { history } from '../../src/actions/history.js';
import { remove } from '../../src/actions/remove.js';
import { rollback } from '../../src/actions/rollback.js';
import { status } from '../../src/actions/status.js';
import { renderDesired } from '../../src/actions/cluster.js';
import { kubeCluster, memoryContext, secretReleaseStores } from '../../src/actions/context.js';
import { connect } from '../../src/kube/client.js';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';
import { record } from '../release/store-contract.js';
import { repoRoot } from '../helpers/cli.js';

let sim: Simulator;
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'stackanetes-context-'));
  kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
});
afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

function contextFor(namespace: string) {
  return memoryContext({ cluster: kubeCluster({ kubeconfig, namespace }, {}) });
}

describe('history with an in-memory release store', () => {
  it('lists the revisions the context holds, with what each changed, though the cluster has none', async () => {
    const context = contextFor('shop');
    const store = context.storeOf('shop');
    await store.create(record('app', 1, { status: 'superseded' }));
    await store.create(record('app', 2));
    const result = await history(context, {});
    expect(result.release).toBe('app');
    expect(result.namespace).toBe('shop');
    expect(result.revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'deployed'],
    ]);
    expect(result.revisions[1]?.changes).toBe('app 1.0.1→1.0.2');
  });

  it('names the namespace when the context holds no release there', async () => {
    await expect(history(contextFor('empty'), {})).rejects.toThrow('no release in namespace empty');
  });
});

describe('status with an in-memory release store', () => {
  it('reads each recorded object live from the cluster and reports the ones that are gone', async () => {
    const client = connect({ kubeconfig, env: {} });
    try {
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'live' } });
      await client.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app-config', namespace: 'live' },
        data: { a: '1' },
      });
    } finally {
      client.close();
    }
    const context = contextFor('live');
    const deployed = record('app', 1);
    deployed.objects.push({
      package: 'demo/app',
      version: '1.0.1',
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret' } },
    });
    await context.storeOf('live').create(deployed);
    const result = await status(context, {});
    expect(result.objects.map((o) => [o.kind, o.name, o.namespace, o.status])).toEqual([
      ['ConfigMap', 'app-config', 'live', 'ready'],
      ['Secret', 'app-secret', 'live', 'missing'],
    ]);
    expect([result.ready, result.total]).toEqual([1, 2]);
  });
});

describe('rendering through the context', () => {
  it("resolves registry references with the context's environment, not the process's", async () => {
    // Port 9 (discard) is closed on loopback: the error must name the registry the context's env chose.
    const context = memoryContext({
      env: {
        STACKANETES_HOME: dir,
        STACKANETES_REGISTRY: 'http://127.0.0.1:9',
        STACKANETES_REGISTRY_RETRIES: '0',
      },
    });
    await expect(renderDesired(context, { reference: 'demo/app' }, 'default')).rejects.toThrow('127.0.0.1:9');
  });
});

describe('deploy and rollback in process', () => {
  const db = join(repoRoot, 'test', 'fixtures', 'cluster', 'db');

  it('deploys, changes and rolls back a release through the context, each step a revision history lists', async () => {
    const now = (): Date => new Date('2026-03-04T05:06:07.000Z');
    const context = memoryContext({
      cluster: kubeCluster({ kubeconfig, namespace: 'inproc' }, {}),
      releases: secretReleaseStores(now),
      now,
    });
    const first = await deploy(context, { reference: db, wait: false });
    expect([first.outcome, first.revision]).toEqual(['deployed', 1]);
    const second = await deploy(context, { reference: db, sets: ['db.replicas=2'], wait: false });
    expect([second.outcome, second.revision]).toEqual(['deployed', 2]);
    const back = await rollback(context, { wait: false });
    expect([back.outcome, back.revision, back.from]).toEqual(['deployed', 3, 1]);
    const listed = await history(context, {});
    expect(listed.revisions.map((r) => [r.revision, r.status, r.description])).toEqual([
      [1, 'superseded', 'deploy fixture/db@1.0.0'],
      [2, 'superseded', 'deploy fixture/db@1.0.0'],
      [3, 'deployed', 'rollback to 1'],
    ]);
    // The revisions were made on the context's clock.
    expect(listed.revisions.map((r) => r.createdAt)).toEqual(Array(3).fill('2026-03-04T05:06:07.000Z'));
  });

  it("records deploy and rollback revisions in the context's release store, not beside it", async () => {
    const context = memoryContext({ cluster: kubeCluster({ kubeconfig, namespace: 'memstore' }, {}) });
    await deploy(context, { reference: db, wait: false });
    await deploy(context, { reference: db, sets: ['db.replicas=2'], wait: false });
    await rollback(context, { wait: false });
    const kept = await context.storeOf('memstore').list();
    expect(kept.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    // Nothing went to the Secret store the CLI uses.
    const secrets = memoryContext({
      cluster: kubeCluster({ kubeconfig, namespace: 'memstore' }, {}),
      releases: secretReleaseStores(),
    });
    await expect(history(secrets, {})).rejects.toThrow('no release in namespace memstore');
  });

  it('removes what the release deployed and its revision records, after which history finds none', async () => {
    const context = memoryContext({
      cluster: kubeCluster({ kubeconfig, namespace: 'gone' }, {}),
      releases: secretReleaseStores(),
    });
    await deploy(context, { reference: db, wait: false });
    const removed = await remove(context, { reference: db });
    expect(removed.revisions).toEqual([1]);
    expect(removed.rows.filter((r) => r.status === 'deleted').map((r) => r.kind)).toEqual(
      expect.arrayContaining(['StatefulSet', 'Secret', 'ServiceAccount']),
    );
    await expect(history(context, {})).rejects.toThrow('no release in namespace gone');
  });
});
