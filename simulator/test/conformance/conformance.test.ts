/**
 * Runs the conformance corpus (cases.ts) against the simulator: each case over HTTP (status
 * code, reason, cause field, message, Warning header, stored value) and, where kubectl can send
 * it, through the real kubectl 1.32 (exit code, the server's message on stderr, the stored value
 * as `kubectl get -o json` shows it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/index.js';
import type { JsonObject } from '../../src/json.js';
import { rawClient, rawRequest, type RawResponse } from '../../src/raw-client.js';
import { cases, type Case } from './cases.js';

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let api: ReturnType<typeof rawClient>;

/** The 1.32 kubectl, beside the default one where the SDK ships several. */
const kubectlBinary = existsSync('/usr/lib/google-cloud-sdk/bin/kubectl.1.32')
  ? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'
  : 'kubectl';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], cache: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlBinary, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args], {
      env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

interface Kind {
  prefix: string;
  plural: string;
  namespaced: boolean;
}

const kinds: Record<string, Kind> = {
  Deployment: { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true },
  StatefulSet: { prefix: '/apis/apps/v1', plural: 'statefulsets', namespaced: true },
  DaemonSet: { prefix: '/apis/apps/v1', plural: 'daemonsets', namespaced: true },
  Job: { prefix: '/apis/batch/v1', plural: 'jobs', namespaced: true },
  CronJob: { prefix: '/apis/batch/v1', plural: 'cronjobs', namespaced: true },
  Service: { prefix: '/api/v1', plural: 'services', namespaced: true },
  ConfigMap: { prefix: '/api/v1', plural: 'configmaps', namespaced: true },
  Secret: { prefix: '/api/v1', plural: 'secrets', namespaced: true },
  PersistentVolumeClaim: { prefix: '/api/v1', plural: 'persistentvolumeclaims', namespaced: true },
  Ingress: { prefix: '/apis/networking.k8s.io/v1', plural: 'ingresses', namespaced: true },
  PodDisruptionBudget: { prefix: '/apis/policy/v1', plural: 'poddisruptionbudgets', namespaced: true },
  Role: { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'roles', namespaced: true },
  RoleBinding: { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'rolebindings', namespaced: true },
  ClusterRole: { prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: {
    prefix: '/apis/rbac.authorization.k8s.io/v1',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  CustomResourceDefinition: {
    prefix: '/apis/apiextensions.k8s.io/v1',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
  IngressClass: { prefix: '/apis/networking.k8s.io/v1', plural: 'ingressclasses', namespaced: false },
  StorageClass: { prefix: '/apis/storage.k8s.io/v1', plural: 'storageclasses', namespaced: false },
  Widget: { prefix: '/apis/conformance.example.com/v1', plural: 'widgets', namespaced: true },
};

function collection(o: JsonObject, ns: string): string {
  const k = kinds[String(o.kind)];
  if (!k) throw new Error(`no route for ${String(o.kind)}`);
  return k.namespaced ? `${k.prefix}/namespaces/${ns}/${k.plural}` : `${k.prefix}/${k.plural}`;
}

function itemPath(o: JsonObject, ns: string): string {
  return `${collection(o, ns)}/${String((o.metadata as JsonObject).name)}`;
}

/** The value at a dotted path with list positions (`spec.a[0].b`). */
function at(o: unknown, path: string): unknown {
  let cur: unknown = o;
  for (const t of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    if (cur === undefined || cur === null) return undefined;
    const index = /^\[(\d+)\]$/.exec(t);
    cur = index ? (cur as unknown[])[Number(index[1])] : (cur as Record<string, unknown>)[t];
  }
  return cur;
}

async function setUp(c: Case, ns: string): Promise<void> {
  const created = await api.post('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns },
  });
  expect(created.status).toBe(201);
  for (const o of c.setup ?? []) {
    const res = await api.post(collection(o, ns), o);
    if (res.status !== 409) expect(res.status).toBe(201);
    // A claim's size may change only once it is bound: wait for the binding.
    for (let tries = 0; o.kind === 'PersistentVolumeClaim' && tries < 100; tries++) {
      const got = await api.get(itemPath(o, ns));
      if (got.body?.status?.phase === 'Bound') break;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Removes what a case left at cluster scope, so the kubectl run and later cases start clean. */
async function cleanUp(c: Case): Promise<void> {
  for (const o of [c.object, ...(c.setup ?? [])]) {
    const k = kinds[String(o.kind)];
    const shared = o.kind === 'CustomResourceDefinition' || o.kind === 'StorageClass';
    if (k && !k.namespaced && !shared) await api.delete(itemPath(o, ''));
  }
}

async function send(c: Case, ns: string): Promise<RawResponse> {
  const q = `?fieldValidation=${c.fieldValidation ?? 'Strict'}`;
  if (c.apply)
    return rawRequest(sim.url, 'PATCH', `${itemPath(c.object, ns)}${q}&fieldManager=conformance&force=true`, {
      body: JSON.stringify(c.object),
      contentType: 'application/apply-patch+yaml',
    });
  if (c.update) return rawRequest(sim.url, 'PUT', `${itemPath(c.object, ns)}${q}`, { body: c.object });
  return rawRequest(sim.url, 'POST', `${collection(c.object, ns)}${q}`, { body: c.raw ?? c.object });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-conformance-'));
  sim = await startSimulator({ readinessDelayMs: 0 });
  kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  api = rawClient(sim.url);
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('conformance corpus', () => {
  it('holds at least 80 cases, each with a status code, a reason and (for 422) a field path', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    for (const c of cases) {
      expect(typeof c.expect.code).toBe('number');
      if (c.expect.code === 422) expect(c.expect.field).toBeDefined();
      if (c.expect.code >= 400) expect(c.expect.reason).not.toBe('');
    }
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  describe.each(cases.map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    it('answers over HTTP as kube-apiserver 1.32 does', async () => {
      const ns = `http-${i}`;
      await setUp(c, ns);
      const res = await send(c, ns);
      try {
        expect({ code: res.status, message: res.body?.message }).toMatchObject({
          code: c.expect.code,
          ...(c.expect.message ? { message: expect.stringContaining(c.expect.message) } : {}),
        });
        if (c.expect.reason) expect(res.body.reason).toBe(c.expect.reason);
        if (c.expect.field) {
          const fields = (res.body.details?.causes ?? []).map((x: { field: string }) => x.field);
          expect(fields).toContain(c.expect.field);
          expect(res.body.message).toContain(`is invalid: `);
        }
        if (c.warning) expect(res.headers.get('warning') ?? '').toContain(c.warning);
        if (c.stored) {
          const got = await api.get(itemPath(c.object, ns));
          expect(at(got.body, c.stored.path)).toEqual(c.stored.value);
        }
      } finally {
        await cleanUp(c);
      }
    });

    if (c.kubectl !== false && !c.raw) {
      it('answers the same through kubectl', async () => {
        const ns = `kubectl-${i}`;
        await setUp(c, ns);
        const file = join(dir, `case-${i}.json`);
        await writeFile(file, JSON.stringify(c.object));
        const validate = { Strict: 'strict', Warn: 'warn', Ignore: 'ignore' }[c.fieldValidation ?? 'Strict'];
        const verb = c.apply
          ? ['apply', '--server-side', '--force-conflicts']
          : c.update
            ? ['replace']
            : ['create'];
        const cache = join(dir, `cache-${i}`);
        try {
          const run = await kubectl([...verb, '-n', ns, `--validate=${validate}`, '-f', file], cache);
          if (c.expect.code >= 400) {
            expect(run.code).not.toBe(0);
            expect(run.stderr).toContain(c.expect.message ?? c.expect.field ?? '');
            if (c.expect.field) expect(run.stderr).toContain(c.expect.field);
          } else {
            expect(run.stderr.replace(/^Warning: .*\n/gm, '')).toBe('');
            expect(run.code).toBe(0);
            if (c.warning) expect(run.stderr).toContain(`Warning: ${c.warning.replace(/\\"/g, '"')}`);
            if (c.stored) {
              const kind = String(c.object.kind);
              const name = String((c.object.metadata as JsonObject).name);
              const got = await kubectl(['get', '-n', ns, kind, name, '-o', 'json'], cache);
              expect(at(JSON.parse(got.stdout), c.stored.path)).toEqual(c.stored.value);
            }
          }
        } finally {
          await cleanUp(c);
        }
      });
    }
  });
});
