/** `stackanetes logout`: the stored token revoked at the registry and forgotten. */
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

const registry = useRegistry({ login: true });

describe('stackanetes logout', () => {
  it('logs out of the registry it is logged in to', async () => {
    expectGolden('logout', 'logged-out', ok(await run(['logout', registry.url])).stdout);
  });

  it('says no token was stored on a second logout, as JSON with -o json', async () => {
    const result = await run(['logout', registry.url, '-o', 'json']);
    expect(json<{ removed: boolean }>(result).removed).toBe(false);
    expectGolden('logout', 'nothing-stored.json', result.stdout);
    expectGolden('logout', 'nothing-stored', ok(await run(['logout', registry.url])).stdout);
  });

  it('rejects an unknown output format with exit 2 before touching the credentials', async () => {
    const result = await run(['logout', registry.url, '-o', 'xml']);
    expectOneLineError(result, 2, /--output "xml" is not a known format; fix: use one of table, json, yaml$/);
  });

  it('refuses a registry address without a host with exit 2 and the fix', async () => {
    for (const address of ['http://', 'https:///']) {
      expectOneLineError(
        await run(['logout', address]),
        2,
        new RegExp(`^error: registry address "${address}" has no host; fix: give a host`),
      );
    }
  });
});
