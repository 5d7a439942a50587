import { join } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import type { RenderedRelease } from '../../src/model/types.js';
import { fixtures } from './support.js';

const meta = join(fixtures, 'precedence', 'meta');
const names = (release: RenderedRelease) =>
  release.packages.flatMap((p) => p.objects.map((o) => `${p.name}:${o.object.metadata.name}`));

describe('when conditions', () => {
  it('leave out a dependency whose condition is false, and put it back when the parameter turns it on', async () => {
    const off = await renderReference({ reference: meta, namespace: 'ns' });
    expect(off.packages.map((p) => p.name)).toEqual(['test/meta', 'test/child']);
    const on = await renderReference({ reference: meta, namespace: 'ns', sets: ['optional.enabled=true'] });
    expect(on.packages.map((p) => p.name)).toEqual(['test/meta', 'test/child', 'test/optional']);
  });

  it('leave out a resource whose negated condition holds', async () => {
    const on = await renderReference({ reference: meta, namespace: 'ns' });
    expect(names(on)).toContain('test/meta:meta-extra');
    const off = await renderReference({ reference: meta, namespace: 'ns', sets: ['extra.disabled=true'] });
    expect(names(off)).not.toContain('test/meta:meta-extra');
    expect(names(off)).toContain('test/meta:meta');
  });

  it('are all forced on for lint, which renders every branch', async () => {
    const all = await renderReference({
      reference: meta,
      namespace: 'ns',
      sets: ['extra.disabled=true'],
      forceWhen: true,
    });
    expect(names(all)).toEqual(expect.arrayContaining(['test/meta:meta-extra', 'test/optional:optional']));
  });

  it('reject a path that names no variable, naming the manifest entry', async () => {
    await expect(
      renderReference({ reference: meta, namespace: 'ns', sets: ['optional=null'] }),
    ).rejects.toThrow(
      'test/meta manifest.yaml: dependencies[2] (test/optional): when: "optional.enabled" names no variable',
    );
  });

  it('place the meta-package resources where $self stands in the dependency order', async () => {
    const release = await renderReference({ reference: meta, namespace: 'ns' });
    expect(release.packages[0]?.name).toBe('test/meta');
  });
});

describe('dependency graphs', () => {
  it('render a package shared by two meta-packages once, with a warning', async () => {
    const { manifest, memoryPackage, memorySource, configMapTemplate } = await import('./support.js');
    const leaf = memoryPackage({
      'manifest.yaml': manifest('test/leaf', { variables: { v: 'x' }, resources: ['t.yaml.hbs'] }),
      't.yaml.hbs': configMapTemplate('leaf', ['v']),
    });
    const left = memoryPackage({
      'manifest.yaml': manifest('test/left', { dependencies: [{ name: 'test/leaf' }] }),
    });
    const right = memoryPackage({
      'manifest.yaml': manifest('test/right', { dependencies: [{ name: 'test/leaf' }] }),
    });
    const root = memoryPackage({
      'manifest.yaml': manifest('test/root', {
        dependencies: [{ name: 'test/left' }, { name: 'test/right' }],
      }),
    });
    const release = await renderReference({
      reference: 'test/root',
      namespace: 'ns',
      source: memorySource([root, left, right, leaf]),
    });
    expect(release.packages.map((p) => p.name)).toEqual([
      'test/root',
      'test/left',
      'test/leaf',
      'test/right',
    ]);
    expect(release.warnings).toEqual([
      'test/leaf is a dependency more than once (test/root -> test/right -> test/leaf); rendered only the first time',
    ]);
  });
});
