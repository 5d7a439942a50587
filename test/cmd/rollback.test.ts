/** `stackanetes rollback`: an earlier revision re-applied as a new revision. */
import {
  deployApp,
  expectGolden,
  expectOneLineError,
  json,
  ok,
  run,
  splitProgress,
  useCluster,
  withoutRequestCounts,
} from '../helpers/cmd.js';

const cluster = useCluster(async (c) => {
  await deployApp(c, 'shop');
  await deployApp(c, 'shop', '--set', 'greeting=hi');
});

describe('stackanetes rollback', () => {
  it('re-applies the revision before the current one as revision 3', async () => {
    const result = ok(await run(cluster.args('rollback', '-n', 'shop')));
    const { progress, result: table } = splitProgress(result.stdout);
    expectGolden('rollback', 'previous', table);
    expectGolden('rollback', 'previous-progress', progress);
  });

  it('rolls back to a named revision and prints the result as JSON with -o json', async () => {
    const result = await run(cluster.args('rollback', '2', '-n', 'shop', '-o', 'json'));
    expect(json<{ revision: number; from: number }>(result)).toMatchObject({ revision: 4, from: 2 });
    expectGolden('rollback', 'to-2.json', withoutRequestCounts(result.stdout));
  });

  it('rejects a revision that is not a number with exit 2 and the command that lists them', async () => {
    const result = await run(cluster.args('rollback', 'x', '-n', 'shop'));
    expectOneLineError(
      result,
      2,
      /^error: revision "x" is not a revision number; fix: see `stackanetes history`$/,
    );
  });

  it('names a revision the release does not have with exit 4', async () => {
    const result = await run(cluster.args('rollback', '99', '-n', 'shop'));
    expect(result.code).toBe(4);
    expectGolden('rollback', 'missing-revision', result.stderr);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
