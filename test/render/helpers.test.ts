import { renderReference } from '../../src/render/pipeline.js';
import { manifest, memoryPackage, memorySource } from './support.js';

const variables = {
  name: 'Keystone',
  port: 5000,
  on: true,
  off: false,
  empty: '',
  hosts: ['a', 'b'],
  labels: { app: 'keystone', tier: 'api' },
  pattern: 'kolla/%s:2025.1',
};

/** Renders `expression` as the value of data.v of a ConfigMap and returns that value. */
async function evaluate(expression: string): Promise<unknown> {
  const pkg = memoryPackage({
    'manifest.yaml': manifest('test/helpers', { variables, resources: ['t.yaml.hbs'] }),
    't.yaml.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  v: ${expression}\n`,
    '_partials/ignored.txt': 'not a template',
  });
  const release = await renderReference({
    reference: 'test/helpers',
    namespace: 'ns',
    source: memorySource([pkg]),
    validate: false,
  });
  return (release.packages[0]?.objects[0]?.object.data as Record<string, unknown>).v;
}

describe('template helpers', () => {
  it.each([
    ['{{quote name}}', 'Keystone'],
    ['{{quote port}}', '5000'],
    ['{{quote (toJson labels)}}', '{"app":"keystone","tier":"api"}'],
    ['{{quote (lower name)}}', 'keystone'],
    ['{{quote (upper name)}}', 'KEYSTONE'],
    ['{{quote (trim "  x  ")}}', 'x'],
    ['{{quote (b64enc "password")}}', 'cGFzc3dvcmQ='],
    ['{{quote (b64dec "cGFzc3dvcmQ=")}}', 'password'],
    ['{{quote (sha256 "x")}}', '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881'],
    ['{{quote (default empty "fallback")}}', 'fallback'],
    ['{{quote (default name "fallback")}}', 'Keystone'],
    ['{{quote (format pattern "keystone")}}', 'kolla/keystone:2025.1'],
    ['{{quote (format "%s-%s%%" name port)}}', 'Keystone-5000%'],
    ['{{quote (join hosts ",")}}', 'a,b'],
    ['{{#if (eq port 5000)}}yes{{else}}no{{/if}}', 'yes'],
    ['{{#if (ne port 5000)}}yes{{else}}no{{/if}}', 'no'],
    ['{{#if (and on (not off))}}yes{{else}}no{{/if}}', 'yes'],
    ['{{#if (or off empty)}}yes{{else}}no{{/if}}', 'no'],
    ['{{quote (replace name "stone" "eys")}}', 'Keyeys'],
    ['{{quote (join (list "x" "y") "+")}}', 'x+y'],
    ['{{quote (toJson (dict "a" 1 b=2))}}', '{"a":1,"b":2}'],
    ['{{len hosts}}', 2],
    ['{{add port 1}}', 5001],
    ['{{quote (concat name "-" port)}}', 'Keystone-5000'],
    ['{{toJson hosts}}', ['a', 'b']],
    ['{{nindent 4 (toYaml labels)}}', { app: 'keystone', tier: 'api' }],
    ['{{quote (indent 2 "x")}}', '  x'],
    ['|{{nindent 4 (toYaml hosts)}}', '- a\n- b\n'],
    ['{{quote (required name "need a name")}}', 'Keystone'],
  ])('%s renders %j', async (expression, expected) => {
    expect(await evaluate(expression)).toEqual(expected);
  });

  it.each([
    [
      '{{quote (required empty "the keystone password is required")}}',
      't.yaml.hbs:6: required: the keystone password is required',
    ],
    [
      '{{quote (format pattern)}}',
      't.yaml.hbs:6: format: "kolla/%s:2025.1" has more %s than the 0 value(s) given',
    ],
    ['{{indent "x" "y"}}', 't.yaml.hbs:6: indent expects a non-negative integer width'],
    ['{{join name}}', 't.yaml.hbs:6: join expects a list, got string "Keystone"'],
    ['{{frobnicate name}}', 't.yaml.hbs:6: unknown helper "frobnicate"'],
    ['{{missing.deeply}}', 't.yaml.hbs:6: missing variable "missing.deeply" ("missing" is not defined)'],
    ['{{labels.nope}}', 't.yaml.hbs:6: missing variable "labels.nope"'],
    ['{{quote missing.deeply}}', 't.yaml.hbs:6: missing variable "missing" (reading missing.deeply)'],
    ['{{quote (include "nope")}}', 't.yaml.hbs:6: include: unknown partial "nope"'],
    ['{{#if on}}', 't.yaml.hbs:7: template syntax error'],
  ])('%s fails with the package, file and line', async (expression, message) => {
    await expect(evaluate(expression)).rejects.toThrow(`test/helpers ${message}`);
  });
});

describe('partials', () => {
  const pkg = memoryPackage({
    'manifest.yaml': manifest('test/partials', {
      variables: { app: 'api', broken: {} },
      resources: ['templates/cm.yaml.hbs'],
    }),
    'templates/_labels.yaml.hbs': 'app: {{app}}\nteam: core\n',
    'templates/sub/_broken.hbs': 'x: {{broken.value.deeper}}\n',
    'templates/cm.yaml.hbs':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    {{> labels}}\ndata:\n  labels: |{{nindent 4 (include "labels")}}\n',
  });

  it('are named after their file without "_" and the extension, indented where they stand, and never rendered as resources', async () => {
    const release = await renderReference({
      reference: 'test/partials',
      namespace: 'ns',
      source: memorySource([pkg]),
    });
    const objects = release.packages[0]?.objects ?? [];
    expect(objects).toHaveLength(1);
    expect(objects[0]?.object.metadata.labels).toMatchObject({ app: 'api', team: 'core' });
    expect((objects[0]?.object.data as Record<string, string>).labels).toBe('app: api\nteam: core\n');
  });

  it('report errors at the line of the partial file', async () => {
    const broken = memoryPackage({
      'manifest.yaml': manifest('test/partials', {
        variables: { broken: {} },
        resources: ['templates/cm.yaml.hbs'],
      }),
      'templates/sub/_broken.hbs': '# a comment\nx: {{broken.value.deeper}}\n',
      'templates/cm.yaml.hbs':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  {{> broken}}\n',
    });
    await expect(
      renderReference({ reference: 'test/partials', namespace: 'ns', source: memorySource([broken]) }),
    ).rejects.toThrow(
      'test/partials templates/sub/_broken.hbs:2: missing variable "broken.value.deeper" ("broken.value" is not defined)',
    );
  });
});

describe('invalid YAML output', () => {
  it('is reported at the template line that produced it', async () => {
    const pkg = memoryPackage({
      'manifest.yaml': manifest('test/yaml', { variables: { value: 'a: b: c' }, resources: ['t.yaml.hbs'] }),
      't.yaml.hbs': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  key: {{value}}\n',
    });
    await expect(
      renderReference({ reference: 'test/yaml', namespace: 'ns', source: memorySource([pkg]) }),
    ).rejects.toThrow(
      /^test\/yaml t\.yaml\.hbs:6: the template renders invalid YAML: .*\(rendered line 6: "key: a: b: c"\)$/,
    );
  });
});

describe('YAML alias expansion in rendered output', () => {
  it('is bounded, so a "billion laughs" document fails instead of exhausting memory', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    const pkg = memoryPackage({
      'manifest.yaml': manifest('test/bomb', { resources: ['t.yaml.hbs'] }),
      't.yaml.hbs': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`,
    });
    await expect(
      renderReference({ reference: 'test/bomb', namespace: 'ns', source: memorySource([pkg]) }),
    ).rejects.toThrow(
      'test/bomb t.yaml.hbs: document 1 expands to more than 200000 values through YAML aliases',
    );
  });
});

describe('the template cache', () => {
  it('reuses one engine (compiled templates) per package while its templates are unchanged', async () => {
    const { engineFor } = await import('../../src/render/engine.js');
    const files = {
      'manifest.yaml': manifest('test/cache', { resources: ['t.yaml.hbs'] }),
      't.yaml.hbs': 'a: 1\n',
    };
    const first = engineFor(memoryPackage(files, 'cache'));
    expect(engineFor(memoryPackage(files, 'cache'))).toBe(first);
    expect(engineFor(memoryPackage({ ...files, 't.yaml.hbs': 'a: 2\n' }, 'cache'))).not.toBe(first);
  });
});
