/** `stackanetes completion SHELL` and the hidden `__complete` the scripts call. */
import { expectGolden, expectOneLineError, isolateHome, ok, removeTemps, run } from '../helpers/cmd.js';

beforeAll(() => isolateHome());
afterAll(removeTemps);

describe('stackanetes completion', () => {
  it.each(['bash', 'zsh', 'fish'])('prints the %s script', async (shell) => {
    expectGolden('completion', shell, ok(await run(['completion', shell])).stdout);
  });

  it('completes verbs and the values of -o from the words typed so far', async () => {
    expect(ok(await run(['__complete', '--', 'dep'])).stdout).toBe('deploy\n');
    expect(ok(await run(['__complete', '--', 'status', '-o', ''])).stdout).toBe('table\njson\nyaml\n');
  });

  it('rejects a shell it has no script for with exit 2 and the choices', async () => {
    const result = await run(['completion', 'tcsh']);
    expectOneLineError(result, 2, /'tcsh' is invalid for argument 'shell'; fix: use one of bash, zsh, fish$/);
    expect(result.stdout).toBe('');
  });
});
