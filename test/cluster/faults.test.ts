/**
 * Deploys under trouble: injected 500s with latency, a deploy killed with SIGKILL mid-wave, an
 * object that never becomes ready, an immutable field, an unreachable or unauthorized cluster.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';
import { startSimulator } from '../../simulator/src/index.js';
import { fixtures, startCluster, tableStatuses, type TestCluster } from './harness.js';

const app = join(fixtures, 'app');
let c: TestCluster;

/** `stackanetes deploy <fixture app> -n immutable ARGS…`, the steps of the immutable-field cases. */
const deployImmutable = (...args: string[]) => c.cli(['deploy', app, '-n', 'immutable', ...args]);

beforeAll(async () => {
  c = await startCluster({ readinessDelayMs: 50 });
});
afterAll(async () => {
  await c?.stop();
});

function revisionSecrets(namespace: string): { name: string; status: string }[] {
  return (
    c.sim.store.list('v1', 'Secret', namespace) as unknown as {
      metadata: { name: string; labels?: Record<string, string> };
    }[]
  )
    .filter((s) => s.metadata.labels?.owner === 'stackanetes')
    .map((s) => ({ name: s.metadata.name, status: String(s.metadata.labels?.['stackanetes.io/status']) }));
}

describe('deploy under faults', () => {
  it('with 10% injected 500s and 20 ms latency, deploy retries idempotent calls and converges', async () => {
    c.sim.faults.errorRate = 0.1;
    c.sim.faults.errorStatuses = [500];
    c.sim.faults.latencyMs = 20;
    try {
      const r = await c.cli(['deploy', app, '-n', 'flaky', '--debug']);
      expect(r.stderr).toMatch(/requests: \d+ \(\d+ writes, [1-9]\d* retries\)/);
      expect(r.code).toBe(0);
      expect(c.sim.requests.log.filter((x) => x.fault === 'error').length).toBeGreaterThan(0);
      const d = await c.cli(['diff', app, '-n', 'flaky']);
      expect(d.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete');
      expect(d.code).toBe(0);
    } finally {
      c.sim.faults.reset();
      c.sim.faults.latencyMs = 0;
      c.sim.faults.errorRate = 0;
    }
    expect(revisionSecrets('flaky')).toEqual([{ name: 'stackanetes.release.app.v1', status: 'deployed' }]);
  });

  it('a deploy killed with SIGKILL mid-wave is followed by one that converges and supersedes the interrupted revision', async () => {
    c.sim.readinessDelayMs = 60_000; // the first wave never finishes while we watch
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'stackanetes'), 'deploy', app, '-n', 'killed', '--kubeconfig', c.kubeconfig],
      // A short release lock, so the next deploy need not wait the default 30 s for it to expire.
      { stdio: 'ignore', env: { ...process.env, STACKANETES_LOCK_SECONDS: '2' } },
    );
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill once the revision is recorded and the first workload was applied (the wave is waiting).
    for (let i = 0; i < 600; i++) {
      if (c.sim.store.get('apps/v1', 'StatefulSet', 'db', 'killed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(c.sim.store.get('apps/v1', 'StatefulSet', 'db', 'killed')).toBeDefined();
    child.kill('SIGKILL');
    await exited;
    expect(revisionSecrets('killed')).toEqual([{ name: 'stackanetes.release.app.v1', status: 'pending' }]);
    expect(c.sim.store.get('apps/v1', 'Deployment', 'web', 'killed')).toBeUndefined(); // later waves never ran

    c.sim.readinessDelayMs = 50;
    c.sim.faults.release('StatefulSet', 'killed', 'db');
    c.sim.faults.release('Deployment', 'killed', 'extra'); // started side by side with db, as slow
    await new Promise((r) => setTimeout(r, 2500)); // the killed deploy's lock expires
    const r = await c.cli(['deploy', app, '-n', 'killed']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('revision 2 deployed');
    expect(tableStatuses(r.stdout).get('Deployment/web')).toBe('created');
    const statuses = revisionSecrets('killed').sort((a, b) => a.name.localeCompare(b.name));
    expect(statuses).toEqual([
      { name: 'stackanetes.release.app.v1', status: 'superseded' },
      { name: 'stackanetes.release.app.v2', status: 'deployed' },
    ]);
    const again = await c.cli(['diff', app, '-n', 'killed']);
    expect(again.code).toBe(0);
  });

  it('an object that never becomes ready fails the deploy within --timeout with a report naming it, and the revision is failed', async () => {
    c.sim.faults.neverReady('Deployment', 'stuck', 'worker');
    const r = await c.cli(['deploy', app, '-n', 'stuck', '--timeout', '3s']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(
      /^error: 1 object not ready before the timeout \(3s\): stuck\/Deployment\/worker \(.*; waited for since \S+, \d+s\)/m,
    );
    expect(r.stderr).toContain('(revision 1 marked failed)');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(tableStatuses(r.stdout).get('Deployment/worker')).toBe('failed');
    expect(tableStatuses(r.stdout).get('Deployment/web')).toBe('created');
    expect(revisionSecrets('stuck')).toEqual([{ name: 'stackanetes.release.app.v1', status: 'failed' }]);
    const h = await c.cli(['history', '-n', 'stuck']);
    expect(h.stdout).toMatch(
      /1\s+\S+\s+failed\s+fixture\/app@1\.0\.0\s+deploy fixture\/app@1\.0\.0: first revision \(\d+ packages\); failed: 1 object/,
    );
    const s = await c.cli(['status', '-n', 'stuck']);
    expect(s.stdout).toMatch(/Deployment\s+worker\s+stuck\s+not ready/);
  });

  it('an object deleted while the deploy waits for it fails the deploy at once, naming it', async () => {
    c.sim.faults.neverReady('Deployment', 'vanish', 'worker');
    const run = c.cli(['deploy', app, '-n', 'vanish', '--timeout', '90s']);
    for (let i = 0; i < 600; i++) {
      if (c.sim.store.get('apps/v1', 'Deployment', 'worker', 'vanish')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await c.kubectl(['delete', 'deployment', 'worker', '-n', 'vanish'])).code).toBe(0);
    const r = await run;
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/failed: vanish\/Deployment\/worker \(deleted while waiting for it/);
  });

  it('a failed Job fails the deploy at once, without waiting for the timeout', async () => {
    c.sim.faults.failJob('jobfail', 'web-migrate');
    const started = Date.now();
    const r = await c.cli(['deploy', app, '-n', 'jobfail', '--timeout', '10m']);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^error: 1 object failed: jobfail\/Job\/web-migrate \(failed: /m);
    expect(r.stderr).toContain('fix: fix the failing object');
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('a failed Job that a redeploy leaves unchanged is reported with how to run it again', async () => {
    // The Job from the previous case is still Failed; an unchanged redeploy does not rerun it.
    const r = await c.cli(['deploy', app, '-n', 'jobfail', '--timeout', '10m']);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('fix: fix the failing object');
    expect(r.stderr).toContain(
      'a failed Job does not run again by itself: change it (a changed Job is replaced) or delete it (kubectl delete job -n jobfail web-migrate), then deploy again',
    );
  });

  it('a changed Job is replaced without --force; with update-strategy fail, the change is reported with the --force fix, and --force recreates it', async () => {
    const first = await deployImmutable();
    expect(first.code).toBe(0);
    const replaced = await deployImmutable('--set', 'image.base=registry.example/%s:1.5');
    expect(replaced.stderr).toBe('');
    expect(replaced.code).toBe(0);
    expect(tableStatuses(replaced.stdout).get('Job/web-migrate')).toBe('replaced');
    const strict = ['--set', 'migrate.strategy=fail'];
    expect((await deployImmutable('--set', 'image.base=registry.example/%s:1.5', ...strict)).code).toBe(0);
    const r = await deployImmutable('--set', 'image.base=registry.example/%s:2.0', ...strict);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/^error: .*immutable\/Job\/web-migrate.*immutable/m);
    expect(r.stderr).toMatch(
      /fix: immutable\/Job\/web-migrate cannot be changed in place: run deploy again with --force/,
    );
    const forced = await deployImmutable('--set', 'image.base=registry.example/%s:2.0', ...strict, '--force');
    expect(forced.stderr).toBe('');
    expect(forced.code).toBe(0);
    const job = c.sim.store.get('batch/v1', 'Job', 'web-migrate', 'immutable') as unknown as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    expect(job.spec.template.spec.containers[0]?.image).toBe('registry.example/web:2.0');
  });

  it('rollback after a failed deploy restores the last good revision, undoing what the failed one applied', async () => {
    const failed = await deployImmutable(
      '--set',
      'image.base=registry.example/%s:3.0',
      '--set',
      'greeting=half-done',
      '--set',
      'migrate.strategy=fail',
    );
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain('(revision 6 marked failed)');
    const cm = () =>
      c.sim.store.get('v1', 'ConfigMap', 'web-config', 'immutable') as unknown as {
        data: { greeting: string };
      };
    expect(cm().data.greeting).toBe('half-done'); // applied before the Job step failed
    const r = await c.cli(['rollback', '-n', 'immutable']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rolled back to revision 5 as revision 7');
    expect(cm().data.greeting).toBe('hello');
  });
});

describe('cluster access', () => {
  it('an unreachable cluster fails fast with one line naming the server and the cause', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const kubeconfig = join(c.dir, 'unreachable');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: x, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: x, user: {}}]\ncontexts: [{name: x, context: {cluster: x, user: x}}]\ncurrent-context: x\n`,
    );
    const r = await runCli(['deploy', app, '-n', 'x', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(7);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1); // the message with its fix
    expect(lines[0]).toMatch(
      new RegExp(
        `^error: cannot reach the Kubernetes API at http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; fix: `,
      ),
    );
    const d = await runCli(['diff', app, '-n', 'x', '--kubeconfig', kubeconfig]);
    expect(d.code).toBe(2);
  });

  it('an unauthorized cluster fails with one line naming the server and the 401', async () => {
    const sim = await startSimulator({ token: 'right-token' });
    try {
      const kubeconfig = join(c.dir, 'wrong-token');
      await sim.writeKubeconfig(kubeconfig, { token: 'wrong-token' });
      const r = await runCli(['status', '-n', 'x', '--kubeconfig', kubeconfig]);
      expect(r.code).toBe(7);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(
        `error: the Kubernetes API at ${sim.url} refused the credentials of context stackanetes-simulator (401 Unauthorized); fix: `,
      );
      const ok = join(c.dir, 'right-token');
      await sim.writeKubeconfig(ok, { token: 'right-token' });
      const fine = await runCli(['history', '-n', 'x', '--kubeconfig', ok]);
      expect(fine.stderr).toMatch(/^error: no release in namespace x/);
      expect(fine.code).toBe(4);
    } finally {
      await sim.stop();
    }
  });

  it('gets credentials from an exec plugin through client-node, as kubectl does', async () => {
    const sim = await startSimulator({ token: 'plugin-token' });
    try {
      const credential = JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        kind: 'ExecCredential',
        status: { token: 'plugin-token' },
      });
      const kubeconfig = join(c.dir, 'exec-plugin');
      writeFileSync(
        kubeconfig,
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: 'sim', cluster: { server: sim.url } }],
          users: [
            {
              name: 'plugin',
              user: {
                exec: {
                  apiVersion: 'client.authentication.k8s.io/v1beta1',
                  command: process.execPath,
                  args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
                  interactiveMode: 'Never',
                },
              },
            },
          ],
          contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'plugin', namespace: 'plugged' } }],
          'current-context': 'sim',
        }),
      );
      const r = await runCli(['deploy', app, '--no-wait', '--kubeconfig', kubeconfig]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('release app in namespace plugged: revision 1 deployed');
    } finally {
      await sim.stop();
    }
  });

  it('rejects an invalid namespace name before contacting the cluster', async () => {
    c.sim.requests.reset();
    const r = await c.cli(['deploy', app, '-n', 'Bad_NS']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --namespace "Bad_NS" is not a valid namespace name; fix: /);
    expect(c.sim.requests.count()).toBe(0);
  });

  it('a damaged revision record is reported in one line naming its Secret, not as an internal error', async () => {
    expect((await c.cli(['deploy', app, '-n', 'damaged', '--no-wait'])).code).toBe(0);
    const damaged = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'stackanetes.io/release.v1',
      metadata: {
        name: 'stackanetes.release.app.v2',
        namespace: 'damaged',
        labels: {
          owner: 'stackanetes',
          'stackanetes.io/release': 'app',
          'stackanetes.io/revision': '2',
          'stackanetes.io/status': 'deployed',
        },
      },
      data: { release: Buffer.from('not gzipped json').toString('base64') },
    };
    expect((await c.kubectl(['create', '-f', '-'], JSON.stringify(damaged))).code).toBe(0);
    for (const verb of [['history'], ['deploy', app, '--no-wait']]) {
      const r = await c.cli([...verb, '-n', 'damaged']);
      expect(r.code).toBe(3);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^error: revision record damaged\/stackanetes\.release\.app\.v2 cannot be read/,
      );
      expect(lines[0]).not.toContain('internal error');
    }
  });

  it('follows KUBECONFIG and the context namespace when no flags are given', async () => {
    const kubeconfig = join(c.dir, 'with-namespace');
    await c.sim.writeKubeconfig(kubeconfig, { namespace: 'ctxns' });
    const r = await runCli(['deploy', app, '--no-wait'], { env: { KUBECONFIG: kubeconfig } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('release app in namespace ctxns: revision 1 deployed');
  });
});
