/** `stackanetes config view|get|set|unset`: config.yaml in the stackanetes home. */
import { expectGolden, expectOneLineError, isolateHome, json, ok, removeTemps, run } from '../helpers/cmd.js';

beforeAll(() => isolateHome());
afterAll(removeTemps);

describe('stackanetes config', () => {
  it('views an empty configuration', async () => {
    expectGolden('config', 'view-empty', ok(await run(['config', 'view'])).stdout);
  });

  it('sets a named registry and the default, and says where', async () => {
    const named = ok(await run(['config', 'set', 'registries.local.url', 'https://registry.example.com']));
    const dflt = ok(await run(['config', 'set', 'default', 'local']));
    expectGolden('config', 'set', named.stdout + dflt.stdout);
  });

  it('views the configuration as a table and as JSON', async () => {
    expectGolden('config', 'view', ok(await run(['config', 'view'])).stdout);
    const result = await run(['config', 'view', '-o', 'json']);
    expect(json<{ default: string }>(result).default).toBe('local');
    expectGolden('config', 'view.json', result.stdout);
  });

  it('gets one value as bare text for scripts', async () => {
    expect(ok(await run(['config', 'get', 'default'])).stdout).toBe('local\n');
  });

  it('unsets a value, after which get exits 4 with the command that sets it', async () => {
    expectGolden('config', 'unset', ok(await run(['config', 'unset', 'default'])).stdout);
    const result = await run(['config', 'get', 'default']);
    expectOneLineError(
      result,
      4,
      /^error: default is not set; fix: set it with `stackanetes config set default VALUE`$/,
    );
  });

  it('rejects an unknown key with exit 2 and the keys it knows', async () => {
    const result = await run(['config', 'set', 'bogus', 'x']);
    expectOneLineError(
      result,
      2,
      /^error: unknown config key "bogus"; fix: use default or registries\.NAME\.url$/,
    );
  });
});
