/** `stackanetes status`: a release's objects and whether each is ready now. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../services/ports.mjs';
import {
  deployApp,
  expectGolden,
  expectOneLineError,
  json,
  ok,
  run,
  tempDir,
  useCluster,
} from '../helpers/cmd.js';

const cluster = useCluster(async (c) => {
  await deployApp(c, 'shop');
});

describe('stackanetes status', () => {
  it('prints the revision, a row per object and how many are ready', async () => {
    expectGolden('status', 'ready', ok(await run(cluster.args('status', '-n', 'shop'))).stdout);
  });

  it('prints the same as JSON with -o json', async () => {
    const result = await run(cluster.args('status', '-n', 'shop', '--release', 'app', '-o', 'json'));
    expect(json<{ ready: number; total: number }>(result)).toMatchObject({ ready: 12, total: 12 });
    expectGolden('status', 'ready.json', result.stdout);
  });

  it('says there is no release in a namespace with exit 4 and the fix', async () => {
    const result = await run(cluster.args('status', '-n', 'empty'));
    expectOneLineError(
      result,
      4,
      /^error: no release in namespace empty; fix: check --namespace, or deploy a package first$/,
    );
    expect(result.stdout).toBe('');
  });

  it('names a kubeconfig that does not exist with exit 3', async () => {
    const result = await run(['status', '--kubeconfig', join(tempDir('status'), 'missing')]);
    expectOneLineError(
      result,
      3,
      /^error: kubeconfig \S+missing does not exist; fix: pass --kubeconfig FILE or set KUBECONFIG$/,
    );
  });

  it('fails with exit 7 and the fix when nothing answers at the API address', async () => {
    const kubeconfig = join(tempDir('status'), 'kubeconfig');
    const server = `http://127.0.0.1:${await freePort()}`;
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: gone, cluster: {server: "${server}"}}]`,
        'users: [{name: me, user: {}}]',
        'contexts: [{name: gone, context: {cluster: gone, user: me}}]',
        'current-context: gone',
        '',
      ].join('\n'),
    );
    const result = await run(['status', '--kubeconfig', kubeconfig]);
    expectOneLineError(
      result,
      7,
      /^error: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*; fix: check that the cluster is running/,
    );
  });
});
