/**
 * The CLI with library packages: `generate` and `deploy` of a library stop with one error line
 * (and the fix) before touching anything; `lint` of a library compiles its partials and passes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/cli.js';
import { startSimulator, type Simulator } from '../../simulator/src/index.js';

const LIBRARY = join(repoRoot, 'packages', 'openstack-common');
const ERROR =
  'error: stackanetes/openstack-common@0.4.0 is a library package (package.kind: library) and has nothing to render or deploy';

let sim: Simulator;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'stackanetes-library-cli-'));
  await sim.writeKubeconfig(join(dir, 'kubeconfig'));
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The error part of stderr (the CLI may put the fix on the same line or the next one). */
const errorLine = (stderr: string): string => (stderr.split('\n')[0] ?? '').replace(/; fix: .*$/, '');

describe('library packages on the command line', () => {
  it('generate of a library fails with one error line and exit code 3', async () => {
    const result = await runCli(['generate', LIBRARY]);
    expect([result.code, errorLine(result.stderr), result.stdout]).toEqual([3, ERROR, '']);
    expect(result.stderr).toMatch(/libraries:/);
  });

  it('deploy of a library fails with the same line and writes nothing to the cluster', async () => {
    sim.requests.reset();
    const result = await runCli([
      'deploy',
      LIBRARY,
      '--namespace',
      'demo',
      '--kubeconfig',
      join(dir, 'kubeconfig'),
    ]);
    expect([result.code, errorLine(result.stderr)]).toEqual([3, ERROR]);
    expect(sim.requests.count({ write: true })).toBe(0);
  });

  it('lint of a library compiles its partials and passes', async () => {
    const result = await runCli(['lint', LIBRARY]);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/warning|error/);
    expect(result.stdout).toMatch(
      /^stackanetes\/openstack-common 0\.4\.0: library, \d+ partial\(s\) compiled: valid\n$/,
    );
  });
});
