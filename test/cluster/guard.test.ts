/**
 * What keeps a release inside its bounds on a simulated cluster: objects outside the release
 * namespace (declared, shown by diff, allowed by flag once), one lock per release so two deploys
 * never write at once, --timeout against a server that never answers, hostile manifests and
 * flags refused before anything is sent.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';
import { fixtures, startCluster, tableStatuses, type TestCluster } from './harness.js';

const app = join(fixtures, 'app');
let c: TestCluster;

beforeAll(async () => {
  c = await startCluster({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await c?.stop();
});

const cm = (name: string, namespace?: string, value = '{{value}}') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data:\n  value: "${value}"\n`;

/** Writes a one-package directory under the cluster's temp dir and returns its path. */
function writePackage(dir: string, manifestExtra: string, templates: Record<string, string>): string {
  const root = join(c.dir, dir);
  mkdirSync(join(root, 'templates'), { recursive: true });
  writeFileSync(
    join(root, 'manifest.yaml'),
    `package: {name: guard/${dir}, version: 1.0.0}\nvariables: {value: one}\n${manifestExtra}resources:\n${Object.keys(
      templates,
    )
      .map((t) => `  - templates/${t}`)
      .join('\n')}\n`,
  );
  for (const [file, text] of Object.entries(templates)) writeFileSync(join(root, 'templates', file), text);
  return root;
}

/** Write requests the simulator has seen since `reset()`. */
const writes = () => c.sim.requests.count({ write: true });

describe('objects outside the release namespace', () => {
  beforeAll(async () => {
    await c.kubectl(['create', 'namespace', 'kube-system']);
  });

  it('a package that writes into another namespace without declaring it fails the render, writing nothing', async () => {
    const pkg = writePackage('sneaky', '', {
      'own.yaml.hbs': cm('own'),
      'dns.yaml.hbs': cm('kube-dns', 'kube-system'),
    });
    c.sim.requests.reset();
    const r = await c.cli(['deploy', pkg, '-n', 'team-a']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: guard\/sneaky renders kube-system\/ConfigMap\/kube-dns in namespace kube-system, outside the release namespace team-a, but its manifest\.yaml does not declare it; fix: add `scope: \{namespaces: \[kube-system\]\}`/,
      ),
    ]);
    expect(writes()).toBe(0);
    expect(c.sim.store.get('v1', 'ConfigMap', 'kube-dns', 'kube-system')).toBeUndefined();
  });

  it('a declared other namespace is shown by diff, refused by deploy before any write, then deployed with --allow-namespace', async () => {
    const pkg = writePackage('dns', 'scope: {namespaces: [kube-system]}\n', {
      'own.yaml.hbs': cm('own'),
      'dns.yaml.hbs': cm('kube-dns', 'kube-system'),
    });
    const d = await c.cli(['diff', pkg, '-n', 'team-a']);
    expect(d.code).toBe(1);
    expect(d.stdout).toContain(
      'Scope: writes outside namespace team-a:\n  namespace kube-system: ConfigMap/kube-dns',
    );
    expect(d.stdout).toContain(
      'deploy needs --allow-namespace kube-system (not yet allowed for this release)',
    );
    c.sim.requests.reset();
    const refused = await c.cli(['deploy', pkg, '-n', 'team-a']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^error: release dns in namespace team-a would write kube-system\/ConfigMap\/kube-dns in namespace kube-system: nothing was written; fix: .*deploy again with --allow-namespace kube-system\n$/,
    );
    expect(writes()).toBe(0);
    expect(c.sim.store.get('v1', 'Namespace', 'team-a')).toBeUndefined();
    const allowed = await c.cli(['deploy', pkg, '-n', 'team-a', '--allow-namespace', 'kube-system']);
    expect([allowed.code, allowed.stderr]).toEqual([0, '']);
    expect(tableStatuses(allowed.stdout).get('ConfigMap/kube-dns')).toBe('created');
    expect(c.sim.store.get('v1', 'ConfigMap', 'kube-dns', 'kube-system')).toBeDefined();
    // Allowed once for the release: later deploys need no flag, and diff says so.
    const next = await c.cli(['deploy', pkg, '-n', 'team-a', '--set', 'value=two']);
    expect([next.code, next.stderr]).toEqual([0, '']);
    expect((await c.cli(['diff', pkg, '-n', 'team-a'])).stdout).toContain('already allowed for this release');
  });

  it('cluster-scoped objects need scope: cluster in the package and --allow-cluster-scope the first time', async () => {
    const role =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: guard-reader\nrules: []\n';
    const undeclared = writePackage('roles', '', { 'role.yaml.hbs': role });
    expect((await c.cli(['deploy', undeclared, '-n', 'team-b'])).stderr).toMatch(
      /^error: guard\/roles renders cluster-scoped ClusterRole\/guard-reader but its manifest\.yaml does not declare it; fix: add `scope: cluster`/,
    );
    const pkg = writePackage('roles', 'scope: cluster\n', { 'role.yaml.hbs': role });
    expect((await c.cli(['diff', pkg, '-n', 'team-b'])).stdout).toContain(
      'cluster-scoped: ClusterRole/guard-reader\n  deploy needs --allow-cluster-scope',
    );
    c.sim.requests.reset();
    const refused = await c.cli(['deploy', pkg, '-n', 'team-b']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'would write cluster-scoped ClusterRole/guard-reader: nothing was written',
    );
    expect(writes()).toBe(0);
    const allowed = await c.cli(['deploy', pkg, '-n', 'team-b', '--allow-cluster-scope']);
    expect([allowed.code, allowed.stderr]).toEqual([0, '']);
    expect(c.sim.store.get('rbac.authorization.k8s.io/v1', 'ClusterRole', 'guard-reader')).toBeDefined();
  });

  it('a rendered manifest with a cluster-scoped object needs --allow-cluster-scope; one naming another namespace is refused', async () => {
    const file = join(c.dir, 'cluster-file.yaml');
    writeFileSync(
      file,
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: from-file}\nrules: []\n',
    );
    const refused = await c.cli(['deploy', file, '-n', 'team-c', '--release', 'files']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--allow-cluster-scope');
    const other = join(c.dir, 'other-ns.yaml');
    writeFileSync(other, cm('elsewhere', 'kube-system', 'x'));
    const r = await c.cli(['deploy', other, '-n', 'team-c', '--release', 'files']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('ConfigMap elsewhere is in namespace kube-system, not team-c');
  });
});

describe('hostile flags and manifests, refused before anything is sent', () => {
  const verbs: [string, string[]][] = [
    ['deploy', ['deploy', app]],
    ['diff', ['diff', app]],
    ['status', ['status']],
    ['history', ['history']],
    ['rollback', ['rollback']],
    ['remove', ['remove', app]],
  ];

  it.each(verbs)(
    '%s refuses an empty or invalid --namespace with exit 2 and one line',
    async (_verb, args) => {
      c.sim.requests.reset();
      for (const [value, message] of [
        ['', /^error: --namespace "" is empty; fix: /],
        ['Team_A', /^error: --namespace "Team_A" is not a valid namespace name; fix: /],
      ] as const) {
        const r = await c.cli([...args, '--namespace', value]);
        expect([r.code, r.stdout]).toEqual([2, '']);
        expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      }
      expect(c.sim.requests.count()).toBe(0);
    },
  );

  it('deploy and diff refuse a rendered manifest whose YAML aliases would expand into millions of values', async () => {
    const file = join(c.dir, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(
      file,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata: {}\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
    );
    c.sim.requests.reset();
    const started = Date.now();
    for (const [verb, code] of [
      ['deploy', 3],
      ['diff', 2],
    ] as const) {
      const r = await c.cli([verb, file, '-n', 'bombs', '--release', 'bomb']);
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/bomb\.yaml: expands to more than 200000 values through YAML aliases; fix: /),
      ]);
    }
    expect(Date.now() - started).toBeLessThan(20000);
    expect(c.sim.requests.count()).toBe(0);
  });
});

describe('--timeout against an API server that accepts connections and never answers', () => {
  let server: Server;
  const sockets: Socket[] = [];
  let kubeconfig = '';

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    kubeconfig = join(c.dir, 'silent');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: x, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: x, user: {}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\ncurrent-context: x\n`,
    );
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('deploy --timeout 3s ends within the timeout (retries included) and says how long it waited', async () => {
    const started = Date.now();
    const r = await runCli(['deploy', app, '-n', 'x', '--timeout', '3s', '--kubeconfig', kubeconfig], {
      timeoutMs: 60000,
    });
    const took = Date.now() - started;
    expect(r.code).toBe(7);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^error: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+: no answer within \d+ ms, and --timeout ran out; fix: /,
    );
    // 3 s of waiting plus the process start; never the 6 × 30 s it used to take.
    expect(took).toBeLessThan(9000);
  }, 30000);
});

describe('diff of a change the server would reject', () => {
  it('exits 2, not 1, and names the rejection', async () => {
    const file = join(c.dir, 'rejected.yaml');
    writeFileSync(
      file,
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: c}}\n    spec: {containers: [{name: c, image: x}]}\n',
    );
    await c.kubectl(['create', 'namespace', 'rejects']);
    const r = await c.cli(['diff', file, '-n', 'rejects', '--release', 'rejects']);
    expect(r.stdout).toContain('the server rejects it');
    expect(r.stderr).toContain('error: the server rejects 1 object: deploy would fail');
    expect(r.code).toBe(2);
  });
});

describe('one deploy, rollback or remove of a release at a time', () => {
  const lease = (ns: string) =>
    c.sim.store.get('coordination.k8s.io/v1', 'Lease', 'stackanetes.lock.app', ns) as
      { spec?: { holderIdentity?: string | null; leaseTransitions?: number } } | undefined;
  const revisions = (ns: string) =>
    (
      c.sim.store.list('v1', 'Secret', ns) as unknown as {
        metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
      }[]
    )
      .filter((s) => s.metadata.labels?.owner === 'stackanetes')
      .map((s) => ({
        name: s.metadata.name,
        status: s.metadata.labels?.['stackanetes.io/status'],
        failure: s.metadata.annotations?.['stackanetes.io/failure'],
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  const greeting = (ns: string) =>
    (c.sim.store.get('v1', 'ConfigMap', 'web-config', ns) as { data?: { greeting?: string } } | undefined)
      ?.data?.greeting;

  /** Starts `stackanetes deploy <app> -n NS ARGS` in the background. */
  function background(ns: string, args: string[], env: Record<string, string> = {}) {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'stackanetes'), 'deploy', app, '-n', ns, '--kubeconfig', c.kubeconfig, ...args],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number; stderr: string }>((resolve) =>
      child.on('exit', (code) => resolve({ code: code ?? -1, stderr })),
    );
    return { child, exited };
  }

  async function until(what: string, ok: () => boolean): Promise<void> {
    for (let i = 0; i < 600 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!ok()) throw new Error(`timed out waiting for ${what}`);
  }

  it('of two deploys at once with different values, one runs and the other is refused naming the holder; the live state is the deployed revision', async () => {
    c.sim.faults.neverReady('StatefulSet', 'locked', 'db'); // holds the first deploy in its first wave
    // A 3 s lease: only renewals keep it past the 4 s the second deploy waits below.
    const first = background('locked', ['--set', 'greeting=first'], { STACKANETES_LOCK_SECONDS: '3' });
    await until('the first deploy to hold the lock and wait', () =>
      Boolean(
        lease('locked')?.spec?.holderIdentity && c.sim.store.get('apps/v1', 'StatefulSet', 'db', 'locked'),
      ),
    );
    const renewed = () =>
      (lease('locked') as { spec?: { renewTime?: string } } | undefined)?.spec?.renewTime ?? '';
    const before = renewed();
    await new Promise((r) => setTimeout(r, 4000));
    expect(renewed() > before).toBe(true); // renewed while running, so not expired
    c.sim.requests.reset();
    const second = await c.cli(['deploy', app, '-n', 'locked', '--set', 'greeting=second', '--no-wait']);
    expect(second.code).toBe(5);
    expect(second.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^error: another deploy of locked\/app by \S+ since \d{4}-\d\d-\d\dT[\d:.]+Z is running: nothing was changed; fix: wait for it to finish/,
      ),
    ]);
    // Nothing but the first deploy's lease renewals was written meanwhile.
    expect(c.sim.requests.find({ write: true }).filter((x) => x.resource !== 'leases')).toEqual([]);
    c.sim.faults.release('StatefulSet', 'locked', 'db');
    const done = await first.exited;
    expect([done.code, done.stderr]).toEqual([0, '']);
    expect(revisions('locked')).toEqual([
      { name: 'stackanetes.release.app.v1', status: 'deployed', failure: undefined },
    ]);
    expect(greeting('locked')).toBe('first');
    expect(lease('locked')?.spec?.holderIdentity ?? null).toBeNull(); // freed at the end
    const status = await c.cli(['status', '-n', 'locked']);
    expect(status.stdout).toMatch(/(\d+) of \1 objects ready/);
  }, 60000);

  it('a killed deploy keeps the lock until its lease expires, then the next deploy takes it over and proceeds', async () => {
    c.sim.faults.neverReady('StatefulSet', 'killed-lock', 'db');
    const killed = background('killed-lock', ['--set', 'greeting=killed'], { STACKANETES_LOCK_SECONDS: '3' });
    await until('the deploy to hold the lock', () =>
      Boolean(
        lease('killed-lock')?.spec?.holderIdentity &&
        c.sim.store.get('apps/v1', 'StatefulSet', 'db', 'killed-lock'),
      ),
    );
    killed.child.kill('SIGKILL');
    await killed.exited;
    c.sim.faults.release('StatefulSet', 'killed-lock', 'db');
    const refused = await c.cli(['deploy', app, '-n', 'killed-lock', '--set', 'greeting=next']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/its lock \(Lease stackanetes\.lock\.app\) expires at \d{4}-/);
    await new Promise((r) => setTimeout(r, 3500));
    const next = await c.cli(['deploy', app, '-n', 'killed-lock', '--set', 'greeting=next']);
    expect([next.code, next.stderr]).toEqual([0, '']);
    expect(next.stdout).toContain('revision 2 deployed');
    expect(lease('killed-lock')?.spec?.leaseTransitions).toBe(1);
    expect(greeting('killed-lock')).toBe('next');
    expect(revisions('killed-lock').map((r) => r.status)).toEqual(['superseded', 'deployed']);
    // remove takes the lock too, and deletes it with the release.
    const removed = await c.cli(['remove', app, '-n', 'killed-lock']);
    expect([removed.code, removed.stderr]).toEqual([0, '']);
    expect(lease('killed-lock')).toBeUndefined();
  }, 60000);

  it('a failed revision keeps its status and reason after later deploys', async () => {
    c.sim.faults.neverReady('Deployment', 'failing', 'worker');
    const failed = await c.cli(['deploy', app, '-n', 'failing', '--timeout', '3s']);
    expect(failed.code).toBe(8);
    c.sim.faults.release('Deployment', 'failing', 'worker');
    const ok = await c.cli(['deploy', app, '-n', 'failing', '--set', 'greeting=again']);
    expect(ok.code).toBe(0);
    const [first, second] = revisions('failing');
    expect(first).toMatchObject({
      status: 'failed',
      failure: expect.stringContaining('not ready before the timeout'),
    });
    expect(second).toMatchObject({ status: 'deployed' });
    const h = await c.cli(['history', '-n', 'failing']);
    expect(h.stdout).toMatch(/1\s+\S+\s+failed\s/);
  }, 60000);
});

describe('what deploy, history and status say', () => {
  it('history shows when each revision was deployed and what it changed, so revisions read apart', async () => {
    expect((await c.cli(['deploy', app, '-n', 'hist'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await c.cli(['deploy', app, '-n', 'hist', '--set', 'greeting=bonjour'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await c.cli(['rollback', '-n', 'hist'])).code).toBe(0);
    const h = await c.cli(['history', '-n', 'hist', '-o', 'json']);
    const revisions = (
      JSON.parse(h.stdout) as {
        revisions: { revision: number; createdAt: string; changes: string; status: string }[];
      }
    ).revisions;
    expect(revisions.map((r) => [r.revision, r.status, r.changes])).toEqual([
      [1, 'superseded', 'first revision (4 packages)'],
      // --set greeting=… reaches every package of the release: one change, named once.
      [2, 'superseded', 'set greeting'],
      [3, 'deployed', 'set greeting; same as revision 1'],
    ]);
    const times = revisions.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(3);
    const table = await c.cli(['history', '-n', 'hist']);
    expect(table.stdout.split('\n')[0]).toMatch(/^REVISION\s+DEPLOYED\s+STATUS\s+PACKAGE\s+DESCRIPTION$/);
    expect(table.stdout).toContain('rollback to 1: set greeting; same as revision 1');
    const status = await c.cli(['status', '-n', 'hist']);
    expect(status.stdout).toContain(`revision 3 deployed, deployed at ${revisions[2]?.createdAt}`);
  }, 60000);

  it('rollback to a revision whose Job differs replaces the Job, as deploy does, without --force', async () => {
    const file = join(c.dir, 'rollback-job.yaml');
    const write = (tag: string) =>
      writeFileSync(
        file,
        `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "registry.example/migrate:${tag}"}]
`,
      );
    const deploy = () => c.cli(['deploy', file, '-n', 'rollback-job', '--release', 'rbjob']);
    write('one');
    expect((await deploy()).code).toBe(0);
    write('two');
    const second = await deploy();
    expect([second.code, second.stderr]).toEqual([0, '']);
    expect(tableStatuses(second.stdout).get('Job/migrate')).toBe('replaced');
    const back = await c.cli(['rollback', '1', '-n', 'rollback-job', '--release', 'rbjob']);
    expect([back.code, back.stderr]).toEqual([0, '']);
    expect(tableStatuses(back.stdout).get('Job/migrate')).toBe('replaced');
    const job = c.sim.store.get('batch/v1', 'Job', 'migrate', 'rollback-job') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(job.spec.template.spec.containers[0]?.image).toBe('registry.example/migrate:one');
  }, 60000);

  it('an object recreated with --force reads recreated, a Job replaced', async () => {
    const file = join(c.dir, 'recreate.yaml');
    const write = (label: string) =>
      writeFileSync(
        file,
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api, track: ${label}}}
  template:
    metadata: {labels: {app: api, track: ${label}}}
    spec: {containers: [{name: api, image: "registry.example/api:1"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "registry.example/migrate:${label}"}]
`,
      );
    write('one');
    expect((await c.cli(['deploy', file, '-n', 'recreate', '--release', 'recreate'])).code).toBe(0);
    write('two');
    const r = await c.cli(['deploy', file, '-n', 'recreate', '--release', 'recreate', '--force']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const rows = tableStatuses(r.stdout);
    expect([rows.get('Deployment/api'), rows.get('Job/migrate')]).toEqual(['recreated', 'replaced']);
  }, 60000);

  it('deploy prints one line per package wave when its output is not a terminal, and nothing of it with --quiet', async () => {
    const r = await c.cli(['deploy', app, '-n', 'waves']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const started = lines.filter((l) => l.startsWith('started '));
    const ready = lines.filter((l) => /^ready {3}.* \(\d+\.\d s\)$/.test(l));
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(ready).toHaveLength(started.length);
    expect(started[0]).toMatch(/^started fixture\/db@1\.0\.0: applying \d+ of \d+ objects$/);
    expect(lines.indexOf(started[0] as string)).toBeLessThan(
      lines.findIndex((l) => /^PACKAGE\s+VERSION/.test(l)),
    );
    const quiet = await c.cli(['deploy', app, '-n', 'waves-quiet', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toMatch(/^(started|ready) /m);
    expect(quiet.stdout).toMatch(/^PACKAGE\s+VERSION/);
  }, 60000);

  it('says "1 object", not "1 objects"', async () => {
    const file = join(c.dir, 'single.yaml');
    writeFileSync(file, cm('single', undefined, 'x'));
    const r = await c.cli(['deploy', file, '-n', 'single', '--release', 'single']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\b1 objects\b/);
    expect((await c.cli(['status', '-n', 'single'])).stdout).toContain('1 of 1 object ready');
  });
});
