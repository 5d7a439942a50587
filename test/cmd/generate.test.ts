/** `stackanetes generate`: a local package rendered to one YAML or JSON stream, or to files. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterFixtures,
  expectGolden,
  expectOneLineError,
  isolateHome,
  json,
  ok,
  removeTemps,
  run,
  tempDir,
} from '../helpers/cmd.js';

const web = join(clusterFixtures, 'web');

beforeAll(() => isolateHome());
afterAll(removeTemps);

describe('stackanetes generate', () => {
  it('writes every object of a package as one YAML stream with its source', async () => {
    const result = ok(await run(['generate', web, '-n', 'shop', '--set', 'web.replicas=3']));
    expectGolden('generate', 'web', result.stdout);
    expect(result.stderr).toBe('');
  });

  it('writes a JSON List with --output json', async () => {
    const result = await run(['generate', join(clusterFixtures, 'db'), '--output', 'json']);
    const list = json<{ kind: string; items: { kind: string }[] }>(result);
    expect(list.items.map((i) => i.kind)).toEqual(['ServiceAccount', 'Secret', 'Service', 'StatefulSet']);
    expectGolden('generate', 'db.json', result.stdout);
  });

  it('writes one file per object with --out DIR and says how many on stderr', async () => {
    const out = join(tempDir('generate'), 'manifests');
    const result = ok(await run(['generate', web, '--out', out]));
    expect(result.stdout).toBe('');
    expectGolden('generate', 'out-dir', result.stderr);
    expect(readdirSync(out, { recursive: true }).length).toBeGreaterThanOrEqual(5);
  });

  it('names a package that does not exist with exit 4 and one line', async () => {
    const result = await run(['generate', join(clusterFixtures, 'missing')]);
    expectOneLineError(result, 4, /package ".*missing" is not a local directory or tarball; fix: /);
    expect(result.stdout).toBe('');
  });

  it('refuses an output format it does not write with exit 2', async () => {
    const result = await run(['generate', web, '--output', 'table']);
    expectOneLineError(
      result,
      2,
      /--output "table" is not a known format; fix: use one of yaml, json; write files into a directory with --out DIR$/,
    );
  });
});
