/** `stackanetes lint`: a package rendered with defaults and with every branch on, as text or JSON. */
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
} from '../helpers/cmd.js';

beforeAll(() => isolateHome());
afterAll(removeTemps);

describe('stackanetes lint', () => {
  it('sums up a meta-package in one line and warns on stderr', async () => {
    const result = ok(await run(['lint', join(clusterFixtures, 'app')]));
    expectGolden('lint', 'app', result.stdout);
    expectGolden('lint', 'app-warnings', result.stderr);
  });

  it('reports the same as data with --output json', async () => {
    const result = await run(['lint', join(clusterFixtures, 'web'), '--output', 'json']);
    expect(json<{ objects: { defaults: number } }>(result).objects.defaults).toBe(5);
    expectGolden('lint', 'web.json', result.stdout);
  });

  it('fails with exit 3 under --strict when a --set parameter is never used', async () => {
    const result = await run(['lint', join(clusterFixtures, 'web'), '--set', 'nothere=1', '--strict']);
    expect(result.code).toBe(3);
    expectGolden('lint', 'strict-unused', result.stderr);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown output format with exit 2 and one line', async () => {
    const result = await run(['lint', join(clusterFixtures, 'web'), '--output', 'xml']);
    expectOneLineError(result, 2, /--output "xml" is not a known format; fix: use one of text, json, yaml$/);
  });
});
