/** `stackanetes version`: the client version alone, and with the registry's API version. */
import { clientVersion } from '../../src/version.js';
import { expectGolden, expectOneLineError, json, ok, run, useRegistry } from '../helpers/cmd.js';

const registry = useRegistry();

/** The client version follows package.json; the golden files hold a placeholder so a release bump does not rewrite them. */
const withoutClient = (text: string): string => text.split(clientVersion()).join('<client-version>');

describe('stackanetes version', () => {
  it('prints only the client version when no registry is configured', async () => {
    const result = ok(await run(['version']));
    expectGolden('version', 'client-only', withoutClient(result.stdout));
    expect(result.stderr).toBe('');
  });

  it("prints the registry's API version next to the client's with --registry", async () => {
    const result = ok(await run(['version', '--registry', registry.url]));
    expectGolden('version', 'with-registry', withoutClient(result.stdout));
  });

  it('prints the same as one JSON object with -o json', async () => {
    const result = await run(['version', '--registry', registry.url, '-o', 'json']);
    expect(json<{ client: string }>(result).client).toBe(clientVersion());
    expectGolden('version', 'with-registry.json', withoutClient(result.stdout));
  });

  it('rejects an unknown output format with exit 2 before contacting the registry', async () => {
    const result = await run(['version', '-o', 'xml']);
    expectOneLineError(result, 2, /--output "xml" is not a known format; fix: use one of table, json, yaml$/);
    expect(result.stdout).toBe('');
  });
});
