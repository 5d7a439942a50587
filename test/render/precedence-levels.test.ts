import { InputError } from '../../src/errors.js';
import type { DependencyEntry, LoadedPackage } from '../../src/package/types.js';
import { packageVariables, parseSet, userLayers, type Merged } from '../../src/render/precedence.js';

/** A package in memory: only what precedence reads (its name and its defaults). */
function pkg(name: string, variables: Record<string, unknown>): LoadedPackage {
  return {
    manifest: { package: { name, version: '1.0.0' }, variables, resources: [], dependencies: [] },
    files: new Map(),
    origin: { kind: 'directory', location: `/packages/${name}` },
  } as LoadedPackage;
}

/**
 * The five levels of DESIGN.md, lowest first, all merged by packageVariables: each test sets the
 * same key on more levels and checks which one wins.
 */
describe('packageVariables: the five precedence levels in one place', () => {
  const child = pkg('stackanetes/neutron', { replicas: 1, image: 'a', keep: 'default' });
  const parentPkg = pkg('stackanetes/stackanetes', {});
  const parentMerged = (values: Record<string, unknown>): Merged => ({ values, origins: new Map() });
  const entry = (variables?: Record<string, unknown>): DependencyEntry =>
    (variables
      ? { name: 'stackanetes/neutron', variables }
      : { name: 'stackanetes/neutron' }) as DependencyEntry;

  it('level 1 alone: the package defaults', () => {
    expect(packageVariables(child, undefined, []).values).toEqual({
      replicas: 1,
      image: 'a',
      keep: 'default',
    });
  });

  it('levels 2 and 3: parent parameters at the root, then under the short and the full name', () => {
    const parent = {
      pkg: parentPkg,
      merged: parentMerged({ replicas: 2, neutron: { replicas: 3 } }),
      entry: entry(),
      index: 0,
    };
    expect(packageVariables(child, parent, []).values.replicas).toBe(3);
    const full = parentMerged({ neutron: { replicas: 3 }, 'stackanetes/neutron': { replicas: 4 } });
    expect(packageVariables(child, { ...parent, merged: full }, []).values.replicas).toBe(4);
  });

  it('level 4 beats the parameters; level 5 (--variables, then --set in order) beats everything', () => {
    const parent = {
      pkg: parentPkg,
      merged: parentMerged({ neutron: { replicas: 3, image: 'b' } }),
      entry: entry({ replicas: 5, image: 'c' }),
      index: 0,
    };
    expect(packageVariables(child, parent, []).values).toMatchObject({ replicas: 5, image: 'c' });
    const layers = userLayers(
      [{ file: 'p.yaml', values: { neutron: { replicas: 6 }, image: 'd' } }],
      [parseSet('replicas=7'), parseSet('replicas=8')],
    );
    expect(packageVariables(child, parent, layers).values).toMatchObject({
      replicas: 8,
      image: 'd',
      keep: 'default',
    });
  });

  it('the root package takes its defaults and the user layers, also under its own key', () => {
    const layers = userLayers(
      [{ file: 'p.yaml', values: { neutron: { image: 'e' } } }],
      [parseSet('keep=null')],
    );
    const values = packageVariables(child, undefined, layers).values;
    expect(values).toMatchObject({ replicas: 1, image: 'e' });
    expect(values).not.toHaveProperty('keep');
  });

  it('a type mismatch names the layer it came from', () => {
    const layers = userLayers([], [parseSet('replicas=[1]')]);
    expect(() => packageVariables(child, undefined, layers)).toThrow(InputError);
    expect(() => packageVariables(child, undefined, layers)).toThrow(
      /--set replicas=\[1\]: replicas: expected a number/,
    );
  });
});
