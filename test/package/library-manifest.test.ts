import { parseManifest } from '../../src/package/manifest.js';
import { isLibrary } from '../../src/package/types.js';

const parse = (text: string) => () => parseManifest(text, 'pkg/manifest.yaml');

describe('library manifests', () => {
  it('reads package.kind library and a libraries list with the dependency pin rules', () => {
    const lib = parseManifest('package: {name: acme/common, version: 1.0.0, kind: library}\n', 'm');
    expect(isLibrary(lib)).toBe(true);
    const app = parseManifest(
      [
        'package: {name: acme/web, version: 1.0.0, kind: application}',
        'libraries:',
        '  - {name: acme/common, version: "^1.0.0"}',
        '  - {name: acme/extra, channel: stable}',
        `  - {name: acme/pinned, digest: "sha256:${'a'.repeat(64)}"}`,
      ].join('\n'),
      'm',
    );
    expect(isLibrary(app)).toBe(false);
    expect(app.libraries).toEqual([
      { name: 'acme/common', version: '^1.0.0' },
      { name: 'acme/extra', channel: 'stable' },
      { name: 'acme/pinned', digest: `sha256:${'a'.repeat(64)}` },
    ]);
  });

  it('rejects an unknown package.kind', () => {
    expect(parse('package: {name: acme/web, version: 1.0.0, kind: chart}')).toThrow(
      'pkg/manifest.yaml: package.kind: must be "application" or "library", got "chart"',
    );
  });

  it.each([
    [
      'resources',
      'resources: [{file: templates/a.yaml.hbs}]',
      'renders nothing itself, so it has no resources',
    ],
    ['dependencies', 'dependencies: [{name: acme/db}]', 'is not deployed, so it has no dependencies'],
    ['libraries', 'libraries: [{name: acme/other}]', 'cannot use other libraries'],
    ['variables', 'variables: {replicas: 1}', 'has no variables'],
  ])('rejects a library with %s', (field, line, reason) => {
    expect(parse(`package: {name: acme/common, version: 1.0.0, kind: library}\n${line}\n`)).toThrow(
      `pkg/manifest.yaml: ${field}: a library package (package.kind: library) ${reason}`,
    );
  });

  it.each([
    [
      'two pins',
      '[{name: acme/common, version: "^1", channel: stable}]',
      'libraries[0]: give exactly one of version, channel or digest',
    ],
    [
      'a bad range',
      '[{name: acme/common, version: "one"}]',
      'libraries[0].version: invalid semver range "one"',
    ],
    ['an unknown field', '[{name: acme/common, variables: {}}]', 'libraries[0].variables: unknown field'],
    [
      'a duplicate',
      '[{name: acme/common}, {name: acme/common}]',
      'libraries[1].name: "acme/common" is listed twice',
    ],
    ['itself', '[{name: acme/web}]', 'libraries[0].name: "acme/web" is this package itself'],
    ['$self', '[{name: $self}]', 'libraries[0].name: invalid package name "$self"'],
    [
      'a short-name clash',
      '[{name: acme/common}, {name: other/common}]',
      'libraries[1].name: "other/common" and "acme/common" would both provide the partials "common/…"',
    ],
  ])('rejects libraries with %s', (_label, list, message) => {
    expect(parse(`package: {name: acme/web, version: 1.0.0}\nlibraries: ${list}\n`)).toThrow(
      `pkg/manifest.yaml: ${message}`,
    );
  });
});
