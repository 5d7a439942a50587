/** `stackanetes pull`: a release downloaded into a directory after its digest is checked. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectGolden, expectOneLineError, json, ok, run, tempDir, useRegistry } from '../helpers/cmd.js';

useRegistry({ login: true, push: ['web'] });
let work: string;

beforeAll(() => {
  work = tempDir('pull');
});

describe('stackanetes pull', () => {
  it('unpacks the default release into --dir and prints its digest', async () => {
    const result = ok(await run(['pull', 'regtest/web', '--dir', join(work, 'web')]));
    expectGolden('pull', 'web', result.stdout);
    expect(existsSync(join(work, 'web', 'manifest.yaml'))).toBe(true);
  });

  it('lists the files it wrote with --output json', async () => {
    const result = await run(['pull', 'regtest/web@1.0.0', '--dir', join(work, 'web2'), '--output', 'json']);
    expect(json<{ files: string[] }>(result).files).toContain('manifest.yaml');
    expectGolden('pull', 'web.json', result.stdout);
  });

  it('refuses a directory that is not empty with exit 5, writing nothing', async () => {
    const result = await run(['pull', 'regtest/web', '--dir', join(work, 'web')]);
    expectOneLineError(result, 5, /web already exists and is not empty; nothing was written; fix: /);
  });
});
