import { mergeLayer, parseSet, setToValues, startMerge } from '../../src/render/precedence.js';
import { UsageError } from '../../src/errors.js';

describe('--set parsing', () => {
  it.each([
    ['keystone.replicas=3', ['keystone', 'replicas'], 3],
    ['a.b=true', ['a', 'b'], true],
    ['x=[1,2]', ['x'], [1, 2]],
    ['m={a: 1}', ['m'], { a: 1 }],
    ['tag=2025.1', ['tag'], 2025.1],
    ['s="3"', ['s'], '3'],
    ['empty=', ['empty'], ''],
    ['gone=null', ['gone'], null],
    ['url=http://x:80/a=b', ['url'], 'http://x:80/a=b'],
    ['"stackanetes/keystone".replicas=2', ['stackanetes/keystone', 'replicas'], 2],
    ['with-dash_and_1.k=v', ['with-dash_and_1', 'k'], 'v'],
    // a derived default, not a YAML flow map whose key is a map
    ['image={{format deployment.image.base "x"}}', ['image'], '{{format deployment.image.base "x"}}'],
    ['n= {{ha.replicas}} ', ['n'], ' {{ha.replicas}} '],
  ])('%s sets %j to %j', (text, path, value) => {
    const set = parseSet(text);
    expect(set.path).toEqual(path);
    expect(set.value).toEqual(value);
  });

  it.each([
    ['novalue', 'missing "="'],
    ['=3', 'bad path "": empty'],
    ['a..b=1', 'empty segment'],
    ['a.=1', 'ends with "."'],
    ['a b=1', 'invalid segment "a b"'],
    ['"unterminated.x=1', 'missing "="'],
    ['x=[1,', 'the value is not valid YAML'],
  ])('rejects %s with a usage error', (text, message) => {
    expect(() => parseSet(text)).toThrow(UsageError);
    expect(() => parseSet(text)).toThrow(message);
  });

  it('builds the nested layer value from the path', () => {
    expect(setToValues(parseSet('a.b.c=1'))).toEqual({ a: { b: { c: 1 } } });
  });
});

describe('merging layers', () => {
  it('deep-merges maps, replaces lists, deletes on null and keeps defaults that are null', () => {
    const merged = startMerge({ keep: null, map: { a: 1, b: 2 }, list: [1, 2] }, 'defaults');
    mergeLayer(merged, { values: { map: { b: null, c: 3 }, list: [9] }, describe: () => 'user' });
    expect(merged.values).toEqual({ keep: null, map: { a: 1, c: 3 }, list: [9] });
  });

  it('does not let a later layer change the values it was given', () => {
    const layer = { nested: { x: 1 } };
    const merged = startMerge({}, 'defaults');
    mergeLayer(merged, { values: layer, describe: () => 'user' });
    (merged.values.nested as { x: number }).x = 2;
    expect(layer.nested.x).toBe(1);
  });
});

describe('variable keys', () => {
  it('refuses keys that would reach object prototypes', () => {
    const merged = startMerge({}, 'defaults');
    const hostile = JSON.parse('{"a": {"__proto__": {"polluted": true}}}') as Record<string, unknown>;
    expect(() => mergeLayer(merged, { values: hostile, describe: () => '--variables evil.yaml' })).toThrow(
      '--variables evil.yaml: a.__proto__: the key "__proto__" is not allowed in variables',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
