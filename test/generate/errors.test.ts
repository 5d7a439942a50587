import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runCli } from '../helpers/cli.js';

/** Writes packages (folder → files) under a fresh directory; every case gets its own copy. */
function workspace(
  packages: Record<string, Record<string, string>>,
  extra: Record<string, string> = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'stackanetes-errors-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  for (const [dir, files] of Object.entries(packages))
    for (const [path, text] of Object.entries(files)) write(join(root, dir, path), text);
  for (const [path, text] of Object.entries(extra)) write(join(root, path), text);
  return root;
}

const cm = (name: string, value = '{{quote value}}') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: ${value}\n`;

function pkg(
  name: string,
  body: string,
  templates: Record<string, string> = { 'templates/cm.yaml.hbs': cm('cm') },
): Record<string, string> {
  return { 'manifest.yaml': `package: {name: ${name}, version: 1.0.0}\n${body}`, ...templates };
}

const ok = pkg(
  'test/app',
  'variables: {value: v, port: 80, settings: {a: 1}}\nresources: [templates/cm.yaml.hbs]\n',
);

interface Case {
  what: string;
  packages: Record<string, Record<string, string>>;
  extra?: Record<string, string>;
  args: string[];
  message: RegExp;
  /** The exit code, where the case pins it. */
  code?: number;
  /** Symbolic links to create (path → target), relative to the workspace. */
  links?: Record<string, string>;
}

const cases: Case[] = [
  {
    what: 'a package path that does not exist, with no registry to read it as a reference',
    packages: { app: ok },
    args: ['generate', 'packages/nope'],
    message:
      /^error: "packages\/nope" is neither a package directory nor a \.tar\.gz file here, and no registry is given/,
  },
  {
    what: 'a YAML syntax error in a --variables file (with line and column)',
    packages: { app: ok },
    extra: { 'bad.yaml': 'value: ok\nsettings: [a, b\n' },
    args: ['generate', 'app', '--variables', 'bad.yaml'],
    message: /^error: bad\.yaml:\d+:\d+: invalid YAML: /,
  },
  {
    what: 'a string where the package default is a map',
    packages: { app: ok },
    extra: { 'p.yaml': 'settings: oops\n' },
    args: ['generate', 'app', '--variables', 'p.yaml'],
    message: /^error: --variables p\.yaml: settings: expected a map .* got string "oops"$/,
  },
  {
    what: 'a string where the package default is a number',
    packages: { app: ok },
    args: ['generate', 'app', '--set', 'port=eighty'],
    message:
      /^error: --set port=eighty: port: expected a number \(as 80 from test\/app defaults\), got string "eighty"$/,
  },
  {
    what: 'an unknown helper',
    packages: {
      app: pkg('test/app', 'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('cm', '{{frob value}}'),
      }),
    },
    args: ['generate', 'app'],
    message: /^error: test\/app templates\/cm\.yaml\.hbs:6: unknown helper "frob"$/,
  },
  {
    what: 'a missing variable',
    packages: {
      app: pkg('test/app', 'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('cm', '{{db.password}}'),
      }),
    },
    args: ['generate', 'app'],
    message:
      /^error: test\/app templates\/cm\.yaml\.hbs:6: missing variable "db\.password" \("db" is not defined\)$/,
  },
  {
    what: 'a helper used wrongly',
    packages: {
      app: pkg('test/app', 'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('cm', '{{quote (format "%s-%s" value)}}'),
      }),
    },
    args: ['generate', 'app'],
    message:
      /^error: test\/app templates\/cm\.yaml\.hbs:6: format: "%s-%s" has more %s than the 1 value\(s\) given$/,
  },
  {
    what: 'a bad package name',
    packages: { app: pkg('Test/App', 'resources: []\n') },
    args: ['generate', 'app'],
    message: /^error: app\/manifest\.yaml: package\.name: invalid package name "Test\/App": /,
  },
  {
    what: 'a bad version',
    packages: { app: { 'manifest.yaml': 'package: {name: test/app, version: "1.0"}\n' } },
    args: ['generate', 'app'],
    message: /^error: app\/manifest\.yaml: package\.version: invalid version "1\.0": must be semver 2\.0/,
  },
  {
    what: 'a template that renders invalid YAML',
    packages: {
      app: pkg('test/app', 'variables: {value: "a: b: c"}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('cm', '{{value}}'),
      }),
    },
    args: ['generate', 'app'],
    message: /^error: test\/app templates\/cm\.yaml\.hbs:6: the template renders invalid YAML: /,
  },
  {
    what: 'a dependency cycle among local packages',
    packages: {
      aa: pkg('test/aa', 'dependencies: [{name: test/bb}]\n', {}),
      bb: pkg('test/bb', 'dependencies: [{name: test/cc}]\n', {}),
      cc: pkg('test/cc', 'dependencies: [{name: test/aa}]\n', {}),
    },
    args: ['generate', 'aa'],
    message: /^error: dependency cycle: test\/aa -> test\/bb -> test\/cc -> test\/aa$/,
  },
  {
    what: 'a dependency with no directory',
    packages: { aa: pkg('test/aa', 'dependencies: [{name: test/missing, version: "^1.0.0"}]\n', {}) },
    args: ['generate', 'aa'],
    message:
      /^error: dependency test\/missing \^1\.0\.0 of test\/aa not found locally: no missing\/ next to aa$/,
  },
  {
    what: 'a local dependency whose version does not satisfy the range',
    packages: { aa: pkg('test/aa', 'dependencies: [{name: test/app, version: "^2.0.0"}]\n', {}), app: ok },
    args: ['generate', 'aa'],
    message: /^error: dependency test\/app \^2\.0\.0 of test\/aa not found locally: app has version 1\.0\.0$/,
  },
  {
    what: 'bad --set syntax',
    packages: { app: ok },
    args: ['generate', 'app', '--set', 'value'],
    message: /^error: --set "value": missing "=" \(expected path=value\)$/,
  },
  {
    what: 'a bad --set path',
    packages: { app: ok },
    args: ['generate', 'app', '--set', 'a..b=1'],
    message: /^error: --set "a\.\.b=1": bad path "a\.\.b": empty segment$/,
  },
  {
    what: 'an unknown --output format',
    packages: { app: ok },
    args: ['generate', 'app', '--output', 'xml'],
    message: /^error: --output "xml" is not a known format$/,
  },
  {
    what: 'a resource whose template file is missing',
    packages: { app: pkg('test/app', 'resources: [templates/nope.yaml.hbs]\n') },
    args: ['generate', 'app'],
    message:
      /^error: app\/manifest\.yaml: resources\[0\]\.file: template "templates\/nope\.yaml\.hbs" does not exist in the package$/,
  },
  {
    what: 'the same object twice in a release',
    packages: {
      aa: pkg(
        'test/aa',
        'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\ndependencies: [{name: $self}, {name: test/app}]\n',
      ),
      app: pkg('test/app', 'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\n'),
    },
    args: ['generate', 'aa'],
    message:
      /^error: ConfigMap default\/cm is rendered twice: by test\/aa templates\/cm\.yaml\.hbs and by test\/app templates\/cm\.yaml\.hbs$/,
  },
  {
    what: 'a when path that names no variable',
    packages: {
      app: pkg(
        'test/app',
        'variables: {value: v}\nresources: [{file: templates/cm.yaml.hbs, when: ceph.enabled}]\n',
      ),
    },
    args: ['generate', 'app'],
    message: /^error: test\/app manifest\.yaml: resources\[0\]: when: "ceph\.enabled" names no variable/,
  },
  {
    what: 'a malformed digest',
    packages: { aa: pkg('test/aa', 'dependencies: [{name: test/app, digest: "sha256:1234"}]\n', {}) },
    args: ['generate', 'aa'],
    message: /^error: aa\/manifest\.yaml: dependencies\[0\]\.digest: invalid digest "sha256:1234"$/,
  },
  {
    what: 'a cycle between derived defaults',
    packages: { app: pkg('test/app', 'variables: {a: "{{b}}", b: "{{a}}"}\n') },
    args: ['generate', 'app'],
    message: /^error: test\/app variables: derived defaults form a cycle: a -> b -> a$/,
  },
  {
    what: 'an object that violates the Kubernetes schema',
    packages: {
      app: pkg('test/app', 'variables: {replicas: two}\nresources: [templates/d.yaml.hbs]\n', {
        'templates/d.yaml.hbs':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: {{replicas}}\n  selector: {}\n  template: {}\n',
      }),
    },
    args: ['generate', 'app'],
    message:
      /^error: test\/app templates\/d\.yaml\.hbs: Deployment web: spec\.replicas: must be integer, got "two"$/,
  },
  {
    what: 'an object name the API server would reject',
    packages: {
      app: pkg('test/app', 'variables: {value: v}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('Keystone_Config'),
      }),
    },
    args: ['generate', 'app'],
    message:
      /^error: test\/app templates\/cm\.yaml\.hbs: ConfigMap Keystone_Config: metadata\.name: "Keystone_Config" must be a DNS subdomain/,
  },
  {
    what: 'a package directory that does not exist',
    packages: {},
    args: ['generate', 'nowhere'],
    message: /^error: package reference "nowhere" is not of the form \[registry\/\]namespace\/name/,
  },
  {
    what: 'a --variables file that does not exist',
    packages: { app: ok },
    args: ['generate', 'app', '--variables', 'missing.yaml'],
    message: /^error: --variables missing\.yaml: cannot read the file \(no such file\)$/,
  },
  {
    what: 'an invalid namespace',
    packages: { app: ok },
    args: ['generate', 'app', '--namespace', 'Open_Stack'],
    message: /^error: --namespace "Open_Stack" is not a valid namespace name$/,
  },
  {
    what: '--set __proto__.x=1 (refused, not silently dropped)',
    packages: { app: ok },
    args: ['generate', 'app', '--set', '__proto__.x=1'],
    message: /^error: --set "__proto__\.x=1": the key "__proto__" is not allowed in variables$/,
    code: 2,
  },
  {
    what: '--set constructor.prototype.x=1 (refused the same way as __proto__)',
    packages: { app: ok },
    args: ['generate', 'app', '--set', 'constructor.prototype.x=1'],
    message:
      /^error: --set "constructor\.prototype\.x=1": the key "constructor" is not allowed in variables$/,
    code: 2,
  },
  {
    what: 'an empty --namespace',
    packages: { app: ok },
    args: ['generate', 'app', '--namespace', ''],
    message: /^error: --namespace "" is empty$/,
    code: 2,
  },
  {
    what: 'a dangling symbolic link in the package',
    packages: { app: ok },
    links: { 'app/templates/gone.yaml': 'missing.yaml' },
    args: ['generate', 'app'],
    message:
      /^error: app: templates\/gone\.yaml is a symbolic link to "missing\.yaml", which does not exist$/,
    code: 3,
  },
  {
    what: 'a symbolic link loop in the package',
    packages: { app: ok },
    links: { 'app/templates/a': 'b', 'app/templates/b': 'a' },
    args: ['generate', 'app'],
    message: /^error: app: templates\/a is a symbolic link loop$/,
    code: 3,
  },
  {
    what: 'a symbolic link to a file outside the package',
    packages: { app: ok },
    links: { 'app/templates/passwd.txt': '/etc/passwd' },
    args: ['generate', 'app'],
    message:
      /^error: app: templates\/passwd\.txt is a symbolic link to \/etc\/passwd, outside the package: refused$/,
    code: 3,
  },
  {
    what: 'a document without kind',
    packages: {
      app: pkg('test/app', 'resources: [templates/x.yaml.hbs]\n', {
        'templates/x.yaml.hbs': 'apiVersion: v1\nmetadata: {name: x}\n',
      }),
    },
    args: ['generate', 'app'],
    message: /^error: test\/app templates\/x\.yaml\.hbs: document 1 has no kind$/,
  },
  {
    what: 'lint of a package with a broken branch that defaults leave off',
    packages: {
      app: pkg(
        'test/app',
        'variables: {value: v, extra: false}\nresources: [templates/cm.yaml.hbs, {file: templates/x.yaml.hbs, when: extra}]\n',
        {
          'templates/cm.yaml.hbs': cm('cm'),
          'templates/x.yaml.hbs': cm('x', '{{nope}}'),
        },
      ),
    },
    args: ['lint', 'app'],
    message: /^error: test\/app templates\/x\.yaml\.hbs:6: missing variable "nope"$/,
  },
];

describe('malformed input: one error line, a non-zero exit code and no stack trace', () => {
  it('has at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases.map((c) => [c.what, c] as const))('%s', async (_what, c) => {
    const dir = workspace(c.packages, c.extra);
    for (const [path, target] of Object.entries(c.links ?? {})) symlinkSync(target, join(dir, path));
    try {
      const result = await runCli(c.args, { cwd: dir });
      expect(result.code).not.toBe(0);
      if (c.code !== undefined) expect(result.code).toBe(c.code);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      // the message names what is wrong; the fix, when there is one, follows on the same line
      const [message, fix] = (lines[0] ?? '').split('; fix: ');
      expect(message).toMatch(c.message);
      if (fix !== undefined) expect(fix.length).toBeGreaterThan(5);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stderr).not.toContain(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('templates that reach for prototype methods', () => {
  it('render them empty without Handlebars printing its multi-line warning to stderr', async () => {
    const dir = workspace({
      app: pkg('test/app', 'variables: {settings: {a: 1}}\nresources: [templates/cm.yaml.hbs]\n', {
        'templates/cm.yaml.hbs': cm('cm', '"{{#with settings}}{{hasOwnProperty}}{{/with}}"'),
      }),
    });
    try {
      const result = await runCli(['generate', 'app'], { cwd: dir });
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(result.stdout).toContain("value: ''");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
