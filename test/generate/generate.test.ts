import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, runCli } from '../helpers/cli.js';

const meta = join('test', 'fixtures', 'render', 'precedence', 'meta');

describe('stackanetes generate', () => {
  it('writes one multi-document YAML stream in deploy order, with source comments', async () => {
    const result = await runCli(['generate', meta, '--namespace', 'openstack', '--set', 'child.l6=cli']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.stdout).map(
      (d) =>
        d.toJS() as {
          kind: string;
          metadata: { name: string; namespace?: string };
          data?: Record<string, string>;
        },
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ConfigMap/meta',
      'ConfigMap/meta-extra',
      'ConfigMap/child-values',
      'Deployment/child',
    ]);
    expect(docs.every((d) => d.metadata.namespace === 'openstack')).toBe(true);
    expect(docs[2]?.data?.l6).toBe('cli');
    expect(result.stdout).toContain('# Source: test/child templates/values.yaml.hbs');
  });

  it('writes a kubectl-readable List with --output json', async () => {
    const result = await runCli(['generate', meta, '--output', 'json']);
    expect(result.code).toBe(0);
    const list = JSON.parse(result.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items).toHaveLength(4);
  });

  it('writes one file per object into a directory with --out, named in deploy order, replacing what it wrote before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-generate-'));
    try {
      const out = join(dir, 'manifests');
      const result = await runCli(['generate', meta, '--out', out, '--release', 'cloud']);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
      const files = readdirSync(out)
        .filter((f) => !f.startsWith('.'))
        .sort();
      expect(files).toEqual([
        '001-meta-configmap-meta.yaml',
        '002-meta-configmap-meta-extra.yaml',
        '003-child-configmap-child-values.yaml',
        '004-child-deployment-child.yaml',
      ]);
      expect(readFileSync(join(out, files[3] ?? ''), 'utf8')).toContain('app.kubernetes.io/part-of: cloud');
      writeFileSync(join(out, 'mine.yaml'), 'kept');
      const fewer = await runCli(['generate', meta, '--out', out, '--set', 'extra.disabled=true']);
      expect(fewer.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual([
        '.stackanetes-generated',
        '001-meta-configmap-meta.yaml',
        '002-child-configmap-child-values.yaml',
        '003-child-deployment-child.yaml',
        'mine.yaml',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing when rendering fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-generate-'));
    try {
      const out = join(dir, 'manifests');
      const result = await runCli(['generate', meta, '--out', out, '--set', 'child.settings=oops']);
      expect(result.code).toBe(3);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stackanetes new and lint', () => {
  it('scaffold a package that lints clean with --strict and renders', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-new-'));
    try {
      const created = await runCli(['new', 'acme/web-app'], { cwd: dir });
      expect(created.code).toBe(0);
      expect(readdirSync(join(dir, 'web-app')).sort()).toEqual(['README.md', 'manifest.yaml', 'templates']);
      const lint = await runCli(['lint', 'web-app', '--strict'], { cwd: dir });
      expect(lint.stderr).toBe('');
      expect(lint.code).toBe(0);
      expect(lint.stdout).toMatch(
        /^acme\/web-app 0\.1\.0: 1 package, 2 objects with defaults, 2 with every branch on: valid/,
      );
      const rendered = await runCli(['generate', 'web-app', '--set', 'image.tag=1.28'], { cwd: dir });
      expect(rendered.stdout).toContain('image: docker.io/nginxinc/nginx-unprivileged:1.28');
      const again = await runCli(['new', 'acme/web-app'], { cwd: dir });
      expect(again.code).toBe(5);
      expect(again.stderr).toMatch(/^error: web-app already exists and is not empty/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad package name for new', async () => {
    const result = await runCli(['new', 'NoSlash'], { cwd: tmpdir() });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: stackanetes new: invalid package name "NoSlash"/);
  });

  it('counts a meta parameter as used when a dependency reads it at the root or under its key', async () => {
    const meta = await runCli([
      'lint',
      join(repoRoot, 'test', 'fixtures', 'render', 'precedence', 'meta'),
      '--output',
      'json',
    ]);
    expect(meta.code).toBe(0);
    const report = JSON.parse(meta.stdout) as {
      unused: unknown[];
      packages: string[];
      objects: { defaults: number; allBranches: number };
    };
    expect(report.packages).toEqual(['test/meta', 'test/child', 'test/optional']);
    expect(report.objects).toEqual({ defaults: 4, allBranches: 5 });
    expect(report.unused).toEqual([]);
  });

  it('reports a parameter of --variables or --set that no package reads (a typo would otherwise do nothing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-lint-'));
    try {
      const file = join(dir, 'typo.yaml');
      writeFileSync(
        file,
        'l2: read-by-child\nchild: {l5: used, l55: typo}\n"test/child": {settings: {keep: x}}\n',
      );
      const result = await runCli([
        'lint',
        join(repoRoot, meta),
        '--variables',
        file,
        '--set',
        'chidl.l6=typo',
        '--set',
        'child.l6=used',
        '--set',
        'meta.l6=under-the-root-key',
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr.trim().split('\n')).toEqual([
        `warning: --variables ${file}: parameter child.l55 is never used by a template, derived default or condition`,
        'warning: --set chidl.l6=typo: parameter chidl.l6 is never used by a template, derived default or condition',
      ]);
      const strict = await runCli(['lint', join(repoRoot, meta), '--set', 'chidl.l6=typo', '--strict']);
      expect(strict.code).toBe(3);
      const whole = await runCli([
        'lint',
        'packages/stackanetes',
        '--variables',
        'parameters.yaml',
        '--output',
        'json',
      ]);
      expect((JSON.parse(whole.stdout) as { unused: unknown[] }).unused).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports unused parameters as warnings, and fails on them with --strict', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-lint-'));
    try {
      mkdirSync(join(dir, 'app', 'templates'), { recursive: true });
      writeFileSync(
        join(dir, 'app', 'manifest.yaml'),
        'package: {name: test/app, version: 1.0.0}\nvariables: {used: 1, unused: {deep: 2}}\nresources: [templates/cm.yaml.hbs]\n',
      );
      writeFileSync(join(dir, 'app', 'README.md'), '# test/app\n\nVariables: used, unused.\n');
      writeFileSync(
        join(dir, 'app', 'templates', 'cm.yaml.hbs'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  used: {{quote used}}\n',
      );
      const relaxed = await runCli(['lint', 'app'], { cwd: dir });
      expect(relaxed.code).toBe(0);
      expect(relaxed.stderr.trim()).toBe(
        'warning: test/app: parameter unused.deep is never used by a template, derived default or condition',
      );
      const strict = await runCli(['lint', 'app', '--strict'], { cwd: dir });
      expect(strict.code).toBe(3);
      expect(strict.stderr).toContain('error: lint --strict: 1 warning(s) in test/app');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('lint and package documentation', () => {
  it('warns when README.md is missing or leaves out a variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stackanetes-lint-'));
    try {
      mkdirSync(join(dir, 'app'), { recursive: true });
      writeFileSync(
        join(dir, 'app', 'manifest.yaml'),
        'package: {name: test/app, version: 1.0.0}\nvariables: {when_on: true}\nresources: []\ndependencies: [{name: test/dep, when: when_on}]\n',
      );
      mkdirSync(join(dir, 'dep'), { recursive: true });
      writeFileSync(
        join(dir, 'dep', 'manifest.yaml'),
        'package: {name: test/dep, version: 1.0.0}\nvariables: {documented: 1, secret_knob: 2}\n',
      );
      writeFileSync(join(dir, 'dep', 'README.md'), 'documented: what it does\n');
      const result = await runCli(['lint', 'app'], { cwd: dir });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: test/app: no README.md');
      expect(result.stderr).toContain(
        'warning: test/dep: README.md does not mention the variable secret_knob',
      );
      expect(result.stderr).not.toContain('variable documented');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
