import { parseManifest } from '../../src/package/manifest.js';
import { InputError } from '../../src/errors.js';

const base = 'package: {name: stackanetes/keystone, version: 0.3.0}\n';
const digest = `sha256:${'a'.repeat(64)}`;

describe('manifest.yaml validation', () => {
  it('accepts a full manifest with every dependency form and keeps variables as any YAML', () => {
    const manifest = parseManifest(
      `${base}variables:\n  list: [1, {a: b}]\n  text: "{{x}}"\nresources:\n  - templates/a.yaml.hbs\n  - {file: templates/b.yaml.hbs, when: "!ceph.enabled"}\ndependencies:\n  - {name: stackanetes/mariadb, version: "^0.3.0"}\n  - {name: stackanetes/rabbitmq, channel: stable, when: messaging.enabled}\n  - {name: stackanetes/etcd, digest: "${digest}", variables: {replicas: 3}}\n  - {name: $self}\n  - {name: stackanetes/memcached}\n`,
      'manifest.yaml',
    );
    expect(manifest.variables).toEqual({ list: [1, { a: 'b' }], text: '{{x}}' });
    expect(manifest.resources).toEqual([
      { file: 'templates/a.yaml.hbs' },
      { file: 'templates/b.yaml.hbs', when: '!ceph.enabled' },
    ]);
    expect(manifest.dependencies.map((d) => d.name)).toEqual([
      'stackanetes/mariadb',
      'stackanetes/rabbitmq',
      'stackanetes/etcd',
      '$self',
      'stackanetes/memcached',
    ]);
    expect(manifest.dependencies[2]).toEqual({
      name: 'stackanetes/etcd',
      digest,
      variables: { replicas: 3 },
    });
  });

  it.each([
    ['package: {name: Keystone, version: 0.3.0}', 'm.yaml: package.name: invalid package name "Keystone"'],
    ['package: {name: stackanetes/k, version: 0.3.0}', 'part "k" must match'],
    ['package: {name: a/b/c, version: 0.3.0}', 'exactly one "/"'],
    ['package: {name: stackanetes/keystone, version: 0.3}', 'm.yaml: package.version: invalid version 0.3'],
    ['package: {name: stackanetes/keystone, version: "v1.0.0"}', 'invalid version "v1.0.0"'],
    ['package: {name: stackanetes/keystone}', 'package.version: invalid version undefined'],
    [`${base}resources: [{file: /etc/passwd}]`, 'resources[0].file: "/etc/passwd" must be a relative path'],
    [`${base}resources: [{file: ../x.hbs}]`, 'must be a relative path inside the package'],
    [
      `${base}resources: [{file: a.hbs, when: "ceph enabled"}]`,
      'resources[0].when: invalid condition "ceph enabled"',
    ],
    [`${base}resources: [{file: a.hbs, whem: x}]`, 'resources[0].whem: unknown field'],
    [
      `${base}dependencies: [{name: stackanetes/aa, version: "^1", channel: stable}]`,
      'dependencies[0]: give exactly one of version, channel or digest, got version and channel',
    ],
    [
      `${base}dependencies: [{name: stackanetes/aa, version: "not a range"}]`,
      'dependencies[0].version: invalid semver range "not a range"',
    ],
    [
      `${base}dependencies: [{name: stackanetes/aa, digest: "sha256:abc"}]`,
      'dependencies[0].digest: invalid digest "sha256:abc"',
    ],
    [
      `${base}dependencies: [{name: stackanetes/aa}, {name: stackanetes/aa}]`,
      'dependencies[1].name: "stackanetes/aa" is listed twice',
    ],
    [`${base}dependencies: [{name: stackanetes/keystone}]`, 'is this package itself'],
    [`${base}dependencies: [{name: $self, version: "1.0.0"}]`, '$self takes no version'],
    [`${base}variables: [a, b]`, 'variables: must be a map'],
    [`${base}extra: 1`, '(top level).extra: unknown field'],
    [`${base}resources:\n  - file: a\n   bad: indent`, /^m\.yaml:\d+:\d+: invalid YAML: /],
  ])('rejects %j', (text, message) => {
    let error: unknown;
    try {
      parseManifest(text, 'm.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    if (typeof message === 'string') expect((error as Error).message).toContain(message);
    else expect((error as Error).message).toMatch(message);
  });
});
