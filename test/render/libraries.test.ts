/**
 * Library packages end to end on disk: a package's `libraries:` are found in sibling directories
 * like dependencies, their partials are available as `<short name>/<partial>` next to the
 * package's own, rendered packages record the library releases, and every misuse (missing
 * library, unknown partial, a library with resources, rendering a library, a library as a
 * dependency, an application as a library) is one clear error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createActionContext } from '../../src/actions/context.js';
import { lint } from '../../src/actions/lint.js';
import { renderReference } from '../../src/render/pipeline.js';
import { InputError, NotFoundError } from '../../src/errors.js';

let root: string;

/** Writes `files` (relative path → text) as package folder `dir` under the test's root. */
function writePackage(dir: string, files: Record<string, string>): string {
  const base = join(root, dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), text);
  }
  return base;
}

const LIBRARY = {
  'manifest.yaml': 'package: {name: test/shared, version: 1.2.0, kind: library}\n',
  'README.md': '# test/shared\n\nPartials: cm, labels.\n',
  'templates/_labels.hbs': 'app.kubernetes.io/name: {{app}}\n',
  'templates/_cm.hbs': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: {{name}}',
    '  labels:',
    '    {{> shared/labels}}',
    'data:',
    '  greeting: {{quote greeting}}',
    '',
  ].join('\n'),
};

function app(
  templates: Record<string, string>,
  extra: { libraries?: string; name?: string; dependencies?: string } = {},
): Record<string, string> {
  return {
    'manifest.yaml': [
      `package: {name: ${extra.name ?? 'test/app'}, version: 1.0.0}`,
      'variables: {greeting: hello}',
      `resources: [${Object.keys(templates)
        .filter((f) => !f.split('/').pop()?.startsWith('_'))
        .map((f) => JSON.stringify({ file: f }))
        .join(', ')}]`,
      extra.libraries ?? 'libraries: [{name: test/shared, version: "^1.0.0"}]',
      extra.dependencies ?? '',
      '',
    ].join('\n'),
    ...templates,
  };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'stackanetes-libraries-'));
  writePackage('shared', LIBRARY);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

const render = (dir: string) => renderReference({ reference: join(root, dir), namespace: 'demo', cwd: root });

describe('library packages', () => {
  it('renders with namespaced library partials from the sibling directory, next to the package own partials', async () => {
    writePackage(
      'app',
      app({
        'templates/_cm.hbs': 'local partial {{greeting}}',
        'templates/cm.yaml.hbs':
          '{{> shared/cm name="from-library" app="demo"}}\n---\n{{> shared/cm name="second" app="other" greeting=(include "cm" this)}}\n',
      }),
    );
    const release = await render('app');
    const objects = release.packages[0]?.objects.map((o) => o.object) ?? [];
    expect(
      objects.map((o) => [o.metadata.name, o.metadata.labels?.['app.kubernetes.io/name'], o.data]),
    ).toEqual([
      ['from-library', 'demo', { greeting: 'hello' }],
      ['second', 'other', { greeting: 'local partial hello' }],
    ]);
    expect(release.packages[0]?.libraries).toEqual([
      { name: 'test/shared', version: '1.2.0', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) },
    ]);
  });

  it('fails with one line naming the library when it is not next to the package', async () => {
    writePackage(
      'app',
      app(
        { 'templates/cm.yaml.hbs': '{{> missing/cm}}\n' },
        { libraries: 'libraries: [{name: test/missing}]' },
      ),
    );
    const err = await render('app').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as Error).message).toMatch(/^dependency test\/missing of test\/app not found locally/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('fails when the sibling library does not satisfy the version range', async () => {
    writePackage(
      'app',
      app(
        { 'templates/cm.yaml.hbs': '{{> shared/cm}}\n' },
        { libraries: 'libraries: [{name: test/shared, version: "^2.0.0"}]' },
      ),
    );
    await expect(render('app')).rejects.toThrow(
      /test\/shared \^2\.0\.0 of test\/app not found locally: shared has version 1\.2\.0/,
    );
  });

  it('names the library and its partials for an unknown library partial', async () => {
    writePackage('app', app({ 'templates/cm.yaml.hbs': '{{> shared/nope}}\n' }));
    await expect(render('app')).rejects.toThrow(
      'test/app templates/cm.yaml.hbs:1: unknown partial "shared/nope": library test/shared has no partial "nope" (it has cm, labels)',
    );
  });

  it('says which libraries the package uses for a partial of a library it does not list', async () => {
    writePackage('app', app({ 'templates/cm.yaml.hbs': '{{nindent 2 (include "other/cm" this)}}\n' }));
    await expect(render('app')).rejects.toThrow(
      /unknown partial "other\/cm": no library "other" in libraries: of test\/app's manifest.yaml \(it uses test\/shared\)/,
    );
  });

  it('locates an error inside a library partial in the library file', async () => {
    writePackage('app', app({ 'templates/cm.yaml.hbs': '{{> shared/cm name="x"}}\n' }));
    await expect(render('app')).rejects.toThrow(
      'test/app: library test/shared templates/_labels.hbs:1: missing variable "app"',
    );
  });

  it('refuses to render a library with one line and a hint', async () => {
    const err = await render('shared').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      'test/shared@1.2.0 is a library package (package.kind: library) and has nothing to render or deploy',
    );
    expect((err as InputError).hint).toMatch(/libraries:/);
  });

  it('refuses a library listed under dependencies', async () => {
    writePackage(
      'meta',
      app(
        { 'templates/cm.yaml.hbs': '{{> shared/cm name="x" app="y"}}\n' },
        { name: 'test/meta', dependencies: 'dependencies: [{name: test/shared}]' },
      ),
    );
    await expect(render('meta')).rejects.toThrow(
      'test/shared@1.2.0 is a library package (package.kind: library) and cannot be a dependency of test/meta (dependencies[0])',
    );
  });

  it('refuses an application listed under libraries', async () => {
    writePackage(
      'other',
      app({ 'templates/cm.yaml.hbs': '{{> shared/cm name="o" app="o"}}\n' }, { name: 'test/other' }),
    );
    writePackage(
      'app',
      app({ 'templates/cm.yaml.hbs': '{{> other/cm}}\n' }, { libraries: 'libraries: [{name: test/other}]' }),
    );
    await expect(render('app')).rejects.toThrow(
      'test/app manifest.yaml: libraries[0]: test/other is not a library package (its manifest.yaml has no package.kind: library)',
    );
  });

  it('refuses a library that declares resources when it is loaded', async () => {
    writePackage('shared', {
      ...LIBRARY,
      'manifest.yaml':
        'package: {name: test/shared, version: 1.2.0, kind: library}\nresources: [{file: templates/cm.yaml.hbs}]\n',
      'templates/cm.yaml.hbs': 'x: 1\n',
    });
    writePackage('app', app({ 'templates/cm.yaml.hbs': '{{> shared/cm}}\n' }));
    await expect(render('app')).rejects.toThrow(
      /shared\/manifest.yaml: resources: a library package \(package\.kind: library\) renders nothing itself, so it has no resources/,
    );
  });

  it('lint of a library compiles its partials and reports a broken one with file and line', async () => {
    await expect(
      lint(createActionContext({ cwd: root, env: process.env }), { reference: join(root, 'shared') }),
    ).resolves.toMatchObject({
      package: 'test/shared',
      warnings: [],
    });
    writePackage('shared', { ...LIBRARY, 'templates/_bad.hbs': 'ok\n{{nindnet 2 x}}\n' });
    await expect(
      lint(createActionContext({ cwd: root, env: process.env }), { reference: join(root, 'shared') }),
    ).rejects.toThrow('test/shared templates/_bad.hbs:2: unknown helper "nindnet"');
  });

  it('lint of a library requires its partials to call each other by their namespaced name', async () => {
    writePackage('shared', { ...LIBRARY, 'templates/_cm.hbs': 'labels:\n  {{> labels}}\n' });
    await expect(
      lint(createActionContext({ cwd: root, env: process.env }), { reference: join(root, 'shared') }),
    ).rejects.toThrow(
      'test/shared templates/_cm.hbs:2: partial "labels" must be called "shared/labels" inside a library',
    );
  });

  it('lint of a package counts what the library partials it calls read as used', async () => {
    writePackage('app', {
      ...app({ 'templates/cm.yaml.hbs': '{{> shared/cm name="x" app="y"}}\n' }),
      'README.md': 'greeting, unused\n',
    });
    const manifestPath = join(root, 'app', 'manifest.yaml');
    writeFileSync(
      manifestPath,
      [
        'package: {name: test/app, version: 1.0.0}',
        'variables: {greeting: hello, unused: 1}',
        'resources: [{file: templates/cm.yaml.hbs}]',
        'libraries: [{name: test/shared}]',
        '',
      ].join('\n'),
    );
    const result = await lint(createActionContext({ cwd: root, env: process.env }), {
      reference: join(root, 'app'),
    });
    expect(result.unused).toEqual([{ package: 'test/app', path: 'unused' }]);
  });
});
