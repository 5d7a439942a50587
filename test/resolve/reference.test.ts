import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseReference } from '../../src/resolve/reference.js';

const cwd = mkdtempSync(join(tmpdir(), 'stackanetes-refs-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const hex = 'a'.repeat(64);

describe('parseReference', () => {
  it.each([
    ['stackanetes/keystone', { kind: 'registry', name: 'stackanetes/keystone' }],
    ['stackanetes/keystone@0.3.0', { kind: 'registry', name: 'stackanetes/keystone', version: '0.3.0' }],
    ['stackanetes/keystone@^0.3.0', { kind: 'registry', name: 'stackanetes/keystone', version: '^0.3.0' }],
    [
      `stackanetes/keystone@sha256:${hex}`,
      { kind: 'registry', name: 'stackanetes/keystone', digest: `sha256:${hex}` },
    ],
    ['stackanetes/keystone:stable', { kind: 'registry', name: 'stackanetes/keystone', channel: 'stable' }],
    [
      'registry.example.com/stackanetes/keystone:beta',
      { kind: 'registry', registry: 'registry.example.com', name: 'stackanetes/keystone', channel: 'beta' },
    ],
    [
      '127.0.0.1:5000/ns/pkg@1.0.0',
      { kind: 'registry', registry: '127.0.0.1:5000', name: 'ns/pkg', version: '1.0.0' },
    ],
    [
      'https://registry.example.com/ns/pkg',
      { kind: 'registry', registry: 'https://registry.example.com', name: 'ns/pkg' },
    ],
    [
      'oci://ghcr.io/org/charts/ns/pkg:1.2.0',
      {
        kind: 'oci',
        host: 'ghcr.io',
        repository: 'org/charts/ns/pkg',
        prefix: 'org/charts',
        name: 'ns/pkg',
        version: '1.2.0',
      },
    ],
    [
      `oci://127.0.0.1:5000/ns/pkg@sha256:${hex}`,
      { kind: 'oci', host: '127.0.0.1:5000', repository: 'ns/pkg', digest: `sha256:${hex}` },
    ],
    ['./packages/keystone', { kind: 'directory', path: join(cwd, 'packages/keystone') }],
    ['keystone-0.3.0.tar.gz', { kind: 'tarball', path: join(cwd, 'keystone-0.3.0.tar.gz') }],
  ])('parses %s', (raw, expected) => {
    expect(parseReference(raw, cwd)).toMatchObject(expected);
  });

  it('treats an existing path that looks like namespace/name as the directory', () => {
    mkdirSync(join(cwd, 'packages', 'keystone'), { recursive: true });
    expect(parseReference('packages/keystone', cwd)).toMatchObject({ kind: 'directory' });
  });

  it.each([
    [
      'Stackanetes/Keystone',
      /package name in reference "Stackanetes\/Keystone": "Stackanetes\/Keystone" is not of the form namespace\/name/,
    ],
    ['just-a-name', /is not of the form \[registry\/\]namespace\/name/],
    ['ns/pkg@sha256:1234', /digest "sha256:1234" in "ns\/pkg@sha256:1234" is not sha256: followed by 64/],
    ['ns/pkg:Bad Channel', /channel "Bad Channel" is not a valid channel name/],
    ['oci://host', /is not of the form oci:\/\/host\[\/path\]\/namespace\/name/],
  ])('rejects %s naming the offending part', (raw, message) => {
    expect(() => parseReference(raw, cwd)).toThrow(InputError);
    expect(() => parseReference(raw, cwd)).toThrow(message);
  });
});
