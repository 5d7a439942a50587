/**
 * The flagship from an OCI registry: every directory of packages/ pushed to docker-registry under
 * one path, then the stackanetes meta-package deployed to the simulator by its oci:// address,
 * its dependencies and libraries resolved from the same path.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../cluster/harness.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers.js';

const ociUrl = process.env.STACKANETES_TEST_OCI_URL as string;
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster({ readinessDelayMs: 20 });
});
afterAll(async () => {
  await cluster?.stop();
  removeTempDirs();
});

it('deploys the stackanetes meta-package from oci:// with every dependency pulled from the same path', async () => {
  const registry = `oci://${new URL(ociUrl).host}/stack-${process.pid}`;
  const home = tempDir('oci-stack-home');
  const env = { STACKANETES_HOME: home, HOME: home, CI: 'true' };
  const dirs = readdirSync(join(repoRoot, 'packages'))
    .map((d) => join(repoRoot, 'packages', d))
    .filter((d) => existsSync(join(d, 'manifest.yaml')));
  for (const dir of dirs) {
    const pushed = await runCli(['push', dir, '--registry', registry], { env });
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
  }
  const project = tempDir('oci-stack-project');
  // The lockfile is written beside the parameters file: keep both in the project, not the checkout.
  copyFileSync(join(repoRoot, 'parameters.yaml'), join(project, 'parameters.yaml'));
  const r = await cluster.cli(
    [
      'deploy',
      `${registry}/stackanetes/stackanetes`,
      '-n',
      'openstack',
      '--variables',
      join(project, 'parameters.yaml'),
      '--allow-cluster-scope',
    ],
    { cwd: project, env, timeoutMs: 300000 },
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('revision 1 deployed');
  expect(await cluster.get('deployment', 'keystone-api', 'openstack')).toBeDefined();
  const lock = readFileSync(join(project, 'stackanetes.lock'), 'utf8');
  expect(lock).toContain(`oci: ${registry}/stackanetes/keystone@sha256:`);
  expect(lock).toContain(`oci: ${registry}/stackanetes/stackanetes@sha256:`);
});
