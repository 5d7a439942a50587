/**
 * `stackanetes` itself, before any verb: --version, --help, an unknown verb, and the rule that
 * keeps this folder findable: every verb --help lists has its own test/cmd/<verb>.test.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildProgram } from '../../src/cli/main.js';
import { clientVersion } from '../../src/version.js';
import { isolateHome, ok, removeTemps, repoRoot, run } from '../helpers/cmd.js';

beforeAll(() => isolateHome());
afterAll(removeTemps);

/** The verbs a user sees (help and the hidden completion helper excluded). */
function verbs(): string[] {
  const silent = { out: () => undefined, err: () => undefined, isTTY: false, color: false };
  return buildProgram({ writer: silent, debug: false, setExitCode: () => undefined })
    .commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
    .map((c) => c.name());
}

describe('stackanetes', () => {
  it('has a test file under test/cmd for every verb', () => {
    const missing = verbs().filter((verb) => !existsSync(join(repoRoot, 'test', 'cmd', `${verb}.test.ts`)));
    expect(missing).toEqual([]);
  });

  it('prints the client version with --version', async () => {
    expect(ok(await run(['--version'])).stdout).toBe(`${clientVersion()}\n`);
  });

  // The text wraps at the terminal's width (commander reads process.stdout.columns), so it is
  // checked for its verbs rather than compared with a golden file.
  it('lists every verb with --help and exits 0', async () => {
    const result = ok(await run(['--help']));
    for (const verb of verbs()) expect(result.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
  });

  it('suggests the nearest verb for a misspelt one on one line and exits 2', async () => {
    const result = await run(['deplyo']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "error: unknown command 'deplyo'; fix: did you mean deploy? (stackanetes --help lists them)\n",
    );
  });

  it('gives every usage error commander finds one line that ends with the fix', async () => {
    for (const [argv, line] of [
      [['deploy'], "error: missing required argument 'ref'; fix: see stackanetes deploy --help"],
      [['status', '--bogus'], "error: unknown option '--bogus'; fix: see stackanetes status --help"],
      [
        ['generate', '--set'],
        "error: option '--set <path=value>' argument missing; fix: see stackanetes generate --help",
      ],
    ] as const) {
      const result = await run([...argv]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`${line}\n`);
    }
  });
});
