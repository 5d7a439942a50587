import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type KubeClient } from '../../src/kube/client.js';
import { createMemoryReleaseStore } from '../../src/release/memory-store.js';
import { createReleaseStore } from '../../src/release/store.js';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';
import { releaseStoreContract } from './store-contract.js';

const now = new Date('2026-02-03T04:05:06.000Z');

releaseStoreContract('in-memory', async () => ({
  store: createMemoryReleaseStore('contract', () => now),
  now,
}));

describe('on the simulator', () => {
  let sim: Simulator;
  let dir: string;
  let client: KubeClient;
  let namespaces = 0;

  beforeAll(async () => {
    sim = await startSimulator();
    dir = mkdtempSync(join(tmpdir(), 'stackanetes-store-'));
    const kubeconfig = join(dir, 'kubeconfig');
    await sim.writeKubeconfig(kubeconfig);
    client = connect({ kubeconfig, env: {} });
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each test gets a namespace of its own, as each gets a fresh in-memory store.
  releaseStoreContract('Secret', async () => {
    const namespace = `contract-${++namespaces}`;
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return { store: createReleaseStore(client, namespace, () => now), now };
  });
});
