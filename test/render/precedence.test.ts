import { join } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import type { RenderedRelease } from '../../src/model/types.js';
import { configMapTemplate, fixtures, manifest, memoryPackage, memorySource } from './support.js';

const meta = join(fixtures, 'precedence', 'meta');
const userFile = join(fixtures, 'precedence', 'user.yaml');

function data(release: RenderedRelease, name: string): Record<string, string> {
  for (const pkg of release.packages) {
    for (const { object } of pkg.objects)
      if (object.kind === 'ConfigMap' && object.metadata.name === name)
        return object.data as Record<string, string>;
  }
  throw new Error(`no ConfigMap ${name}`);
}

describe('variable precedence (DESIGN §3)', () => {
  it('gives each level priority over the one below it, from package defaults to --set', async () => {
    const release = await renderReference({
      reference: meta,
      namespace: 'ns1',
      variableFiles: [userFile],
      sets: ['child.l6=user-set'],
    });
    const child = data(release, 'child-values');
    expect([child.l1, child.l2, child.l3, child.l4, child.l5, child.l6]).toEqual([
      'default', // 1 the dependency's own variables
      'meta-root', // 2 meta parameters at the root
      'meta-key', // 3 meta parameters under the dependency's key
      'entry', // 4 the dependency entry's variables
      'user-file', // 5a --variables
      'user-set', // 5b --set
    ]);
  });

  it('without user input, the dependency entry wins over the meta parameters', async () => {
    const release = await renderReference({ reference: meta, namespace: 'ns1' });
    expect(data(release, 'child-values')).toMatchObject({
      l3: 'meta-key',
      l4: 'entry',
      l5: 'entry',
      l6: 'entry',
    });
  });

  it('accepts the full package name as the dependency key and applies files and --set in order', async () => {
    const release = await renderReference({
      reference: meta,
      namespace: 'ns1',
      variableFiles: [userFile],
      sets: ['"test/child".l5=by-full-name', 'child.l5=later-set-wins'],
    });
    expect(data(release, 'child-values').l5).toBe('later-set-wins');
    const only = await renderReference({
      reference: meta,
      namespace: 'ns1',
      sets: ['"test/child".l5=by-full-name'],
    });
    expect(data(only, 'child-values').l5).toBe('by-full-name');
  });

  it('within one layer, lets the full-name key (the unambiguous one) win over the short-name key', async () => {
    const both = memoryPackage({
      'manifest.yaml': manifest('test/both', {
        variables: { 'test/types': { tag: 'full' }, types: { tag: 'short' } },
        dependencies: [{ name: 'test/types', version: '^1.0.0' }],
      }),
    });
    const types = memoryPackage({
      'manifest.yaml': manifest('test/types', { variables: { tag: 'default' }, resources: ['t.yaml.hbs'] }),
      't.yaml.hbs': configMapTemplate('t', ['tag']),
    });
    const fromMeta = await renderReference({
      reference: 'test/both',
      namespace: 'ns',
      source: memorySource([both, types]),
    });
    expect(data(fromMeta, 't').tag).toBe('full');
  });

  it('applies the user parameters to the meta-package itself', async () => {
    const release = await renderReference({ reference: meta, namespace: 'ns1', sets: ['l6=root-set'] });
    expect(data(release, 'meta').l6).toBe('root-set');
  });

  it('deep-merges maps, replaces lists and deletes keys set to null', async () => {
    const release = await renderReference({
      reference: meta,
      namespace: 'ns1',
      sets: ['child.settings.list=[z]', 'child.settings.drop=null', 'child.settings.added=1'],
    });
    expect(JSON.parse(data(release, 'child-values').settings ?? '')).toEqual({
      keep: 'default',
      list: ['z'],
      added: 1,
    });
  });
});

describe('derived defaults', () => {
  it('follow an override of the value they derive from', async () => {
    const before = await renderReference({ reference: meta, namespace: 'ns1' });
    expect(data(before, 'child-values').image).toBe('registry.example/child:1.0');
    const after = await renderReference({
      reference: meta,
      namespace: 'other',
      sets: ['deployment.image.base=quay.example/x-%s:2'],
    });
    expect(data(after, 'child-values').image).toBe('quay.example/x-child:2');
    expect(data(after, 'child-values').url).toBe('http://child.other.svc:8080');
  });

  it('keep the value type when the whole string is one expression', async () => {
    const release = await renderReference({ reference: meta, namespace: 'ns1', sets: ['ha.replicas=3'] });
    const deployment = release.packages.flatMap((p) => p.objects).find((o) => o.object.kind === 'Deployment');
    expect((deployment?.object.spec as { replicas: unknown }).replicas).toBe(3);
    expect(data(release, 'child-values').replicasType).toBe('number');
  });

  it('are evaluated in dependency order, and a cycle names the variable paths', async () => {
    const ordered = memoryPackage({
      'manifest.yaml': manifest('test/derived', {
        variables: { c: '{{b}}-c', b: '{{a}}-b', a: 'a' },
        resources: ['t.yaml.hbs'],
      }),
      't.yaml.hbs': configMapTemplate('d', ['c']),
    });
    const release = await renderReference({
      reference: 'test/derived',
      namespace: 'ns',
      source: memorySource([ordered]),
    });
    expect(data(release, 'd').c).toBe('a-b-c');
    const cyclic = memoryPackage({
      'manifest.yaml': manifest('test/cyclic', {
        variables: { x: { a: '{{x.b}}', b: '{{x.a}}' } },
        resources: [],
      }),
    });
    await expect(
      renderReference({ reference: 'test/cyclic', namespace: 'ns', source: memorySource([cyclic]) }),
    ).rejects.toThrow('test/cyclic variables: derived defaults form a cycle: x.a -> x.b -> x.a');
  });

  it('evaluate expressions, helpers, data variables and blocks with the types the doc promises', async () => {
    const pkg = memoryPackage({
      'manifest.yaml': manifest('test/forms', {
        variables: {
          n: 2,
          on: true,
          typed: '{{add n 1}}',
          list: '{{list n "x"}}',
          map: '{{dict "a" n}}',
          text: 'n={{n}} in {{@release.namespace}} by {{@package.name}}',
          block: '{{#if on}}yes{{else}}no{{/if}}',
          escaped: '\\{{n}}',
          padded: ' {{n}} ',
          rooted: '{{@root.n}}',
        },
      }),
    });
    const release = await renderReference({
      reference: 'test/forms',
      namespace: 'ns',
      source: memorySource([pkg]),
    });
    expect(release.packages[0]?.variables).toMatchObject({
      typed: 3,
      list: [2, 'x'],
      map: { a: 2 },
      text: 'n=2 in ns by test/forms',
      block: 'yes',
      escaped: '{{n}}',
      padded: 2,
      rooted: 2,
    });
  });

  it('a derived default that reads a missing variable names the variable path', async () => {
    const pkg = memoryPackage({
      'manifest.yaml': manifest('test/broken', { variables: { image: { name: '{{nope.base}}' } } }),
    });
    await expect(
      renderReference({ reference: 'test/broken', namespace: 'ns', source: memorySource([pkg]) }),
    ).rejects.toThrow(
      /test\/broken variables: image\.name: missing variable "nope\.base" \("nope" is not defined\)/,
    );
  });
});

describe('type checks between a value and the default it overrides', () => {
  const pkg = memoryPackage({
    'manifest.yaml': manifest('test/types', {
      variables: {
        replicas: 1,
        enabled: true,
        tag: 'latest',
        db: { host: 'h' },
        hosts: ['a'],
        derived: '{{replicas}}',
      },
      resources: ['t.yaml.hbs'],
    }),
    't.yaml.hbs': configMapTemplate('t', ['tag']),
  });
  const source = memorySource([pkg]);
  const render = (sets: string[]) =>
    renderReference({ reference: 'test/types', namespace: 'ns', source, sets });

  it.each([
    [
      'replicas=three',
      /--set replicas=three: replicas: expected a number \(as 1 from test\/types defaults\), got string "three"/,
    ],
    ['enabled=1', /enabled: expected a boolean/],
    ['db=somewhere', /db: expected a map/],
    ['hosts=a', /hosts: expected a list/],
    ['tag.x=1', /tag: expected a string/],
  ])('rejects --set %s', async (set, message) => {
    await expect(render([set])).rejects.toThrow(message);
  });

  it('applies parameters under its own key to a package rendered on its own, as parameters.yaml gives them', async () => {
    // `stackanetes generate packages/keystone --set keystone.replicas=3` must mean what it means in the stack.
    expect(data(await render(['types.tag=by-short-key']), 't').tag).toBe('by-short-key');
    expect(data(await render(['"test/types".tag=by-full-key']), 't').tag).toBe('by-full-key');
    expect(data(await render(['types.tag=by-key', 'tag=at-root-later']), 't').tag).toBe('at-root-later');
  });

  it('keeps a YAML-typed scalar given for a string default as a string, and lets derived defaults take any type', async () => {
    const release = await render(['tag=2024.1', 'derived=[1]']);
    expect(data(release, 't')).toMatchObject({ tag: '2024.1' });
    expect(release.packages[0]?.variables.derived).toEqual([1]);
  });

  it('keeps a --set value for a string default exactly as typed, where YAML would read it as a different number', async () => {
    // 2025.10 is the number 2025.1 and 00123 the number 123 to YAML: a tag or password must not change.
    for (const typed of ['2025.10', '00123', '0x1F', '1e3', '1_000', 'True']) {
      const release = await render([`tag=${typed}`]);
      expect(data(release, 't').tag).toBe(typed);
    }
    const nested = memoryPackage({
      'manifest.yaml': manifest('test/meta-typed', {
        dependencies: [{ name: 'test/types', version: '^1.0.0' }],
      }),
    });
    const meta = await renderReference({
      reference: 'test/meta-typed',
      namespace: 'ns',
      source: memorySource([nested, pkg]),
      sets: ['types.tag=00123'],
    });
    expect(data(meta, 't').tag).toBe('00123');
  });
});
