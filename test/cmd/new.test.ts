/** `stackanetes new`: a package scaffold that lints clean. */
import { join } from 'node:path';
import {
  expectGolden,
  expectOneLineError,
  isolateHome,
  ok,
  removeTemps,
  run,
  tempDir,
} from '../helpers/cmd.js';

let work: string;

beforeAll(() => {
  isolateHome();
  work = tempDir('new');
});
afterAll(removeTemps);

describe('stackanetes new', () => {
  it('creates the package files and lists them', async () => {
    const dir = join(work, 'hello');
    const result = ok(await run(['new', 'acme/hello', '--dir', dir]));
    expectGolden('new', 'created', result.stdout);
    // The scaffold is a package the other verbs accept as it is.
    expect(ok(await run(['lint', dir, '--strict'])).stdout).toMatch(/^acme\/hello 0\.1\.0: .*: valid$/m);
  });

  it('refuses to write into a directory that is not empty with exit 5', async () => {
    const dir = join(work, 'taken');
    ok(await run(['new', 'acme/taken', '--dir', dir]));
    const result = await run(['new', 'acme/taken', '--dir', dir]);
    expectOneLineError(
      result,
      5,
      /taken already exists and is not empty; fix: choose another --dir or remove the directory$/,
    );
  });

  it('rejects a name without a namespace with exit 3', async () => {
    const result = await run(['new', 'hello', '--dir', join(work, 'x')]);
    expectOneLineError(result, 3, /invalid package name "hello": must be "namespace\/name"/);
  });
});
