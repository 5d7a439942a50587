import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseRegistry, normaliseRegistryUrl, readUserConfig } from '../../src/config/config.js';
import { findCredential, removeCredential, saveCredential, scopesFor } from '../../src/config/credentials.js';
import { InputError } from '../../src/errors.js';
import { defaultLockfilePath, readLockfile, writeLockfile } from '../../src/resolve/lockfile.js';
import { removeTempDirs, tempDir } from './helpers.js';

describe('config and credentials', () => {
  it('picks the most specific credential scope: host:ns/pkg, then host:ns, then host, then *', async () => {
    const env = { STACKANETES_HOME: tempDir('cfg') };
    await saveCredential(env, '*', { token: 'any' });
    await saveCredential(env, 'reg.example.com', { token: 'host' });
    await saveCredential(env, 'reg.example.com:team', { token: 'ns' });
    await saveCredential(env, 'reg.example.com:team/app', { token: 'pkg' });
    expect((await findCredential(env, 'reg.example.com', 'team/app'))?.token).toBe('pkg');
    expect((await findCredential(env, 'reg.example.com', 'team/other'))?.token).toBe('ns');
    expect((await findCredential(env, 'reg.example.com', 'else/app'))?.token).toBe('host');
    expect((await findCredential(env, 'other.example.com'))?.token).toBe('any');
    expect(scopesFor('h', 'a/b')).toEqual(['h:a/b', 'h:a', 'h', '*']);
    expect(statSync(join(env.STACKANETES_HOME, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(await removeCredential(env, 'reg.example.com:team/app')).toBe(true);
    expect((await findCredential(env, 'reg.example.com', 'team/app'))?.token).toBe('ns');
  });

  it('chooses the registry from the explicit value, then STACKANETES_REGISTRY, then config.yaml (names resolve)', async () => {
    const home = tempDir('cfg');
    writeFileSync(
      join(home, 'config.yaml'),
      'default: corp\nregistries:\n  corp: {url: https://registry.corp.example}\n',
    );
    const config = await readUserConfig({ STACKANETES_HOME: home });
    expect(chooseRegistry(config, {})).toBe('https://registry.corp.example');
    expect(chooseRegistry(config, { STACKANETES_REGISTRY: 'localhost:5000' })).toBe('http://localhost:5000');
    expect(chooseRegistry(config, { STACKANETES_REGISTRY: 'localhost:5000' }, 'corp')).toBe(
      'https://registry.corp.example',
    );
    expect(normaliseRegistryUrl('registry.example.com/cnr/')).toBe('https://registry.example.com/cnr');
  });

  it('names the file and field of a malformed config.yaml', async () => {
    const home = tempDir('cfg');
    writeFileSync(join(home, 'config.yaml'), 'registries:\n  corp: {url: 42}\n');
    await expect(readUserConfig({ STACKANETES_HOME: home })).rejects.toThrow(
      `${join(home, 'config.yaml')}: registries.corp.url must be a URL string`,
    );
  });
});

describe('lockfile', () => {
  it('lives beside the first --variables file, else in cwd', () => {
    expect(defaultLockfilePath('/work', ['conf/parameters.yaml', 'other.yaml'])).toBe(
      '/work/conf/stackanetes.lock',
    );
    expect(defaultLockfilePath('/work')).toBe('/work/stackanetes.lock');
  });

  it('round-trips sorted by name and is not rewritten when unchanged', async () => {
    const path = join(tempDir('lock'), 'stackanetes.lock');
    const lock = {
      roots: ['ns/meta'],
      packages: [
        { name: 'ns/z', version: '1.0.0', digest: `sha256:${'b'.repeat(64)}`, registry: 'https://r.example' },
        { name: 'ns/a', version: '2.0.0', path: 'packages/a' },
      ],
    };
    expect(await writeLockfile(path, lock)).toBe(true);
    expect(await writeLockfile(path, lock)).toBe(false);
    const read = await readLockfile(path);
    expect(read?.packages.map((p) => p.name)).toEqual(['ns/a', 'ns/z']);
    expect(readFileSync(path, 'utf8')).toMatch(/^# Written by stackanetes/);
  });

  it('names the broken field of a damaged lockfile and how to fix it', async () => {
    const path = join(tempDir('lock'), 'stackanetes.lock');
    writeFileSync(
      path,
      'lockVersion: 1\nroots: []\npackages:\n  - name: ns/a\n    version: 1.0.0\n    digest: md5:abc\n',
    );
    await expect(readLockfile(path)).rejects.toThrow(InputError);
    await expect(readLockfile(path)).rejects.toThrow(`${path}: packages[0].digest is missing or malformed`);
  });
});

afterAll(() => removeTempDirs());
