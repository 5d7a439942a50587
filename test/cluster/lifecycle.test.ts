/**
 * The release lifecycle on the simulator with the small fixture meta-package (db, web, extra),
 * driving the built CLI: deploy with waves and waits, a no-change redeploy that writes nothing,
 * diff → deploy → diff of one parameter, config rollouts, prune with protection, coexistence with
 * kubectl, rollback, history, status and remove.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures, startCluster, tableStatuses, type TestCluster } from './harness.js';

const app = join(fixtures, 'app');
const ns = 'fx';
let c: TestCluster;

/** Runs `stackanetes VERB <fixture app> -n fx ARGS…`, the shape of most steps below. */
const onApp = (verb: string, ...args: string[]) => c.cli([verb, app, '-n', ns, ...args]);
/** `--set` flags for each `path=value`. */
const sets = (...pairs: string[]) => pairs.flatMap((pair) => ['--set', pair]);

beforeAll(async () => {
  c = await startCluster({ readinessDelayMs: 100 });
});
afterAll(async () => {
  await c?.stop();
});

describe('deploy, diff and friends on a simulated cluster', () => {
  it('diff before the first deploy plans every object and the namespace as creations, writing nothing', async () => {
    const r = await onApp('diff');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('(cluster)/Namespace/fx (-) will be created');
    expect(r.stdout).toContain('fx/Deployment/web (fixture/web) will be created');
    expect(r.stdout).toContain('Plan: 13 to create, 0 to update, 0 to delete, 0 unchanged.');
    expect(c.sim.requests.count({ write: true })).toBe(0);
  });

  it('first deploy creates the namespace and every object, waits for readiness, and records revision 1', async () => {
    const r = await onApp('deploy');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = tableStatuses(r.stdout);
    expect(rows.get('Namespace/fx')).toBe('created');
    for (const key of [
      'Secret/db-credentials',
      'StatefulSet/db',
      'ConfigMap/web-config',
      'Deployment/web',
      'Job/web-migrate',
      'PersistentVolumeClaim/extra-data',
    ]) {
      expect(rows.get(key)).toBe('created');
    }
    expect(r.stdout).toContain('revision 1 deployed');
    const web = await c.get('deployment', 'web', ns);
    expect(web?.status?.availableReplicas).toBe(2); // waited until available
    const job = await c.get('job', 'web-migrate', ns);
    expect(
      job?.status?.conditions?.some(
        (x: { type: string; status: string }) => x.type === 'Complete' && x.status === 'True',
      ),
    ).toBe(true);
    // Applied with server-side apply under our field manager.
    expect(
      web?.metadata?.managedFields?.some(
        (m: { manager: string; operation: string }) => m.manager === 'stackanetes' && m.operation === 'Apply',
      ),
    ).toBe(true);
  });

  it('starts a package after the packages it talks to, packages that share nothing side by side, kinds in order inside a package', async () => {
    const applies = c.sim.requests
      .find({ method: 'PATCH', patchType: 'apply' })
      .map((x) => `${x.resource}/${x.name}`);
    const at = (name: string): number => applies.indexOf(name);
    expect(at('statefulsets/db')).toBeGreaterThan(at('secrets/db-credentials'));
    // web names the db Service (db:3306), so it starts once db is ready.
    expect(at('configmaps/web-config')).toBeGreaterThan(at('statefulsets/db'));
    expect(at('deployments/web')).toBeGreaterThan(at('jobs/web-migrate'));
    // extra uses nothing of db or web: it does not wait for them.
    expect(at('configmaps/extra-config')).toBeLessThan(at('statefulsets/db'));
  });

  it('a redeploy with unchanged inputs sends zero write requests and writes no revision', async () => {
    c.sim.requests.reset();
    const r = await onApp('deploy');
    expect(r.code).toBe(0);
    expect(c.sim.requests.count({ write: true })).toBe(0);
    expect(r.stdout).toContain('unchanged, no revision written');
    expect([...tableStatuses(r.stdout).values()].every((s) => s === 'unchanged')).toBe(true);
  });

  it('diff with no change exits 0 without a dry-run request', async () => {
    c.sim.requests.reset();
    const r = await onApp('diff');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 13 unchanged.');
    expect(c.sim.requests.count({ write: true })).toBe(0);
  });

  it('one changed parameter: diff shows exactly the affected objects and exits 1, deploy updates only those, diff then exits 0', async () => {
    const before = await c.get('deployment', 'worker', ns);
    const d1 = await onApp('diff', ...sets('greeting=bonjour'));
    expect(d1.code).toBe(1);
    expect(d1.stdout).toContain('fx/ConfigMap/web-config (fixture/web) will be updated');
    expect(d1.stdout).toContain('fx/Deployment/web (fixture/web) will be updated');
    expect(d1.stdout).toMatch(/^-\s+greeting: hello$/m);
    expect(d1.stdout).toMatch(/^\+\s+greeting: bonjour$/m);
    expect(d1.stdout).toMatch(/stackanetes\.io\/config-checksum/);
    expect(d1.stdout).not.toContain('Deployment/worker');
    expect(d1.stdout).toContain('Plan: 0 to create, 2 to update, 0 to delete, 11 unchanged.');

    c.sim.requests.reset();
    const dep = await onApp('deploy', ...sets('greeting=bonjour'));
    expect(dep.code).toBe(0);
    const rows = tableStatuses(dep.stdout);
    expect(
      [...rows.entries()]
        .filter(([, s]) => s !== 'unchanged')
        .map(([k]) => k)
        .sort(),
    ).toEqual(['ConfigMap/web-config', 'Deployment/web']);
    const applied = c.sim.requests.find({ patchType: 'apply' }).map((x) => x.name);
    expect(applied.sort()).toEqual(['web', 'web-config']);
    expect(dep.stdout).toContain('revision 2 deployed');

    // The ConfigMap-only change rolled the pods of web (new template), not those of worker.
    const after = await c.get('deployment', 'worker', ns);
    expect(after?.metadata?.generation).toBe(before?.metadata?.generation);
    const d2 = await onApp('diff', ...sets('greeting=bonjour'));
    expect(d2.code).toBe(0);
  });

  it('deploy --dry-run reports what would change and changes nothing; --output json has the same rows', async () => {
    c.sim.requests.reset();
    const r = await onApp('deploy', ...sets('greeting=salut'), '--dry-run', '-o', 'json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as {
      outcome: string;
      rows: { kind: string; name: string; status: string }[];
    };
    expect(result.outcome).toBe('dry-run');
    expect(result.rows.filter((x) => x.status === 'updated').map((x) => `${x.kind}/${x.name}`)).toEqual([
      'ConfigMap/web-config',
      'Deployment/web',
    ]);
    expect(c.sim.requests.count({ write: true, dryRun: false })).toBe(0);
    expect((await c.get('configmap', 'web-config', ns))?.data?.greeting).toBe('bonjour');
  });

  it('never prints Secret values in a diff: changed keys show sizes only', async () => {
    const r = await onApp('diff', ...sets('greeting=bonjour', 'db.password=s3cr3t-value'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('fx/Secret/db-credentials (fixture/db) will be updated');
    expect(r.stdout).toMatch(/^-\s+password: \(8 bytes\)$/m);
    expect(r.stdout).toMatch(/^\+\s+password: \(12 bytes, changed\)$/m);
    expect(r.stdout).not.toContain('s3cr3t');
    expect(r.stdout).not.toContain(Buffer.from('s3cr3t-value').toString('base64'));
    expect(r.stdout).not.toContain(Buffer.from('password').toString('base64'));
    const json = await onApp('diff', ...sets('greeting=bonjour', 'db.password=s3cr3t-value'), '-o', 'json');
    expect(json.code).toBe(1);
    const plan = JSON.parse(json.stdout) as {
      summary: { update: number };
      entries: { kind: string; action: string }[];
    };
    expect(plan.summary.update).toBe(2); // the Secret and the StatefulSet whose checksum covers it
    expect(plan.entries.find((e) => e.kind === 'Secret')?.action).toBe('update');
    expect(json.stdout).not.toContain('s3cr3t');
  });

  it('does not fight over fields another field manager set with kubectl', async () => {
    const patch = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'worker',
        namespace: ns,
        labels: { team: 'ops' },
        annotations: { 'ops.example/owner': 'alice' },
      },
    });
    const k = await c.kubectl(['apply', '--server-side', '--field-manager=ops', '-f', '-'], patch);
    expect(k.stderr).toBe('');
    expect(k.code).toBe(0);
    c.sim.requests.reset();
    const r = await onApp('deploy', ...sets('greeting=bonjour'));
    expect(r.code).toBe(0);
    expect(c.sim.requests.count({ write: true })).toBe(0);
    const worker = await c.get('deployment', 'worker', ns);
    expect(worker?.metadata?.labels?.team).toBe('ops');
    expect(worker?.metadata?.annotations?.['ops.example/owner']).toBe('alice');
  });

  it('dropping a component prunes its objects but keeps its PersistentVolumeClaim (protected)', async () => {
    const d = await onApp('diff', ...sets('greeting=bonjour', 'extra.enabled=false'));
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('fx/Deployment/extra (fixture/extra) will be deleted');
    expect(d.stdout).toContain(
      'fx/PersistentVolumeClaim/extra-data (fixture/extra) is no longer rendered but protected: kept',
    );
    expect(d.stdout).toContain('Plan: 0 to create, 0 to update, 2 to delete, 10 unchanged.');
    const r = await onApp('deploy', ...sets('greeting=bonjour', 'extra.enabled=false'));
    expect(r.code).toBe(0);
    const rows = tableStatuses(r.stdout);
    expect(rows.get('Deployment/extra')).toBe('deleted');
    expect(rows.get('ConfigMap/extra-config')).toBe('deleted');
    expect(rows.get('PersistentVolumeClaim/extra-data')).toBe('protected');
    expect(await c.get('deployment', 'extra', ns)).toBeUndefined();
    expect(await c.get('pvc', 'extra-data', ns)).toBeDefined();
  });

  it('rollback re-applies the previous revision as a new one', async () => {
    const r = await c.cli(['rollback', '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolled back to revision 2 as revision 4');
    expect(await c.get('deployment', 'extra', ns)).toBeDefined();
    const cm = await c.get('configmap', 'web-config', ns);
    expect(cm?.data?.greeting).toBe('bonjour');
    const back = await c.cli(['rollback', '1', '-n', ns]);
    expect(back.code).toBe(0);
    expect((await c.get('configmap', 'web-config', ns))?.data?.greeting).toBe('hello');
  });

  it('history lists every revision with its status; status shows live readiness', async () => {
    const h = await c.cli(['history', '-n', ns, '-o', 'json']);
    expect(h.code).toBe(0);
    const revisions = (
      JSON.parse(h.stdout) as { revisions: { revision: number; status: string; description: string }[] }
    ).revisions;
    expect(revisions.map((x) => [x.revision, x.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
      [4, 'superseded'],
      [5, 'deployed'],
    ]);
    expect(revisions[4]?.description).toBe('rollback to 1');
    const s = await c.cli(['status', '-n', ns]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('revision 5 deployed');
    expect(s.stdout).toMatch(/Deployment\s+web\s+fx\s+ready/);
    expect(s.stdout).toContain('12 of 12 objects ready');
  });

  it('refuses to touch objects that belong to another release', async () => {
    const r = await onApp('deploy', '--release', 'other');
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^error: fx\/ServiceAccount\/db belongs to release fx\/app; .* and \d+ more, not to release fx\/other: refusing to touch them; fix: /m,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('remove deletes in reverse order and keeps the protected namespace and claim', async () => {
    const r = await onApp('remove');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = tableStatuses(r.stdout);
    expect(rows.get('Deployment/web')).toBe('deleted');
    expect(rows.get('PersistentVolumeClaim/extra-data')).toBe('protected');
    expect(rows.get('Namespace/fx')).toBe('protected');
    const deletes = c.sim.requests
      .find({ method: 'DELETE', namespace: ns })
      .map((x) => `${x.resource}/${x.name}`);
    expect(deletes.indexOf('deployments/web')).toBeLessThan(deletes.indexOf('configmaps/web-config'));
    expect(deletes.indexOf('statefulsets/db')).toBeLessThan(deletes.indexOf('secrets/db-credentials'));
    expect(await c.get('namespace', ns)).toBeDefined();
    expect(await c.get('deployment', 'web', ns)).toBeUndefined();
    const h = await c.cli(['history', '-n', ns]);
    expect(h.code).toBe(4);
  });

  it('deploys a rendered manifest file that brings its own namespace, and keeps that namespace on prune', async () => {
    const file = join(c.dir, 'own-namespace.yaml');
    const doc = (extra: string) =>
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: selfns}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: selfns}\ndata: {a: "1"}',
        extra,
      ].join('\n---\n');
    writeFileSync(file, doc(''));
    const r = await c.cli(['deploy', file, '-n', 'selfns', '--release', 'own']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableStatuses(r.stdout).get('Namespace/selfns')).toBe('created');
    expect(r.stdout).toContain('release own in namespace selfns: revision 1 deployed');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: selfns}\ndata: {a: "1"}\n',
    );
    const pruned = await c.cli(['deploy', file, '-n', 'selfns', '--release', 'own']);
    expect(pruned.code).toBe(0);
    expect(tableStatuses(pruned.stdout).get('Namespace/selfns')).toBe('protected');
    expect(await c.get('namespace', 'selfns')).toBeDefined();
  });

  it('remove --prune-protected deletes the protected kinds too', async () => {
    const file = join(c.dir, 'own-namespace.yaml');
    const r = await c.cli(['remove', file, '-n', 'selfns', '--release', 'own', '--prune-protected']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = tableStatuses(r.stdout);
    expect(rows.get('ConfigMap/settings')).toBe('deleted');
    expect(rows.get('Namespace/selfns')).toBe('deleted');
  });

  it('an object kept as protected stays owned, so a later deploy with --prune-protected deletes it as the hint says', async () => {
    const both = join(c.dir, 'with-claim.yaml');
    const claim =
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: scratch}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n';
    const config = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: "1"}\n';
    writeFileSync(both, `${config}---\n${claim}`);
    const only = join(c.dir, 'without-claim.yaml');
    writeFileSync(only, config);
    const deployKeep = (file: string, ...args: string[]) =>
      c.cli(['deploy', file, '-n', 'keepns', '--release', 'keep', '--no-wait', ...args]);
    expect((await deployKeep(both)).code).toBe(0);
    const kept = await deployKeep(only);
    expect(kept.code).toBe(0);
    expect(tableStatuses(kept.stdout).get('PersistentVolumeClaim/scratch')).toBe('protected');
    const again = await deployKeep(only);
    expect(tableStatuses(again.stdout).get('PersistentVolumeClaim/scratch')).toBe('protected');
    const pruned = await deployKeep(only, '--prune-protected');
    expect(pruned.stderr).toBe('');
    expect(pruned.code).toBe(0);
    expect(tableStatuses(pruned.stdout).get('PersistentVolumeClaim/scratch')).toBe('deleted');
    expect(c.sim.store.get('v1', 'PersistentVolumeClaim', 'scratch', 'keepns')).toBeUndefined();
  });

  it('applies a CustomResourceDefinition and a resource of it in one deploy, waiting for the CRD to be established', async () => {
    const file = join(c.dir, 'crd.yaml');
    writeFileSync(
      file,
      [
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}`,
        'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: crds}\nspec: {size: 3}',
      ].join('\n---\n'),
    );
    const d = await c.cli(['diff', file, '-n', 'crds', '--release', 'crds']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('crds/Widget/w1 (crds) will be created');
    const r = await c.cli([
      'deploy',
      file,
      '-n',
      'crds',
      '--release',
      'crds',
      '--no-wait',
      '--allow-cluster-scope',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableStatuses(r.stdout).get('Widget/w1')).toBe('created');
    c.sim.requests.reset();
    const again = await c.cli(['deploy', file, '-n', 'crds', '--release', 'crds']);
    expect(again.code).toBe(0);
    expect(c.sim.requests.count({ write: true })).toBe(0);
  });

  it('prune keeps a CustomResourceDefinition the release stopped rendering, since deleting it deletes every resource of it', async () => {
    const other = join(c.dir, 'other-widget.yaml');
    writeFileSync(other, 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: 1}\n');
    expect((await c.cli(['deploy', other, '-n', 'crds-other', '--release', 'other', '--no-wait'])).code).toBe(
      0,
    );
    const file = join(c.dir, 'widget-only.yaml');
    writeFileSync(file, 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n');
    const r = await c.cli(['deploy', file, '-n', 'crds', '--release', 'crds', '--no-wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableStatuses(r.stdout).get('CustomResourceDefinition/widgets.example.com')).toBe('protected');
    expect(
      c.sim.store.get(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        'widgets.example.com',
        undefined,
      ),
    ).toBeDefined();
    expect(c.sim.store.get('example.com/v1', 'Widget', 'w2', 'crds-other')).toBeDefined();
  });

  it('prunes an object whose recorded apiVersion the cluster stopped serving, through the version it serves now', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: ['v1', 'v2'].map((name) => ({
          name,
          served: name === 'v2',
          storage: name === 'v2',
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        })),
      },
    };
    const upgraded = await c.kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager', 'admin', '-f', '-'],
      JSON.stringify(crd),
    );
    expect(upgraded.stderr).toBe('');
    const file = join(c.dir, 'no-widget.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: left}\ndata: {a: "1"}\n');
    const r = await c.cli(['deploy', file, '-n', 'crds', '--release', 'crds', '--no-wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableStatuses(r.stdout).get('Widget/w1')).toBe('deleted');
    expect(c.sim.store.get('example.com/v2', 'Widget', 'w1', 'crds')).toBeUndefined();
    expect(c.sim.store.get('example.com/v2', 'Widget', 'w2', 'crds-other')).toBeDefined();
  });
});
