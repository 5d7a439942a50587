/**
 * Updating is the same command, as a new user tries it: the OpenStack stack deployed, then the
 * same command with one changed parameter (Jobs replaced, exactly the affected workloads rolled),
 * then again with zero writes; explicit order inside a package; depends-on problems in lint;
 * refusing and adopting objects created by hand; a deploy interrupted with SIGINT.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import { repoRoot, runCli } from '../helpers/cli.js';
import { fixtures, startCluster, tableStatuses, type TestCluster } from './harness.js';

const meta = join(repoRoot, 'packages', 'stackanetes');
const parameters = join(repoRoot, 'parameters.yaml');
const app = join(fixtures, 'app');
let c: TestCluster;
let scratch: string;

beforeAll(async () => {
  c = await startCluster({ readinessDelayMs: 20 });
  scratch = mkdtempSync(join(tmpdir(), 'stackanetes-updates-'));
});
afterAll(async () => {
  await c?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface Doc {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> } } };
}

/** The objects `generate` renders for these arguments, by `Kind/name`. */
async function rendered(...args: string[]): Promise<Map<string, Doc>> {
  const r = await runCli(['generate', meta, '-n', 'openstack', '--variables', parameters, ...args]);
  expect(r.code).toBe(0);
  const docs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
  return new Map(docs.map((d) => [`${d.kind}/${d.metadata.name}`, d]));
}

/** A package in the scratch directory with the given templates (one file). */
function writePackage(name: string, template: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(
    join(dir, 'manifest.yaml'),
    `package: {name: test/${name}, version: 1.0.0}\nvariables: {}\nresources:\n  - file: templates/all.yaml.hbs\n`,
  );
  writeFileSync(join(dir, 'templates', 'all.yaml.hbs'), template);
  return dir;
}

const job = (name: string, dependsOn?: string): string =>
  `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
${dependsOn ? `  annotations: {stackanetes.io/depends-on: "${dependsOn}"}\n` : ''}spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: run, image: registry.example/tool:1.0, args: [${name}]}]
`;

/** Decoded revision records of a release, straight from the simulator's store. */
function revisions(
  namespace: string,
): { revision: number; status: string; reason?: string; adopted?: string[] }[] {
  return (
    c.sim.store.list('v1', 'Secret', namespace) as unknown as {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
      data?: Record<string, string>;
    }[]
  )
    .filter((s) => s.metadata.labels?.owner === 'stackanetes')
    .map((s) => {
      const record = JSON.parse(gunzipSync(Buffer.from(s.data?.release ?? '', 'base64')).toString()) as {
        revision: number;
        adopted?: string[];
      };
      const reason = s.metadata.annotations?.['stackanetes.io/failure-reason'];
      return {
        revision: record.revision,
        status: String(s.metadata.labels?.['stackanetes.io/status']),
        ...(reason ? { reason } : {}),
        ...(record.adopted ? { adopted: record.adopted } : {}),
      };
    })
    .sort((a, b) => a.revision - b.revision);
}

describe('updating is the same command', () => {
  it('the stack, then the same command with --set misc.debug=true replaces exactly the changed Jobs and rolls exactly the workloads whose checksum changed, then writes nothing', async () => {
    const args = ['-n', 'openstack', '--variables', parameters];
    const first = await c.cli(['deploy', meta, ...args, '--allow-cluster-scope'], { timeoutMs: 240000 });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const before = await rendered();
    const after = await rendered('--set', 'misc.debug=true');
    const changed = (kinds: string[]): string[] =>
      [...after.entries()]
        .filter(
          ([key, doc]) =>
            kinds.includes(doc.kind) && JSON.stringify(doc.spec) !== JSON.stringify(before.get(key)?.spec),
        )
        .map(([key]) => key)
        .sort();
    const jobs = changed(['Job']);
    const workloads = changed(['Deployment', 'StatefulSet', 'DaemonSet']);
    expect(jobs.length).toBeGreaterThan(0);
    expect(workloads.length).toBeGreaterThan(0);
    const checksum = (d: Doc | undefined) =>
      d?.spec?.template?.metadata?.annotations?.['stackanetes.io/config-checksum'];
    for (const w of workloads) expect(checksum(after.get(w))).not.toBe(checksum(before.get(w)));

    // diff says which objects will be replaced, before anything changes.
    const d = await c.cli(['diff', meta, ...args, '--set', 'misc.debug=true', '-o', 'json']);
    expect(d.code).toBe(1);
    const plan = JSON.parse(d.stdout) as { entries: { action: string; kind: string; name: string }[] };
    expect(
      plan.entries
        .filter((e) => e.action === 'replace')
        .map((e) => `${e.kind}/${e.name}`)
        .sort(),
    ).toEqual(jobs);

    c.sim.requests.reset();
    const second = await c.cli(['deploy', meta, ...args, '--set', 'misc.debug=true'], { timeoutMs: 240000 });
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('revision 2 deployed');
    const rows = [...tableStatuses(second.stdout).entries()];
    const withStatus = (status: string, kinds: string[]) =>
      rows
        .filter(([key, s]) => s === status && kinds.includes(key.split('/')[0] as string))
        .map(([key]) => key)
        .sort();
    expect(withStatus('replaced', ['Job'])).toEqual(jobs);
    expect(withStatus('updated', ['Job'])).toEqual([]);
    expect(withStatus('updated', ['Deployment', 'StatefulSet', 'DaemonSet'])).toEqual(workloads);
    expect(rows.filter(([, s]) => s === 'failed')).toEqual([]);
    // Only the changed Jobs were deleted; every replaced Job ran to completion again.
    expect(
      c.sim.requests
        .find({ method: 'DELETE', resource: 'jobs' })
        .map((r) => `Job/${r.name ?? ''}`)
        .sort(),
    ).toEqual(jobs);
    for (const j of jobs) {
      const live = await c.get('job', j.split('/')[1] as string, 'openstack');
      expect(live?.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True')).toBe(true);
    }

    c.sim.requests.reset();
    const third = await c.cli(['deploy', meta, ...args, '--set', 'misc.debug=true']);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('unchanged, no revision written');
    expect(c.sim.requests.count({ write: true })).toBe(0);
  }, 600_000); // the whole stack rendered five times: minutes on a busy machine

  it('applies a Job that depends on another only once that one is complete, with no failed attempt in between', async () => {
    const pkg = writePackage(
      'ordered',
      [
        job('db-init'),
        job('db-sync', 'Job/db-init'),
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-sync\n  annotations: {stackanetes.io/depends-on: Job/db-sync}\ndata: {a: b}\n`,
      ].join('---\n'),
    );
    c.sim.faults.neverReady('Job', 'ordered', 'db-init');
    c.sim.requests.reset();
    const deploying = c.cli(['deploy', pkg, '-n', 'ordered']);
    for (let i = 0; i < 400 && !c.sim.store.get('batch/v1', 'Job', 'db-init', 'ordered'); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(c.sim.store.get('batch/v1', 'Job', 'db-init', 'ordered')).toBeDefined();
    // db-init is running and stays so for a while: nothing that depends on it is applied meanwhile.
    await new Promise((r) => setTimeout(r, 800));
    expect(c.sim.store.get('batch/v1', 'Job', 'db-sync', 'ordered')).toBeUndefined();
    expect(c.sim.store.get('v1', 'ConfigMap', 'after-sync', 'ordered')).toBeUndefined();
    c.sim.faults.release('Job', 'ordered', 'db-init');
    const r = await deploying;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(tableStatuses(r.stdout).get('Job/db-sync')).toBe('created');
    const applies = c.sim.requests
      .find({ patchType: 'apply', namespace: 'ordered' })
      .map((x) => `${x.resource}/${x.name}`);
    // Each applied exactly once, in order: no attempt that failed and was retried.
    expect(applies.filter((a) => a.startsWith('jobs/') || a.startsWith('configmaps/'))).toEqual([
      'jobs/db-init',
      'jobs/db-sync',
      'configmaps/after-sync',
    ]);
    const sync = await c.get('job', 'db-sync', 'ordered');
    expect(sync?.status?.conditions?.some((x) => x.type === 'Complete' && x.status === 'True')).toBe(true);
    expect((sync?.status as { failed?: number } | undefined)?.failed ?? 0).toBe(0);
  });

  it('a completed Job removed by its TTL is not created again while unchanged, and runs again once changed', async () => {
    const ns = 'ttl';
    const pkg = (arg: string) =>
      writePackage(
        `ttl-${arg}`,
        job('once')
          .replace('spec:\n', 'spec:\n  ttlSecondsAfterFinished: 600\n')
          .replace('[once]', `[${arg}]`),
      );
    const first = await c.cli(['deploy', pkg('a'), '-n', ns, '--release', 'ttl']);
    expect(first.code).toBe(0);
    // What the TTL controller does once the Job finished.
    expect((await c.kubectl(['delete', 'job', 'once', '-n', ns])).code).toBe(0);
    c.sim.requests.reset();
    const again = await c.cli(['deploy', pkg('a'), '-n', ns, '--release', 'ttl']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged, no revision written');
    expect(c.sim.requests.count({ write: true })).toBe(0);
    expect(c.sim.store.get('batch/v1', 'Job', 'once', ns)).toBeUndefined();
    const changed = await c.cli(['deploy', pkg('b'), '-n', ns, '--release', 'ttl']);
    expect(changed.code).toBe(0);
    expect(tableStatuses(changed.stdout).get('Job/once')).toBe('created');
  });

  it('lint names a cycle and a dangling reference, one line each', async () => {
    const pkg = writePackage(
      'tangled',
      [job('a', 'Job/b'), job('b', 'Job/a'), job('c', 'Job/missing')].join('---\n'),
    );
    const r = await runCli(['lint', pkg]);
    expect(r.code).toBe(3);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(
      'error: Job/c (test/tangled) depends on Job/missing, which no package of the release renders',
    );
    expect(lines[1]).toMatch(/^error: dependency cycle: Job\/a -> Job\/b -> Job\/a(;|$)/);
  });

  it('refuses an object created by hand, writing nothing; --adopt takes it over and records it; remove deletes it', async () => {
    const ns = 'adopt';
    const created = await c.kubectl(
      ['create', '--validate=false', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'web-config', namespace: ns },
            data: { greeting: 'by hand' },
          },
        ],
      }),
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    c.sim.requests.reset();
    const refused = await c.cli(['deploy', app, '-n', ns]);
    expect(refused.code).toBe(5);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(
      /^error: adopt\/ConfigMap\/web-config exists without stackanetes ownership labels \(field managers: kubectl-create\): refusing to take it over; fix: .*--adopt/,
    );
    expect(c.sim.requests.count({ write: true })).toBe(0);
    expect(revisions(ns)).toEqual([]);
    // diff says the same, and with --adopt shows what taking it over changes.
    const refusedDiff = await c.cli(['diff', app, '-n', ns]);
    expect(refusedDiff.code).toBe(2); // an error, as kubectl diff exits
    expect(refusedDiff.stderr).toContain(
      'adopt/ConfigMap/web-config exists without stackanetes ownership labels',
    );
    const preview = await c.cli(['diff', app, '-n', ns, '--adopt']);
    expect(preview.code).toBe(1);
    expect(preview.stdout).toContain('adopt/ConfigMap/web-config (fixture/web) will be updated');

    const adopted = await c.cli(['deploy', app, '-n', ns, '--adopt']);
    expect(adopted.stderr).toBe('');
    expect(adopted.code).toBe(0);
    expect(tableStatuses(adopted.stdout).get('ConfigMap/web-config')).toBe('updated');
    const live = await c.get('configmap', 'web-config', ns);
    expect(live?.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('stackanetes');
    expect(live?.data?.greeting).toBe('hello');
    expect(revisions(ns)).toEqual([
      { revision: 1, status: 'deployed', adopted: ['adopt/ConfigMap/web-config'] },
    ]);

    const removed = await c.cli(['remove', app, '-n', ns]);
    expect(removed.code).toBe(0);
    expect(c.sim.store.get('v1', 'ConfigMap', 'web-config', ns)).toBeUndefined();
  });

  it('SIGINT during a wave exits 130 and marks the revision failed as interrupted; the next deploy converges', async () => {
    const ns = 'interrupted';
    c.sim.readinessDelayMs = 60_000; // the db wave does not finish while we watch
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'stackanetes'), 'deploy', app, '-n', ns, '--kubeconfig', c.kubeconfig],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 600 && !c.sim.store.get('apps/v1', 'StatefulSet', 'db', ns); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(c.sim.store.get('apps/v1', 'StatefulSet', 'db', ns)).toBeDefined();
    child.kill('SIGINT');
    const code = await exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(
      /^error: interrupted: still waiting for .*interrupted\/StatefulSet\/db .*\(revision 1 marked failed: interrupted\)/m,
    );
    expect(revisions(ns)).toEqual([{ revision: 1, status: 'failed', reason: 'interrupted' }]);
    expect(c.sim.store.get('apps/v1', 'Deployment', 'web', ns)).toBeUndefined(); // web waits for db

    c.sim.readinessDelayMs = 20;
    c.sim.faults.release('StatefulSet', ns, 'db');
    c.sim.faults.release('Deployment', ns, 'extra'); // started side by side with db, as slow
    const r = await c.cli(['deploy', app, '-n', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 2 deployed');
    expect(revisions(ns).map((x) => x.status)).toEqual(['failed', 'deployed']);
    c.sim.requests.reset();
    const again = await c.cli(['deploy', app, '-n', ns]);
    expect(again.code).toBe(0);
    expect(c.sim.requests.count({ write: true })).toBe(0);
  });
});
