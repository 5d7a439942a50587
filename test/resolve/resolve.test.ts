import { ConflictError, InputError, NotFoundError } from '../../src/errors.js';
import {
  resolveGraph,
  type IndexedPackage,
  type Requirement,
  type ResolutionIndex,
} from '../../src/resolve/resolve.js';

const digestOf = (name: string, version: string): string =>
  `sha256:${Buffer.from(`${name}@${version}`).toString('hex').padEnd(64, '0').slice(0, 64)}`;

/** Builds an index from `name: {version: [deps]}` literals. */
function indexOf(
  spec: Record<string, Record<string, Omit<Requirement, 'requiredBy'>[]>>,
  channels: Record<string, IndexedPackage['channels']> = {},
): ResolutionIndex {
  return new Map(
    Object.entries(spec).map(([name, releases]) => [
      name,
      {
        name,
        releases: Object.entries(releases).map(([version, dependencies]) => ({
          version,
          digest: digestOf(name, version),
          dependencies,
        })),
        ...(channels[name] ? { channels: channels[name] } : {}),
      },
    ]),
  );
}

const root = (name: string, extra: Partial<Requirement> = {}): Requirement => ({
  name,
  requiredBy: 'the command line',
  ...extra,
});

function versions(roots: Requirement[], index: ResolutionIndex, options = {}): Record<string, string> {
  const result = resolveGraph(roots, index, options);
  if (!result.complete) throw new Error(`incomplete: ${JSON.stringify(result.needs)}`);
  return Object.fromEntries([...result.packages].map(([name, r]) => [name, r.version]));
}

describe('resolveGraph', () => {
  it('chooses the highest release satisfying a range, and the highest stable one when unconstrained', () => {
    const index = indexOf({
      'a/meta': { '1.0.0': [{ name: 'a/db', version: '^1.2.0' }, { name: 'a/cache' }] },
      'a/db': { '1.1.0': [], '1.2.0': [], '1.4.2': [], '2.0.0': [] },
      'a/cache': { '0.1.0': [], '0.2.0': [], '0.3.0-beta.1': [] },
    });
    expect(versions([root('a/meta')], index)).toEqual({
      'a/meta': '1.0.0',
      'a/db': '1.4.2',
      'a/cache': '0.2.0',
    });
  });

  it('considers pre-releases only when the constraint names one or when asked', () => {
    const index = indexOf({ 'a/x': { '1.0.0': [], '1.1.0-rc.1': [] } });
    expect(versions([root('a/x', { version: '^1.0.0' })], index)).toEqual({ 'a/x': '1.0.0' });
    expect(versions([root('a/x', { version: '>=1.1.0-rc.0' })], index)).toEqual({ 'a/x': '1.1.0-rc.1' });
    expect(versions([root('a/x')], index, { includePrerelease: true })).toEqual({ 'a/x': '1.1.0-rc.1' });
  });

  it('resolves a channel to its current release and a digest to the release that has it', () => {
    const index = indexOf(
      { 'a/x': { '1.0.0': [], '1.1.0': [], '2.0.0': [] } },
      { 'a/x': { stable: { current: '1.0.0', releases: ['1.1.0', '1.0.0'] } } },
    );
    expect(versions([root('a/x', { channel: 'stable' })], index)).toEqual({ 'a/x': '1.0.0' });
    expect(versions([root('a/x', { digest: digestOf('a/x', '1.1.0') })], index)).toEqual({ 'a/x': '1.1.0' });
  });

  it('takes a channel release other than current when another requirement excludes current', () => {
    const index = indexOf(
      {
        'a/m': { '1.0.0': [{ name: 'a/x', channel: 'stable' }, { name: 'a/y' }] },
        'a/y': { '1.0.0': [{ name: 'a/x', version: '>=1.1.0' }] },
        'a/x': { '1.0.0': [], '1.1.0': [] },
      },
      { 'a/x': { stable: { current: '1.0.0', releases: ['1.1.0', '1.0.0'] } } },
    );
    expect(versions([root('a/m')], index)['a/x']).toBe('1.1.0');
  });

  it('lowers a shared dependency when a later requirement in a diamond needs an older compatible release', () => {
    const index = indexOf({
      'a/m': { '1.0.0': [{ name: 'a/l' }, { name: 'a/r' }] },
      'a/l': { '1.0.0': [{ name: 'a/shared', version: '>=1.0.0' }] },
      'a/r': { '1.0.0': [{ name: 'a/shared', version: '<1.5.0' }] },
      'a/shared': { '1.0.0': [], '1.4.0': [], '1.9.0': [] },
    });
    expect(versions([root('a/m')], index)['a/shared']).toBe('1.4.0');
  });

  it('reports incompatible diamond constraints naming both requirers and what exists', () => {
    const index = indexOf({
      'a/m': { '1.0.0': [{ name: 'a/l' }, { name: 'a/r' }] },
      'a/l': { '1.0.0': [{ name: 'a/shared', version: '^1.0.0' }] },
      'a/r': { '1.0.0': [{ name: 'a/shared', version: '^2.0.0' }] },
      'a/shared': { '1.0.0': [], '2.0.0': [] },
    });
    expect(() => resolveGraph([root('a/m')], index)).toThrow(ConflictError);
    expect(() => resolveGraph([root('a/m')], index)).toThrow(
      'incompatible requirements on a/shared: a/l@1.0.0 needs @^1.0.0, a/r@1.0.0 needs @^2.0.0; no release satisfies all (available: 2.0.0, 1.0.0)',
    );
  });

  it('lists the existing releases when none satisfies a range', () => {
    const index = indexOf({
      'a/m': { '1.0.0': [{ name: 'a/x', version: '^3.0.0' }] },
      'a/x': { '1.0.0': [], '2.0.0': [] },
    });
    expect(() => resolveGraph([root('a/m')], index)).toThrow(NotFoundError);
    expect(() => resolveGraph([root('a/m')], index)).toThrow(
      'no release of a/x satisfies @^3.0.0 (required by a/m@1.0.0); available: 2.0.0, 1.0.0',
    );
  });

  it('names the channels that exist when a channel is missing', () => {
    const index = indexOf(
      { 'a/x': { '1.0.0': [] } },
      { 'a/x': { beta: { current: '1.0.0', releases: ['1.0.0'] } } },
    );
    expect(() => resolveGraph([root('a/x', { channel: 'stable' })], index)).toThrow(
      'a/x has no channel "stable" (required by the command line); channels: beta',
    );
  });

  it('prints the path of a dependency cycle', () => {
    const index = indexOf({
      'a/a': { '1.0.0': [{ name: 'a/b' }] },
      'a/b': { '1.0.0': [{ name: 'a/c' }] },
      'a/c': { '1.0.0': [{ name: 'a/a' }] },
    });
    expect(() => resolveGraph([root('a/a')], index)).toThrow(InputError);
    expect(() => resolveGraph([root('a/a')], index)).toThrow(
      'dependency cycle: a/a@1.0.0 -> a/b@1.0.0 -> a/c@1.0.0 -> a/a@1.0.0',
    );
  });

  it('asks for what the index lacks instead of guessing: unknown packages and unloaded dependencies', () => {
    const index: ResolutionIndex = new Map([['a/m', { name: 'a/m', releases: [{ version: '1.0.0' }] }]]);
    expect(resolveGraph([root('a/m')], index)).toEqual({
      complete: false,
      needs: [{ kind: 'dependencies', name: 'a/m', version: '1.0.0' }],
    });
    expect(resolveGraph([root('a/zz')], index)).toEqual({
      complete: false,
      needs: [{ kind: 'package', name: 'a/zz', requiredBy: 'the command line' }],
    });
  });

  it('prefers pinned releases that still satisfy, and ignores pins that do not unless locked', () => {
    const index = indexOf({ 'a/x': { '1.0.0': [], '1.1.0': [], '2.0.0': [] } });
    const pins = new Map([['a/x', { version: '1.0.0' }]]);
    expect(versions([root('a/x', { version: '^1.0.0' })], index, { pins })).toEqual({ 'a/x': '1.0.0' });
    expect(versions([root('a/x', { version: '^2.0.0' })], index, { pins })).toEqual({ 'a/x': '2.0.0' });
    expect(() =>
      resolveGraph([root('a/x', { version: '^2.0.0' })], index, {
        pins,
        locked: true,
        lockfile: 'stackanetes.lock',
      }),
    ).toThrow(
      '--locked: stackanetes.lock pins a/x@1.0.0, which does not satisfy @^2.0.0 (from the command line)',
    );
  });

  it('under --locked refuses packages missing from the lockfile and re-pushed releases', () => {
    const index = indexOf({ 'a/x': { '1.0.0': [] }, 'a/y': { '1.0.0': [] } });
    expect(() =>
      resolveGraph([root('a/y')], index, { pins: new Map(), locked: true, lockfile: 'l' }),
    ).toThrow('--locked: a/y is not in l (required by the command line)');
    const pins = new Map([['a/x', { version: '1.0.0', digest: `sha256:${'f'.repeat(64)}` }]]);
    expect(() => resolveGraph([root('a/x')], index, { pins, locked: true, lockfile: 'l' })).toThrow(
      /now has digest .* but l records sha256:f{64} \(the release was re-pushed\)/,
    );
  });

  it('rejects a constraint that is not a semver range with the offending text', () => {
    const index = indexOf({ 'a/x': { '1.0.0': [] } });
    expect(() => resolveGraph([root('a/x', { version: 'latest!' })], index)).toThrow(
      'version constraint "latest!" is not a semver range',
    );
  });

  it('stops with a clear error when constraints keep flipping each other instead of looping forever', () => {
    const index = indexOf({
      'a/m': { '1.0.0': [{ name: 'a/b' }, { name: 'a/c' }] },
      'a/b': { '1.0.0': [{ name: 'a/c', version: '^2.0.0' }], '2.0.0': [{ name: 'a/c', version: '^1.0.0' }] },
      'a/c': { '1.0.0': [{ name: 'a/b', version: '^1.0.0' }], '2.0.0': [{ name: 'a/b', version: '^2.0.0' }] },
    });
    expect(() => resolveGraph([root('a/m')], index)).toThrow(ConflictError);
    expect(() => resolveGraph([root('a/m')], index)).toThrow('dependency resolution did not settle');
  });
});
