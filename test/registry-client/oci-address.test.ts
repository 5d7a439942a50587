/**
 * The OCI address rule without a registry: `oci://host[:port]/path` + `namespace/name` and its
 * selectors, the dependency `registry:` field, and credentials read from the Docker config.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseManifest } from '../../src/package/manifest.js';
import { dockerCredential } from '../../src/registry/docker-config.js';
import {
  ociReferenceFor,
  parseOciReference,
  parseOciRegistry,
  parseRegistryReference,
} from '../../src/resolve/reference.js';

describe('OCI addresses', () => {
  it.each([
    ['oci://r.example/team/stackanetes/keystone', {}],
    ['oci://r.example/team/stackanetes/keystone:0.3.0', { version: '0.3.0' }],
    ['oci://r.example/team/stackanetes/keystone@0.3.0', { version: '0.3.0' }],
    ['oci://r.example/team/stackanetes/keystone@^0.3', { version: '^0.3' }],
    ['oci://r.example/team/stackanetes/keystone:stable', { channel: 'stable' }],
    [
      `oci://r.example/team/stackanetes/keystone@sha256:${'b'.repeat(64)}`,
      { digest: `sha256:${'b'.repeat(64)}` },
    ],
  ])('%s names stackanetes/keystone under team with its selector', (raw, selector) => {
    const ref = parseOciReference(raw);
    expect(ref).toEqual({
      kind: 'oci',
      raw,
      host: 'r.example',
      repository: 'team/stackanetes/keystone',
      prefix: 'team',
      name: 'stackanetes/keystone',
      ...selector,
    });
  });

  it('keeps the port and allows a package at the root of the host', () => {
    expect(parseOciReference('oci://127.0.0.1:5000/ns/pkg:1.0.0')).toMatchObject({
      host: '127.0.0.1:5000',
      prefix: '',
      repository: 'ns/pkg',
      name: 'ns/pkg',
    });
  });

  it('gives the same address for --registry oci://host/path plus namespace/name as written in full', () => {
    const viaFlag = ociReferenceFor(
      'oci://r.example/team/',
      parseRegistryReference('stackanetes/keystone:stable'),
    );
    const full = parseOciReference('oci://r.example/team/stackanetes/keystone:stable');
    expect({ ...viaFlag, raw: '' }).toEqual({ ...full, raw: '' });
    expect(parseOciRegistry('oci://r.example:443/a/b')).toEqual({ host: 'r.example:443', prefix: 'a/b' });
  });

  it.each([
    ['oci://r.example/keystone:1.0.0', 'does not end in a package name namespace/name'],
    ['oci://r.example/team/ns/pkg@not-a-range!', 'is not a version or semver range'],
    ['oci://r.example/Team/ns/pkg', 'is not a valid OCI repository name'],
    ['oci://r.example/team/ns/pkg:-bad', 'is not a valid channel name'],
  ])('refuses %s in one line', (raw, message) => {
    expect(() => parseOciReference(raw)).toThrow(InputError);
    expect(() => parseOciReference(raw)).toThrow(message);
  });
});

describe('dependency registry:', () => {
  const base = 'package: {name: demo/meta, version: 1.0.0}\n';
  it('accepts an oci:// or App Registry address on a dependency', () => {
    const manifest = parseManifest(
      `${base}dependencies:\n  - {name: demo/db, version: "^1.0.0", registry: "oci://r.example:5000/team"}\n  - {name: demo/web, registry: "https://apps.example"}\n`,
      'manifest.yaml',
    );
    expect(manifest.dependencies.map((d) => d.registry)).toEqual([
      'oci://r.example:5000/team',
      'https://apps.example',
    ]);
  });

  it('refuses an address that is not one, naming the field', () => {
    expect(() =>
      parseManifest(
        `${base}dependencies:\n  - {name: demo/db, registry: "r.example team"}\n`,
        'manifest.yaml',
      ),
    ).toThrow('manifest.yaml: dependencies[0].registry: invalid registry "r.example team"');
  });
});

describe('Docker config credentials', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stackanetes-docker-config-'));
    mkdirSync(join(dir, '.docker'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (doc: unknown) => writeFileSync(join(dir, '.docker', 'config.json'), JSON.stringify(doc));

  it('reads a plain auths entry written as a host or as a URL', async () => {
    write({
      auths: {
        'https://r.example:5000/v1/': { auth: Buffer.from('alice:placeholder').toString('base64') },
        'other.example': { username: 'bob', password: 'placeholder-2' },
      },
    });
    expect(await dockerCredential({ HOME: dir }, 'r.example:5000')).toBe('alice:placeholder');
    expect(await dockerCredential({ HOME: dir }, 'other.example')).toBe('bob:placeholder-2');
    expect(await dockerCredential({ HOME: dir }, 'r.example')).toBeUndefined();
  });

  it('prefers DOCKER_CONFIG and ignores credential helpers', async () => {
    write({ auths: { 'r.example': { auth: Buffer.from('home:x').toString('base64') } } });
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(
      join(elsewhere, 'config.json'),
      JSON.stringify({ credsStore: 'desktop', auths: { 'r.example': {} } }),
    );
    expect(await dockerCredential({ HOME: dir, DOCKER_CONFIG: elsewhere }, 'r.example')).toBeUndefined();
    expect(await dockerCredential({ HOME: dir }, 'r.example')).toBe('home:x');
  });

  it('refuses a config that is not JSON, naming the file', async () => {
    writeFileSync(join(dir, '.docker', 'config.json'), '{');
    await expect(dockerCredential({ HOME: dir }, 'r.example')).rejects.toThrow(
      `${join(dir, '.docker', 'config.json')} is not valid JSON`,
    );
  });
});
