/**
 * The pure parts of the cluster layer: what counts as unchanged, how Secrets are masked, the
 * unified diff, readiness rules, kind order, durations, and reading rendered manifest files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  isSubset,
  isUnchanged,
  maskSecret,
  normalizeForDiff,
  prepareDesired,
  quantityValue,
} from '../../src/apply/normalize.js';
import { ANNOTATION_APPLIED, ownership } from '../../src/apply/ownership.js';
import { kindRank, mapLimit, stepsByKind } from '../../src/apply/order.js';
import { readiness } from '../../src/apply/readiness.js';
import { executePlan, isImmutable } from '../../src/apply/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import { KubeApiError } from '../../src/kube/http.js';
import { prepareDesired as prepare } from '../../src/apply/normalize.js';
import { unifiedDiff } from '../../src/kube/text-diff.js';
import { fromRendered } from '../../src/release/desired.js';
import { loadManifestFile } from '../../src/release/manifest-file.js';
import { parseDuration } from '../../src/cli/flags.js';
import type { KubeObject } from '../../src/model/types.js';

const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', ...extra },
  data,
});

describe('unchanged detection', () => {
  it('treats server-added fields as no change and any differing desired field as a change', () => {
    expect(isSubset({ a: 1, b: { c: [1, 2] } }, { a: 1, x: 2, b: { c: [1, 2], d: 3 } })).toBe(true);
    expect(isSubset({ b: { c: [1, 2] } }, { b: { c: [1, 2, 3] } })).toBe(false);
    expect(isSubset({ a: '1' }, { a: 1 })).toBe(false);
    expect(isSubset({ a: null }, {})).toBe(true);
  });

  it("tolerates the API server's normalisation: dropped empty collections, canonical quantities", () => {
    const desired = {
      spec: {
        resources: { requests: { cpu: 0.5, memory: '1024Mi' }, limits: { cpu: 1 } },
        tolerations: [],
        extra: {},
      },
    };
    const live = { spec: { resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1' } } } };
    expect(isSubset(desired, live)).toBe(true);
    expect(isSubset({ spec: { resources: { limits: { cpu: 2 } } } }, live)).toBe(false);
    expect(isSubset({ env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'A', value: '1000m' }] })).toBe(
      false,
    ); // not a quantity map
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('two')).toBeUndefined();
  });

  it('needs our applied digest on the live object, so a field dropped from the package is not missed', () => {
    const now = prepareDesired(cm({ a: '1' }));
    const liveFromOlderRender = {
      ...cm({ a: '1', b: '2' }),
      metadata: {
        name: 'c',
        namespace: 'n',
        annotations: { [ANNOTATION_APPLIED]: prepareDesired(cm({ a: '1', b: '2' })).digest },
      },
    };
    expect(
      isSubset(now.object, {
        ...liveFromOlderRender,
        metadata: { ...liveFromOlderRender.metadata, annotations: { [ANNOTATION_APPLIED]: now.digest } },
      }),
    ).toBe(true);
    expect(isUnchanged(now, liveFromOlderRender)).toBe(false);
    expect(
      isUnchanged(now, {
        ...now.object,
        metadata: { ...now.object.metadata, uid: 'x', resourceVersion: '9' },
      }),
    ).toBe(true);
  });

  it('folds Secret stringData into base64 data, as the API server stores it', () => {
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      stringData: { password: 'password' },
      data: { other: 'eA==' },
    };
    const prepared = prepareDesired(secret);
    expect(prepared.object.stringData).toBeUndefined();
    expect(prepared.object.data).toEqual({
      other: 'eA==',
      password: Buffer.from('password').toString('base64'),
    });
  });

  it('normalises away server bookkeeping and our own annotation for display', () => {
    const live = cm(
      { a: '1' },
      {
        uid: 'u',
        resourceVersion: '3',
        managedFields: [{}],
        creationTimestamp: 't',
        generation: 2,
        annotations: { [ANNOTATION_APPLIED]: 'sha256:x' },
      },
    );
    expect(normalizeForDiff({ ...live, status: { x: 1 } })).toEqual(cm({ a: '1' }));
  });
});

describe('ownership', () => {
  it('tells a same-named release in another namespace apart, and adopts unmanaged objects', () => {
    const labelled = (annotations?: Record<string, string>): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {
        name: 'r',
        labels: { 'app.kubernetes.io/managed-by': 'stackanetes', 'app.kubernetes.io/part-of': 'stack' },
        ...(annotations ? { annotations } : {}),
      },
    });
    expect(ownership(labelled({ 'stackanetes.io/release': 'a/stack' }), 'a', 'stack').owner).toBe('ours');
    expect(ownership(labelled({ 'stackanetes.io/release': 'a/stack' }), 'b', 'stack')).toEqual({
      owner: 'foreign',
      name: 'a/stack',
    });
    expect(ownership(labelled(), 'b', 'stack').owner).toBe('ours'); // applied by kubectl from generated files
    expect(ownership(labelled(), 'b', 'other')).toEqual({ owner: 'foreign', name: 'stack' });
    expect(ownership(cm({}), 'b', 'stack').owner).toBe('unmanaged');
  });
});

describe('Secret masking', () => {
  it('shows sizes only and marks changed keys on the new side, even when sizes are equal', () => {
    const before: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: Buffer.from('one').toString('base64'), b: 'eA==' },
    };
    const after: KubeObject = { ...before, data: { a: Buffer.from('two').toString('base64'), b: 'eA==' } };
    expect(maskSecret(before).data).toEqual({ a: '(3 bytes)', b: '(1 bytes)' });
    expect(maskSecret(after, before).data).toEqual({ a: '(3 bytes, changed)', b: '(1 bytes)' });
    expect(JSON.stringify(maskSecret(after, before))).not.toContain(Buffer.from('two').toString('base64'));
  });
});

describe('Secret masking of kubectl bookkeeping', () => {
  it('hides the values client-side kubectl apply copied into the last-applied annotation', () => {
    const applied = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', stringData: { password: 'hunter2' } });
    const secret: KubeObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': applied } },
      data: { password: Buffer.from('hunter2').toString('base64') },
    };
    const text = JSON.stringify([maskSecret(secret), maskSecret(secret, secret)]);
    expect(text).not.toContain('hunter2');
    expect(maskSecret(secret).metadata.annotations).toEqual({
      'kubectl.kubernetes.io/last-applied-configuration': `(${applied.length} bytes)`,
    });
  });
});

describe('unified diff', () => {
  it('prints hunks with context and correct line numbers, and nothing for equal texts', () => {
    const a = ['l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7', 'l8', 'l9', 'l10'].join('\n');
    const b = a.replace('l5', 'L5');
    expect(unifiedDiff(a, b)).toEqual([
      '@@ -2,7 +2,7 @@',
      ' l2',
      ' l3',
      ' l4',
      '-l5',
      '+L5',
      ' l6',
      ' l7',
      ' l8',
    ]);
    expect(unifiedDiff(a, a)).toEqual([]);
    expect(unifiedDiff('', 'x\ny\n')).toEqual(['@@ -0,0 +1,2 @@', '+x', '+y']);
  });
  it('diffs repeated lines minimally, each hunk rebuilding both sides, distant changes in separate hunks', () => {
    const a = ['a', 'b', 'c', 'a', 'b', 'b', 'a', ...Array.from({ length: 10 }, (_, i) => `k${i}`), 'z'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c', ...Array.from({ length: 10 }, (_, i) => `k${i}`), 'Z'];
    const lines = unifiedDiff(a.join('\n'), b.join('\n'));
    const headers = lines.filter((l) => l.startsWith('@@'));
    expect(headers).toEqual(['@@ -1,10 +1,9 @@', '@@ -15,4 +14,4 @@']);
    const first = lines.slice(1, lines.indexOf(headers[1] as string));
    expect(first.filter((l) => l[0] !== '+').map((l) => l.slice(1))).toEqual(a.slice(0, 10));
    expect(first.filter((l) => l[0] !== '-').map((l) => l.slice(1))).toEqual(b.slice(0, 9));
    // the longest common subsequence of the first seven lines is 4 long: 3 removed and 2 added
    expect(first.filter((l) => l[0] !== ' ')).toHaveLength(5);
    expect(lines.slice(-2)).toEqual(['-z', '+Z']);
  });
  it('shows a replaced object of thousands of lines as removed then added, between the common ends', () => {
    const old = ['head', ...Array.from({ length: 3000 }, (_, i) => `old ${i}`), 'tail'].join('\n');
    const neu = ['head', ...Array.from({ length: 3000 }, (_, i) => `new ${i}`), 'tail'].join('\n');
    const lines = unifiedDiff(old, neu);
    expect(lines[0]).toBe('@@ -1,3002 +1,3002 @@');
    expect(lines[1]).toBe(' head');
    expect(lines[2]).toBe('-old 0');
    expect(lines[3002]).toBe('+new 0');
    expect(lines.at(-1)).toBe(' tail');
  });
});

describe('readiness', () => {
  const deployment = (status: Record<string, unknown>, generation = 2): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', generation },
    spec: { replicas: 2 },
    status,
  });
  it('waits for the controller to observe the generation and for every replica to be updated and available', () => {
    expect(
      readiness(deployment({ observedGeneration: 1, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }))
        .ready,
    ).toBe(false);
    expect(
      readiness(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 2, availableReplicas: 2 }))
        .reason,
    ).toBe('1 of 2 replicas updated');
    expect(
      readiness(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 }))
        .ready,
    ).toBe(true);
  });
  it('does not wait for a paused Deployment, which cannot roll out until resumed', () => {
    const paused = deployment({
      observedGeneration: 2,
      updatedReplicas: 0,
      replicas: 2,
      availableReplicas: 2,
    });
    (paused.spec as Record<string, unknown>).paused = true;
    expect(readiness(paused).ready).toBe(true);
  });
  const statefulSet = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 's', generation: 2 },
    spec: { replicas: 3, ...spec },
    status: { observedGeneration: 2, readyReplicas: 3, replicas: 3, ...status },
  });
  it('passes a partitioned StatefulSet once the pods above the partition are updated, and not before', () => {
    const partitioned = { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } };
    const rolled = { updatedReplicas: 1, currentRevision: 's-old', updateRevision: 's-new' };
    expect(readiness(statefulSet(partitioned, rolled)).ready).toBe(true);
    expect(readiness(statefulSet(partitioned, { ...rolled, updatedReplicas: 0 }))).toMatchObject({
      ready: false,
      reason: '0 of 1 replicas updated (partition 2)',
    });
    // Without a partition the whole set must be on the new revision.
    expect(readiness(statefulSet({}, rolled)).ready).toBe(false);
    expect(readiness(statefulSet({}, { ...rolled, updatedReplicas: 3 })).ready).toBe(false);
  });
  it('passes an OnDelete StatefulSet or DaemonSet when ready, since their pods are only replaced by hand', () => {
    const onDelete = { updateStrategy: { type: 'OnDelete' } };
    expect(
      readiness(statefulSet(onDelete, { updatedReplicas: 0, currentRevision: 'a', updateRevision: 'b' }))
        .ready,
    ).toBe(true);
    expect(readiness(statefulSet(onDelete, { readyReplicas: 2 })).ready).toBe(false);
    const daemonSet = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', generation: 1 },
      spec,
      status: { observedGeneration: 1, desiredNumberScheduled: 2, numberReady: 2, ...status },
    });
    expect(readiness(daemonSet(onDelete, { updatedNumberScheduled: 0, numberAvailable: 2 })).ready).toBe(
      true,
    );
    expect(readiness(daemonSet({}, { updatedNumberScheduled: 0, numberAvailable: 2 })).ready).toBe(false);
  });
  it('waits for DaemonSet pods to be available, not only ready, as kubectl rollout status does', () => {
    const ds: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ds', generation: 1 },
      spec: { minReadySeconds: 30 },
      status: {
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        numberReady: 2,
        updatedNumberScheduled: 2,
        numberAvailable: 0,
      },
    };
    expect(readiness(ds)).toMatchObject({ ready: false, reason: '0 of 2 pods available' });
    expect(readiness({ ...ds, status: { ...(ds.status as object), numberAvailable: 2 } }).ready).toBe(true);
  });
  it('fails a CustomResourceDefinition at once when its names clash with another one', () => {
    const crd = (conditions: Record<string, string>[]): KubeObject => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      status: { conditions },
    });
    expect(
      readiness(
        crd([
          {
            type: 'NamesAccepted',
            status: 'False',
            reason: 'ListKindConflict',
            message: '"WidgetList" is already in use',
          },
          { type: 'Established', status: 'False', reason: 'NotAccepted' },
        ]),
      ),
    ).toMatchObject({
      ready: false,
      failed: true,
      reason: 'names not accepted: ListKindConflict "WidgetList" is already in use',
    });
    expect(readiness(crd([{ type: 'NamesAccepted', status: 'True' }])).failed).toBe(false);
    expect(readiness(crd([{ type: 'Established', status: 'True' }])).ready).toBe(true);
  });
  it('does not wait for a suspended Job, which runs no pods until resumed', () => {
    const job = (suspend: boolean): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { suspend },
      status: { conditions: [{ type: 'Suspended', status: String(suspend) }] },
    });
    expect(readiness(job(true)).ready).toBe(true);
    expect(readiness(job(false)).ready).toBe(false);
  });
  it('fails a Job at once when it failed, and passes it when complete', () => {
    const job = (type: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      status: { conditions: [{ type, status: 'True', reason: 'BackoffLimitExceeded' }] },
    });
    expect(readiness(job('Failed'))).toMatchObject({ ready: false, failed: true });
    expect(readiness(job('Complete')).ready).toBe(true);
    expect(readiness(cm({})).ready).toBe(true);
  });
});

describe('ordering and concurrency', () => {
  it('orders kinds as DESIGN §5 says, unknown kinds last', () => {
    const kinds = [
      'Ingress',
      'Deployment',
      'Job',
      'Service',
      'PersistentVolumeClaim',
      'ConfigMap',
      'Secret',
      'RoleBinding',
      'Role',
      'ServiceAccount',
      'CustomResourceDefinition',
      'Namespace',
      'Widget',
    ];
    expect([...kinds].sort((a, b) => kindRank(a) - kindRank(b))).toEqual(
      [...kinds.slice(0, 12)].reverse().concat('Widget'),
    );
    expect(stepsByKind(['Deployment', 'Secret', 'StatefulSet'], (k) => k)).toEqual([
      ['Secret'],
      ['Deployment', 'StatefulSet'],
    ]);
  });
  it('never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    await mapLimit([...Array(20).keys()], 3, async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    });
    expect(peak).toBe(3);
  });
});

describe('flags and files', () => {
  it('parses kubectl-style durations and rejects nonsense with the flag named', () => {
    expect(parseDuration('90s')).toBe(90000);
    expect(parseDuration('1h30m')).toBe(5400000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow('--timeout "soon" is not a duration');
  });
  it('refuses a zero timeout whether or not it carries a unit', () => {
    expect(() => parseDuration('0s')).toThrow('--timeout "0s" must be longer than zero');
    expect(() => parseDuration('0')).toThrow('--timeout "0" must be longer than zero');
  });
  it('reads a rendered manifest into packages by the package annotation, in first-seen order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-manifest-'));
    const file = join(dir, 'all.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {app.kubernetes.io/part-of: demo}, annotations: {stackanetes.io/package: x/db}}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {app.kubernetes.io/part-of: demo, stackanetes.io/package: x.web}}',
        '',
      ].join('\n---\n'),
    );
    const desired = await loadManifestFile(file, 'ns');
    expect(desired.release).toBe('demo');
    expect(desired.packages.map((p) => p.name)).toEqual(['x/db', 'x/web']);
    writeFileSync(file, 'kind: ConfigMap\n');
    await expect(loadManifestFile(file, 'ns')).rejects.toThrow('document 1 is not a Kubernetes object');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('release records', () => {
  it('pin the library releases each package was rendered with, preferring the digest the source resolved', () => {
    const desired = fromRendered(
      {
        release: 'r',
        namespace: 'n',
        root: { name: 'a/app', version: '1.0.0' },
        warnings: [],
        packages: [
          {
            name: 'a/app',
            version: '1.0.0',
            origin: 'dir',
            variables: {},
            objects: [{ object: cm({ k: 'v' }), package: 'a/app', template: 't' }],
            libraries: [{ name: 'a/lib', version: '0.3.0' }],
          },
        ],
      },
      [
        {
          name: 'a/lib',
          version: '0.3.0',
          digest: 'sha256:' + 'ab'.repeat(32),
          origin: 'registry:r/a/lib@0.3.0',
        },
      ],
    );
    expect(desired.packages[0]?.libraries).toEqual([
      { name: 'a/lib', version: '0.3.0', digest: 'sha256:' + 'ab'.repeat(32) },
    ]);
  });
});

describe('immutable fields', () => {
  const invalid = (message: string): KubeApiError => new KubeApiError(422, 'Invalid', message, undefined);
  it("recognises the API server's wordings for changes it only allows by recreating the object", () => {
    expect(
      isImmutable(invalid('Job.batch "m" is invalid: spec.template: Invalid value: {}: field is immutable')),
    ).toBe(true);
    expect(
      isImmutable(
        invalid(
          "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      ),
    ).toBe(true);
    expect(
      isImmutable(
        invalid(
          'Service "api" is invalid: spec.clusterIPs[0]: Invalid value: ["10.0.0.5"]: may not change once set',
        ),
      ),
    ).toBe(true);
    expect(
      isImmutable(
        invalid(
          'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
        ),
      ),
    ).toBe(false);
  });

  it('--force never deletes a PersistentVolumeClaim to recreate it: that would lose its data', async () => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'n' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    };
    const deleted: string[] = [];
    const client = {
      apply: () =>
        Promise.reject(
          invalid(
            'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation',
          ),
        ),
      delete: (ref: { name: string }) => {
        deleted.push(ref.name);
        return Promise.resolve(true);
      },
      get: () => Promise.resolve(undefined),
    } as unknown as KubeClient;
    const result = await executePlan(
      client,
      {
        release: 'r',
        namespace: 'n',
        items: [
          {
            action: 'update',
            package: 'p',
            version: '1.0.0',
            ref: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'n', name: 'data' },
            key: 'k',
            prepared: prepare(pvc),
            live: pvc,
          },
        ],
      },
      {
        wait: false,
        deadline: Date.now() + 10_000,
        concurrency: 1,
        force: true,
        packages: [{ name: 'p', version: '1.0.0' }],
        progress: () => {},
      },
    );
    expect(deleted).toEqual([]);
    expect(result.rows[0]?.status).toBe('failed');
    expect(result.failure?.hint).toMatch(/--force does not recreate a PersistentVolumeClaim/);
  });
});
