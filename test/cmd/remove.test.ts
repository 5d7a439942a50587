/** `stackanetes remove`: what a release deployed deleted in reverse order; protected kinds kept. */
import { join } from 'node:path';
import {
  clusterFixtures,
  deployApp,
  expectGolden,
  expectOneLineError,
  json,
  ok,
  run,
  useCluster,
} from '../helpers/cmd.js';

const cluster = useCluster(async (c) => {
  await deployApp(c, 'shop');
});
const app = join(clusterFixtures, 'app');

describe('stackanetes remove', () => {
  it('deletes the objects in reverse order, keeps the PVC and Namespace, and drops the revision records', async () => {
    expectGolden('remove', 'removed', ok(await run(cluster.args('remove', app, '-n', 'shop'))).stdout);
  });

  it('reports everything absent on a second run, as JSON with -o json', async () => {
    const result = await run(cluster.args('remove', app, '-n', 'shop', '-o', 'json'));
    expect(json<{ revisions: unknown[] }>(result).revisions).toEqual([]);
    expectGolden('remove', 'again.json', result.stdout);
  });

  it('rejects a --concurrency out of range with exit 2 before deleting anything', async () => {
    const result = await run(cluster.args('remove', app, '-n', 'shop', '--concurrency', '0'));
    expectOneLineError(result, 2, /^error: --concurrency "0" is not a whole number between 1 and 256$/);
  });
});
