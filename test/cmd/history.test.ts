/** `stackanetes history`: the revisions of a release, newest last. */
import { deployApp, expectGolden, expectOneLineError, json, ok, run, useCluster } from '../helpers/cmd.js';

const cluster = useCluster(async (c) => {
  await deployApp(c, 'shop');
  await deployApp(c, 'shop', '--set', 'greeting=hi');
});

describe('stackanetes history', () => {
  it('lists each revision with its status, root package and what changed', async () => {
    expectGolden('history', 'two-revisions', ok(await run(cluster.args('history', '-n', 'shop'))).stdout);
  });

  it('prints the revision records as JSON with -o json', async () => {
    const result = await run(cluster.args('history', '-n', 'shop', '-o', 'json'));
    expect(json<{ revisions: { status: string }[] }>(result).revisions.map((r) => r.status)).toEqual([
      'superseded',
      'deployed',
    ]);
    expectGolden('history', 'two-revisions.json', result.stdout);
  });

  it('rejects an unknown output format with exit 2 and one line', async () => {
    const result = await run(cluster.args('history', '-n', 'shop', '-o', 'xml'));
    expectOneLineError(
      result,
      2,
      /^error: --output "xml" is not a known format; fix: use one of table, json, yaml$/,
    );
  });

  it('says there is no release in a namespace with exit 4', async () => {
    expectOneLineError(
      await run(cluster.args('history', '-n', 'empty')),
      4,
      /^error: no release in namespace empty/,
    );
  });
});
