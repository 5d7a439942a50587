/** `stackanetes status`: a release's objects and whether each is ready now. */
import {
  deployApp,
  expectGolden,
  expectOneLineError,
  isolateHome,
  json,
  ok,
  removeTemps,
  run,
  startCluster,
  type TestCluster,
} from '../helpers/cmd.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
  isolateHome();
  await deployApp(cluster, 'shop');
});
afterAll(async () => {
  await cluster?.stop();
  removeTemps();
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
});
