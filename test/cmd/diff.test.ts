/** `stackanetes diff`: what deploy would change, with kubectl diff's exit codes (0 none, 1 changes, 2 error). */
import { join } from 'node:path';
import {
  clusterFixtures,
  deployApp,
  expectGolden,
  expectOneLineError,
  run,
  useCluster,
  withoutRequestCounts,
} from '../helpers/cmd.js';

const cluster = useCluster();
const app = join(clusterFixtures, 'app');

describe('stackanetes diff', () => {
  it('shows every object as created on an empty cluster and exits 1', async () => {
    const result = await run(cluster.args('diff', app, '-n', 'shop'));
    expect(result.code).toBe(1);
    expectGolden('diff', 'all-new', result.stdout);
    expect(result.stderr).toBe('');
  });

  it('shows a changed parameter as a unified diff of the objects it touches, exit 1', async () => {
    await deployApp(cluster, 'shop');
    const result = await run(cluster.args('diff', app, '-n', 'shop', '--set', 'greeting=hi'));
    expect(result.code).toBe(1);
    expectGolden('diff', 'set-greeting', result.stdout);
  });

  it('reports no changes with exit 0 after the same deploy', async () => {
    const result = await run(cluster.args('diff', app, '-n', 'shop'));
    expect(result.code).toBe(0);
    expectGolden('diff', 'no-changes', result.stdout);
  });

  it('prints the plan as JSON with -o json, keeping exit 1 for changes', async () => {
    const result = await run(cluster.args('diff', join(clusterFixtures, 'web'), '-n', 'other', '-o', 'json'));
    expect(result.code).toBe(1);
    expectGolden('diff', 'web-new.json', withoutRequestCounts(result.stdout));
  });

  it('turns bad input into exit 2, the code scripts read as "error", with one line', async () => {
    const result = await run(cluster.args('diff', app, '-n', 'shop', '--concurrency', '0'));
    expectOneLineError(result, 2, /^error: --concurrency "0" is not a whole number between 1 and 256$/);
    const missing = await run(cluster.args('diff', join(clusterFixtures, 'missing'), '-n', 'shop'));
    expectOneLineError(missing, 2, /^error: package ".*missing" is not a local directory or tarball; fix: /);
  });
});
