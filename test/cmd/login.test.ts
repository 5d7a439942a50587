/** `stackanetes login`: a token stored for a registry, which becomes the default when none is set. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

const registry = useRegistry();
/** The isolated stackanetes home useRegistry made for this file. */
const home = (): string => process.env.STACKANETES_HOME as string;

const login = (...flags: string[]) => ['login', registry.url, '-u', 'alice', '--password-stdin', ...flags];

describe('stackanetes login', () => {
  it('refuses a wrong password with exit 6 and one line, storing nothing', async () => {
    const result = await run(login(), { stdin: 'not-the-password\n' });
    expectOneLineError(
      result,
      6,
      /^error: registry 127\.0\.0\.1:\d+ refused the credentials \(login as alice\): wrong user name or password; fix: check the user name and password$/,
    );
    expect(existsSync(join(home(), 'credentials.json'))).toBe(false);
  });

  it('stores the token and makes the first registry the default', async () => {
    const result = ok(await run(login(), { stdin: 'password\n' }));
    expectGolden('login', 'first', result.stdout);
    expect(existsSync(join(home(), 'credentials.json'))).toBe(true);
  });

  it('prints the stored login as JSON with -o json', async () => {
    const result = await run(login('-o', 'json'), { stdin: 'password\n' });
    expect(json<{ username: string }>(result).username).toBe('alice');
    expectGolden('login', 'again.json', result.stdout);
  });

  it('asks for -u with exit 2 when no user name is given and stdin is not a terminal', async () => {
    const result = await run(['login', registry.url, '--password-stdin'], { stdin: 'password\n' });
    expectOneLineError(result, 2, /^error: no user name given; fix: pass -u USER$/);
  });
});
