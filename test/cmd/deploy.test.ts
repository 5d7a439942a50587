/** `stackanetes deploy`: a meta-package applied to the simulator and recorded as a revision. */
import { join } from 'node:path';
import {
  clusterFixtures,
  expectGolden,
  expectOneLineError,
  json,
  ok,
  run,
  splitProgress,
  useCluster,
  withoutRequestCounts,
} from '../helpers/cmd.js';

const cluster = useCluster();
const app = join(clusterFixtures, 'app');

describe('stackanetes deploy', () => {
  it('prints a line per package wave, a row per object and the revision it wrote', async () => {
    const result = ok(await run(cluster.args('deploy', app, '-n', 'shop')));
    const { progress, result: table } = splitProgress(result.stdout);
    expectGolden('deploy', 'first', table);
    expectGolden('deploy', 'first-progress', progress);
    expect(result.stderr).toBe('');
  });

  it('writes no revision when nothing changed, and --quiet leaves only the result', async () => {
    const result = ok(await run(cluster.args('deploy', app, '-n', 'shop', '--quiet')));
    expectGolden('deploy', 'unchanged', result.stdout);
  });

  it('prints the whole result as JSON with -o json and no progress lines', async () => {
    const result = await run(cluster.args('deploy', app, '-n', 'shop', '--set', 'greeting=hi', '-o', 'json'));
    expect(json<{ revision: number; outcome: string }>(result)).toMatchObject({
      revision: 2,
      outcome: 'deployed',
    });
    expectGolden('deploy', 'update.json', withoutRequestCounts(result.stdout));
  });

  it('rejects a --timeout that is not a duration with exit 2 before contacting the cluster', async () => {
    const before = cluster.sim.requests.count();
    const result = await run(cluster.args('deploy', app, '-n', 'shop', '--timeout', 'soon'));
    expectOneLineError(
      result,
      2,
      /^error: --timeout "soon" is not a duration; fix: write it like 90s, 5m or 1h30m$/,
    );
    expect(cluster.sim.requests.count()).toBe(before);
  });

  it('names a package directory that does not exist with exit 4', async () => {
    const result = await run(cluster.args('deploy', join(clusterFixtures, 'missing'), '-n', 'shop'));
    expectOneLineError(result, 4, /^error: package ".*missing" is not a local directory or tarball; fix: /);
  });

  it('rejects a namespace name Kubernetes would refuse with exit 2 and the rule', async () => {
    const result = await run(cluster.args('deploy', app, '-n', 'Bad_NS'));
    expectOneLineError(
      result,
      2,
      /^error: --namespace "Bad_NS" is not a valid namespace name; fix: use at most 63 lower-case letters/,
    );
  });
});
