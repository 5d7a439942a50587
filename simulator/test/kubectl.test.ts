/**
 * Interop with the real kubectl (1.32) through a written kubeconfig, over TLS with a bearer
 * token: get (table and JSON), server-side apply of a multi-document file, diff exit codes,
 * merge and strategic patches, managed fields, conflicts, rollout status, watch, CRDs and
 * delete; and what kubectl sees equals what @kubernetes/client-node reads, object for object.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../src/index.js';

let sim: Simulator;
let dir: string;
let kubeconfig: string;
let objects: k8s.KubernetesObjectApi;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], config = kubeconfig): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HOME: dir, KUBECONFIG: config };
    const child = spawn('kubectl', ['--kubeconfig', config, '--cache-dir', join(dir, 'cache'), ...args], {
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new Error('these tests need kubectl (1.32) on PATH') : err),
    );
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const manifest = `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: demo
  labels: {app: web}
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: demo
stringData:
  password: password
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
        env:
        - {name: MODE, value: fast}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: demo
spec:
  selector: {app: web}
  ports:
  - port: 80
`;

/** Wire-format JSON of a client-node object (its Date fields back to RFC 3339 seconds). */
function wire(obj: unknown): unknown {
  return JSON.parse(JSON.stringify(obj), (_k, v: unknown) =>
    typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/.test(v) ? v.replace('.000Z', 'Z') : v,
  );
}

/** Merge-patches data into the demo ConfigMap through client-node, as a second field manager. */
async function mergeSettings(data: Record<string, string>): Promise<void> {
  await objects.patch(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'demo' }, data },
    undefined,
    undefined,
    'tester',
    undefined,
    k8s.PatchStrategy.MergePatch,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-kubectl-'));
  sim = await startSimulator({ tls: true, token: 'password', readinessDelayMs: 0 });
  kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig, { namespace: 'demo' });
  await writeFile(join(dir, 'app.yaml'), manifest);
  await writeFile(join(dir, 'app-scaled.yaml'), manifest.replace('replicas: 2', 'replicas: 3'));
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});

afterAll(async () => {
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl against the simulator', () => {
  it('applies a multi-document file server-side, with client-side validation on (no --validate=false)', async () => {
    const run = await kubectl(['apply', '--server-side', '-f', join(dir, 'app.yaml')]);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      'namespace/demo serverside-applied',
      'configmap/settings serverside-applied',
      'secret/creds serverside-applied',
      'deployment.apps/web serverside-applied',
      'service/web serverside-applied',
    ]);
    expect(run.code).toBe(0);
    expect(sim.requests.count({ patchType: 'apply', fieldManager: 'kubectl' })).toBe(5);
  });

  it('waits for the rollout with kubectl rollout status and prints the server-side table', async () => {
    const rollout = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=20s']);
    expect(rollout.stdout).toContain('deployment "web" successfully rolled out');
    const table = await kubectl(['get', 'deployments']);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header!.split(/\s+/)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(row!.split(/\s+/).slice(0, 4)).toEqual(['web', '2/2', '2', '2']);
    const svc = await kubectl(['get', 'svc', 'web', '--no-headers']);
    expect(svc.stdout).toMatch(/^web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+/);
  });

  it('shows in kubectl get -o json exactly what client-node reads, object for object', async () => {
    await sim.settled();
    const run = await kubectl(['get', 'configmap,secret,deployment,service', '-o', 'json']);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { items: k8s.KubernetesObject[] };
    expect(list.items.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual([
      'ConfigMap/kube-root-ca.crt',
      'ConfigMap/settings',
      'Secret/creds',
      'Deployment/web',
      'Service/web',
    ]);
    for (const item of list.items) {
      const read = await objects.read({
        apiVersion: item.apiVersion!,
        kind: item.kind!,
        metadata: { name: item.metadata!.name!, namespace: 'demo' },
      });
      delete read.metadata!.managedFields;
      expect(wire(read)).toEqual(item);
    }
    const secret = list.items.find((o) => o.kind === 'Secret') as unknown as { data: Record<string, string> };
    expect(Buffer.from(secret.data.password!, 'base64').toString()).toBe('password');
  });

  it('diffs server-side: exit 0 when unchanged, 1 with the change shown, and only dry-run writes', async () => {
    sim.requests.reset();
    const same = await kubectl(['diff', '--server-side', '-f', join(dir, 'app.yaml')]);
    expect(same).toMatchObject({ code: 0, stdout: '' });
    const changed = await kubectl(['diff', '--server-side', '-f', join(dir, 'app-scaled.yaml')]);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('-  replicas: 2');
    expect(changed.stdout).toContain('+  replicas: 3');
    expect(sim.requests.count({ write: true, dryRun: true })).toBe(10);
    expect(sim.requests.count({ write: true, dryRun: false })).toBe(0);
  });

  it('patches with merge and strategic patches; the strategic one merges containers and env by name', async () => {
    const merge = await kubectl([
      'patch',
      'deployment',
      'web',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":4}}',
    ]);
    expect(merge.stdout.trim()).toBe('deployment.apps/web patched');
    const strategic = await kubectl([
      'patch',
      'deployment',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}',
    ]);
    expect(strategic.stdout.trim()).toBe('deployment.apps/web patched');
    const read = (await objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo' },
    })) as k8s.V1Deployment;
    expect(read.spec!.replicas).toBe(4);
    expect(read.spec!.template.spec!.containers[0]!.image).toBe('nginx:1.26');
    expect(read.spec!.template.spec!.containers[0]!.env).toEqual([{ name: 'MODE', value: 'fast' }]);
    expect(read.metadata!.generation).toBe(3);
  });

  it('shows both managers with --show-managed-fields, refuses the re-apply as a conflict, and takes over with --force-conflicts', async () => {
    const run = await kubectl(['get', 'deployment', 'web', '-o', 'json', '--show-managed-fields']);
    const managed = (JSON.parse(run.stdout) as k8s.V1Deployment).metadata!.managedFields!;
    const byManager = Object.fromEntries(
      managed.map((m) => [
        `${m.manager}/${m.operation}`,
        m.fieldsV1 as Record<string, Record<string, unknown>>,
      ]),
    );
    expect(Object.keys(byManager).sort()).toEqual([
      'kube-controller-manager/Update',
      'kubectl-patch/Update',
      'kubectl/Apply',
    ]);
    expect(byManager['kubectl-patch/Update']!['f:spec']!['f:replicas']).toEqual({});
    expect(byManager['kubectl/Apply']!['f:spec']!['f:replicas']).toBeUndefined();
    const conflict = await kubectl(['apply', '--server-side', '-f', join(dir, 'app.yaml')]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain(
      'Apply failed with 2 conflicts: conflicts with "kubectl-patch" using apps/v1:',
    );
    expect(conflict.stderr).toContain('- .spec.replicas');
    expect(conflict.stderr).toContain('- .spec.template.spec.containers[name="web"].image');
    const forced = await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(dir, 'app.yaml'),
    ]);
    expect(forced.code).toBe(0);
    const after = (await objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'demo' },
    })) as k8s.V1Deployment;
    expect(after.spec!.replicas).toBe(2);
    expect(after.metadata!.managedFields!.map((m) => m.manager)).not.toContain('kubectl-patch');
  });

  it('streams changes to kubectl get -w as the server-side table', async () => {
    const child = spawn(
      'kubectl',
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'configmaps',
        '-w',
        '--output-watch-events',
      ],
      { env: { ...process.env, HOME: dir } },
    );
    let out = '';
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`kubectl get -w never printed ${text}; got:\n${out}`)),
          20_000,
        );
        const check = (): void => {
          if (out.includes(text)) {
            clearTimeout(timer);
            resolve();
          } else child.stdout.once('data', check);
        };
        check();
      });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await seen('ADDED');
      await mergeSettings({ extra: 'yes' });
      await seen('MODIFIED');
      expect(out).toMatch(/MODIFIED\s+settings\s+2\s+/);
    } finally {
      child.kill();
    }
  });

  it('feeds a client-node informer (list, then watch from its resourceVersion) with adds and updates', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/demo/configmaps', () =>
      core.listNamespacedConfigMap({ namespace: 'demo' }),
    );
    const seen: string[] = [];
    const updated = new Promise<void>((resolve) => {
      informer.on('add', (o: k8s.V1ConfigMap) => seen.push(`add:${o.metadata!.name!}`));
      informer.on('update', (o: k8s.V1ConfigMap) => {
        seen.push(`update:${o.metadata!.name!}:${o.data?.mode ?? ''}`);
        if (o.data?.mode === 'slow') resolve();
      });
    });
    await informer.start();
    try {
      expect(seen).toContain('add:settings');
      await mergeSettings({ mode: 'slow' });
      await updated;
      expect(seen).toContain('update:settings:slow');
      expect(
        sim.requests.count({ verb: 'watch', resource: 'configmaps', namespace: 'demo' }),
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await informer.stop();
    }
  });

  it('moves a client-side applied object to server-side apply without conflicts, and client-side diff exits 0 when unchanged', async () => {
    const file = join(dir, 'csa.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\n  namespace: demo\ndata:\n  a: "1"\n',
    );
    expect((await kubectl(['apply', '-f', file])).stdout.trim()).toBe('configmap/csa created');
    expect((await kubectl(['diff', '-f', file])).code).toBe(0);
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa\n  namespace: demo\ndata:\n  a: "2"\n',
    );
    const ssa = await kubectl(['apply', '--server-side', '-f', file]);
    expect(ssa).toMatchObject({ code: 0, stdout: 'configmap/csa serverside-applied\n' });
    const read = (await objects.read({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'csa', namespace: 'demo' },
    })) as k8s.V1ConfigMap;
    expect(read.data).toEqual({ a: '2' });
  });

  it('serves a CRD applied by kubectl: established, then its custom resources with printer columns', async () => {
    const file = join(dir, 'crd.yaml');
    await writeFile(
      file,
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
    - {name: Size, type: string, jsonPath: .spec.size}
`,
    );
    expect((await kubectl(['apply', '--server-side', '-f', file])).code).toBe(0);
    expect(
      (await kubectl(['wait', '--for', 'condition=established', 'crd/widgets.example.com', '--timeout=20s']))
        .code,
    ).toBe(0);
    await writeFile(
      join(dir, 'w.yaml'),
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: big}\n',
    );
    expect((await kubectl(['apply', '--server-side', '-f', join(dir, 'w.yaml')])).stdout.trim()).toBe(
      'widget.example.com/w1 serverside-applied',
    );
    const table = await kubectl(['get', 'wd']);
    expect(table.stdout.split('\n')[1]).toMatch(/^w1\s+big\s+\d+s$/);
  });

  it('creates a namespace with kubectl create namespace (a protobuf body) as a JSON create would, and refuses other protobuf kinds with one 415 line', async () => {
    sim.requests.reset();
    const run = await kubectl(['create', 'namespace', 'made-by-create']);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('namespace/made-by-create created');
    expect(run.code).toBe(0);
    expect(sim.requests.count({ method: 'POST', resource: 'namespaces', status: 201 })).toBe(1);
    const ns = await objects.read({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'made-by-create' },
    });
    expect(ns.metadata?.labels?.['kubernetes.io/metadata.name']).toBe('made-by-create');
    expect((ns as k8s.V1Namespace).status?.phase).toBe('Active');
    const again = await kubectl(['create', 'namespace', 'made-by-create']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      'Error from server (AlreadyExists): namespaces "made-by-create" already exists',
    );
    const invalid = await kubectl(['create', 'namespace', 'Not_A_Name']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('metadata.name: Invalid value: "Not_A_Name"');
    const pc = await kubectl(['create', 'priorityclass', 'from-create', '--value=10']);
    expect(pc.code).toBe(1);
    expect(pc.stderr).toContain('(scheduling.k8s.io/v1 PriorityClass)');
    const del = await kubectl(['delete', 'namespace', 'made-by-create', '--timeout=20s']);
    expect(del.code).toBe(0);
  });

  it('creates objects with the kubectl generators (protobuf bodies): configmap, secret, deployment, service, job, serviceaccount, run', async () => {
    const ns = ['-n', 'demo'];
    const runs = [
      ['create', 'configmap', 'gen-cm', '--from-literal=a=1', '--from-literal=b=two'],
      ['create', 'secret', 'generic', 'gen-secret', '--from-literal=password=pw'],
      ['create', 'deployment', 'gen-web', '--image=nginx:1.27', '--port=80', '--replicas=2'],
      ['create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080', '--tcp=443:https'],
      ['create', 'job', 'gen-job', '--image=busybox:1', '--', 'echo', 'hi'],
      ['create', 'serviceaccount', 'gen-sa'],
      [
        'run',
        'gen-pod',
        '--image=busybox:1',
        '--env=A=1',
        '--port=8080',
        '--restart=Never',
        '--',
        'sleep',
        '10',
      ],
    ];
    for (const args of runs) {
      const run = await kubectl([...ns, ...args]);
      expect({ args, stderr: run.stderr, code: run.code }).toEqual({ args, stderr: '', code: 0 });
    }
    const read = async (apiVersion: string, kind: string, name: string): Promise<k8s.KubernetesObject> =>
      objects.read({ apiVersion, kind, metadata: { name, namespace: 'demo' } });
    expect(((await read('v1', 'ConfigMap', 'gen-cm')) as k8s.V1ConfigMap).data).toEqual({ a: '1', b: 'two' });
    expect(((await read('v1', 'Secret', 'gen-secret')) as k8s.V1Secret).data).toEqual({ password: 'cHc=' });
    const web = (await read('apps/v1', 'Deployment', 'gen-web')) as k8s.V1Deployment;
    expect(web.spec?.replicas).toBe(2);
    expect(web.spec?.template.spec?.containers[0]).toMatchObject({
      name: 'nginx',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    const svc = (await read('v1', 'Service', 'gen-svc')) as k8s.V1Service;
    expect(svc.spec?.ports?.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['80-8080', 80, 8080],
      ['443-https', 443, 'https'],
    ]);
    const pod = (await read('v1', 'Pod', 'gen-pod')) as k8s.V1Pod;
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.containers[0]).toMatchObject({
      args: ['sleep', '10'],
      env: [{ name: 'A', value: '1' }],
    });
    const job = (await read('batch/v1', 'Job', 'gen-job')) as k8s.V1Job;
    expect(job.spec?.template.spec?.containers[0]?.command).toEqual(['echo', 'hi']);
  });

  it('deletes objects and namespaces; client-node sees them gone', async () => {
    const del = await kubectl(['delete', 'configmap', 'settings']);
    expect(del.stdout.trim()).toBe('configmap "settings" deleted');
    await expect(
      objects.read({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: 'demo' },
      }),
    ).rejects.toMatchObject({ code: 404 });
    const ns = await kubectl(['delete', 'namespace', 'demo', '--timeout=20s']);
    expect(ns.stdout.trim()).toBe('namespace "demo" deleted');
    const left = await objects.list('v1', 'ConfigMap', 'demo');
    expect(left.items).toEqual([]);
  });

  it('is refused with Unauthorized when the kubeconfig carries the wrong token', async () => {
    const wrong = join(dir, 'wrong-kubeconfig');
    await sim.writeKubeconfig(wrong, { token: 'not-the-token' });
    const run = await kubectl(['get', 'namespaces'], wrong);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Unauthorized');
  });
});
