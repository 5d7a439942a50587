/**
 * The simulated cluster's machines: Nodes (and the StorageClasses provisioning volumes on them)
 * from a fixture file, so scheduling decisions depend on labels, taints and capacity the way they
 * would on the cluster the fixture describes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from './json.js';
import { isObject, str } from './json.js';

/** What a fixture declares: Nodes (with status) and StorageClasses. */
export interface ClusterFixture {
  nodes: KubeObject[];
  storageClasses: KubeObject[];
}

/**
 * The fixture of the simulator package (simulator/clusters/default.yaml), found from its sources,
 * its own build (simulator/dist) and a build of the repository that compiled it (dist/simulator/src).
 */
export function defaultFixturePath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const beside = join(dir, 'clusters', 'default.yaml');
    if (existsSync(beside)) return beside;
    const inRepository = join(dir, 'simulator', 'clusters', 'default.yaml');
    if (existsSync(inRepository)) return inRepository;
    dir = dirname(dir);
  }
  throw new Error('the simulator cannot find its default cluster fixture (simulator/clusters/default.yaml)');
}

/** Reads a fixture file; throws one line naming the file and the offending document. */
export function loadFixture(path: string): ClusterFixture {
  const fixture: ClusterFixture = { nodes: [], storageClasses: [] };
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`${path}: document ${i + 1}: ${doc.errors[0]!.message}`);
    const obj = doc.toJS() as unknown;
    if (obj === null || obj === undefined) return;
    if (!isObject(obj) || !isObject(obj.metadata) || !str(obj.metadata, 'name'))
      throw new Error(`${path}: document ${i + 1} is not an object with metadata.name`);
    const o = obj as KubeObject;
    if (o.kind === 'Node' && o.apiVersion === 'v1') fixture.nodes.push(o);
    else if (o.kind === 'StorageClass' && o.apiVersion === 'storage.k8s.io/v1')
      fixture.storageClasses.push(o);
    else
      throw new Error(
        `${path}: document ${i + 1} is ${String(o.apiVersion)} ${String(o.kind)}; a cluster fixture holds only v1 Node and storage.k8s.io/v1 StorageClass`,
      );
  });
  if (fixture.nodes.length === 0) throw new Error(`${path}: a cluster fixture needs at least one Node`);
  return fixture;
}

/** `count` unlabelled worker nodes plus the default StorageClass of the shipped fixture. */
export function genericFixture(count: number): ClusterFixture {
  const shipped = loadFixture(defaultFixturePath());
  const nodes: KubeObject[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `node-${i}`;
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
        },
      },
      status: {
        capacity: { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '200Gi' },
        allocatable: { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '200Gi' },
        addresses: [
          { type: 'InternalIP', address: `172.18.1.${i + 1}` },
          { type: 'Hostname', address: name },
        ],
      },
    });
  }
  return { nodes, storageClasses: shipped.storageClasses };
}
