import { describe, expect, it } from '@jest/globals';
import { checkManifestMatches } from '../../registry-server/tarball.js';
import { parseYaml, parseYamlDocuments } from '../../src/util/yaml.js';

describe('the one YAML parser', () => {
  it('reads YAML 1.2 core: yes/on and dates stay strings, as Kubernetes reads them', () => {
    expect(parseYaml('a: yes\nb: on\nc: 2025-01-01\nd: 0x1F\ne: ~')).toEqual({
      a: 'yes',
      b: 'on',
      c: '2025-01-01',
      d: 31,
      e: null,
    });
  });

  it('rejects duplicate keys and names the file and line', () => {
    expect(() => parseYaml('a: 1\na: 2\n', 'values.yaml')).toThrow(
      /duplicated mapping key in "values.yaml" \(2:1\)/,
    );
  });

  it('reads every document of a stream, empty ones as null', () => {
    expect(parseYamlDocuments('a: 1\n---\n---\nb: 2\n')).toEqual([{ a: 1 }, null, { b: 2 }]);
  });
});

describe('the registry server reading a pushed manifest', () => {
  it('refuses a manifest whose aliases expand far beyond any real one', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'package: {name: ns/p, version: 1.0.0}',
    ].join('\n');
    const blob = { digest: '', gzipDigest: '', members: ['manifest.yaml'], manifest: bomb };
    expect(() => checkManifestMatches(blob, 'ns/p', '1.0.0')).toThrow('its aliases expand too far');
    const fine = { ...blob, manifest: 'a: &a [x]\nb: *a\npackage: {name: ns/p, version: 1.0.0}\n' };
    expect(() => checkManifestMatches(fine, 'ns/p', '1.0.0')).not.toThrow();
  });
});
