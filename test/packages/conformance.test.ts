/**
 * Our own packages against the simulator's 1.32 validation: the whole stack (the meta-package
 * with parameters.yaml, and with the Ceph + HA fixture) is created object by object with
 * fieldValidation=Strict, and every object must be accepted as rendered — a refusal here is a
 * refusal on a real cluster. The stored form is compared with the rendered one, so a package
 * that renders what a server drops or rewrites (an empty list, a non-canonical quantity) shows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join, resolve } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';
import type { JsonObject } from '../../simulator/src/json.js';
import { rawClient, rawRequest } from '../../simulator/src/raw-client.js';

const ROOT = resolve(process.cwd());
const NAMESPACE = 'openstack';

let sim: Simulator;
let api: ReturnType<typeof rawClient>;

beforeAll(async () => {
  sim = await startSimulator({ readinessDelayMs: 0 });
  api = rawClient(sim.url);
});

afterAll(async () => {
  await sim.stop();
});

/** The discovery path of a kind, read from the simulator itself. */
async function collectionOf(o: JsonObject, ns: string): Promise<string> {
  const apiVersion = String(o.apiVersion);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const list = await api.get(base);
  const entry = (list.body.resources as { name: string; kind: string; namespaced: boolean }[]).find(
    (r) => r.kind === o.kind && !r.name.includes('/'),
  );
  if (!entry) throw new Error(`${apiVersion} ${String(o.kind)} is not served`);
  return entry.namespaced ? `${base}/namespaces/${ns}/${entry.name}` : `${base}/${entry.name}`;
}

/**
 * Where the stored object differs from the rendered one in a value the package set (defaults
 * may be added; Secret stringData is folded into data by design).
 */
function differences(sent: unknown, stored: unknown, path: string): string[] {
  if (path === 'stringData' || (path === 'metadata.annotations' && false)) return [];
  if (sent !== null && typeof sent === 'object' && !Array.isArray(sent)) {
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored))
      return [`${path}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
    return Object.entries(sent).flatMap(([k, v]) =>
      differences(v, (stored as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`),
    );
  }
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored) || stored.length !== sent.length)
      return [`${path}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
    return sent.flatMap((v, i) => differences(v, stored[i], `${path}[${i}]`));
  }
  return sent === stored ? [] : [`${path}: sent ${JSON.stringify(sent)}, stored ${JSON.stringify(stored)}`];
}

const order = (o: JsonObject): number =>
  o.kind === 'Namespace' ? 0 : o.kind === 'CustomResourceDefinition' ? 1 : 2;

describe.each([
  ['parameters.yaml', [join(ROOT, 'parameters.yaml')]],
  [
    'the Ceph + HA fixture',
    [join(ROOT, 'parameters.yaml'), join(ROOT, 'test/packages/fixtures/ceph-ha.yaml')],
  ],
])('the stack rendered with %s', (_label, variableFiles) => {
  it('is accepted object by object under fieldValidation=Strict, without warnings', async () => {
    const release = await renderReference({
      reference: join(ROOT, 'packages', 'stackanetes'),
      namespace: NAMESPACE,
      variableFiles,
      cwd: ROOT,
    });
    const objects = release.packages.flatMap((p) => p.objects.map((o) => o.object as unknown as JsonObject));
    expect(objects.length).toBeGreaterThan(50);
    await api.post('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE },
    });
    const refused: string[] = [];
    const rewritten: string[] = [];
    for (const o of [...objects].sort((a, b) => order(a) - order(b))) {
      const meta = o.metadata as JsonObject;
      const ns = typeof meta.namespace === 'string' ? meta.namespace : NAMESPACE;
      const res = await rawRequest(sim.url, 'POST', `${await collectionOf(o, ns)}?fieldValidation=Strict`, {
        body: o,
      });
      const label = `${String(o.kind)}/${String(meta.name)}`;
      if (res.status === 409) continue;
      if (res.status !== 201) refused.push(`${label}: ${res.status} ${String(res.body?.message)}`);
      else for (const d of differences(o, res.body as JsonObject, '')) rewritten.push(`${label}: ${d}`);
      const warning = res.headers.get('warning');
      if (warning) refused.push(`${label}: warning ${warning}`);
    }
    expect(refused).toEqual([]);
    expect(rewritten).toEqual([]);
  });
});
