/**
 * CustomResourceDefinitions as apiextensions-apiserver 1.32 validates them (names, versions,
 * structural schemas), and custom resources against their version's schema: type, enum,
 * required, bounds and patterns, worded as the real server's OpenAPI validation words them, plus
 * the fields a structural schema prunes.
 */
import type { Json, JsonObject } from './json.js';
import { isObject, str } from './json.js';
import { checkSubdomain, Errors } from './rules.js';

const obj = (v: Json | undefined): JsonObject | undefined => (isObject(v) ? v : undefined);

/** Structural schema rules: every specified node has a type (the root an object). */
function checkStructural(s: JsonObject, at: string, root: boolean, e: Errors): void {
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (s.type === undefined && !intOrString && !(preserve && !root)) {
    if (root) e.required(`${at}.type`, 'must not be empty at the root');
    else if (s.properties !== undefined || s.items !== undefined || s.additionalProperties !== undefined)
      e.required(`${at}.type`, 'must not be empty for specified object fields');
    else e.required(`${at}.type`, 'must not be empty for specified object fields');
  }
  if (root && s.type !== undefined && s.type !== 'object')
    e.invalid(`${at}.type`, s.type, 'must be object at the root');
  const props = obj(s.properties) ?? {};
  if (s.properties !== undefined && s.additionalProperties !== undefined && s.additionalProperties !== false)
    e.forbidden(`${at}.additionalProperties`, 'additionalProperties and properties are mutual exclusive');
  for (const [k, v] of Object.entries(props))
    if (isObject(v)) checkStructural(v, `${at}.properties[${k}]`, false, e);
  const items = obj(s.items);
  if (s.type === 'array' && !items) e.required(`${at}.items`, 'must be specified');
  if (items) checkStructural(items, `${at}.items`, false, e);
  const ap = obj(s.additionalProperties);
  if (ap) checkStructural(ap, `${at}.additionalProperties`, false, e);
}

/** A CustomResourceDefinition's own rules. */
export function checkCrd(o: JsonObject, e: Errors): void {
  const spec = obj(o.spec) ?? {};
  const group = str(spec, 'group') ?? '';
  const names = obj(spec.names) ?? {};
  const plural = str(names, 'plural') ?? '';
  const name = str(obj(o.metadata) ?? {}, 'name');
  if (!group) e.required('spec.group');
  else if (!group.includes('.')) e.invalid('spec.group', group, 'should be a domain with at least one dot');
  else checkSubdomain(group, 'spec.group', e);
  if (!plural) e.required('spec.names.plural');
  if (!str(names, 'kind')) e.required('spec.names.kind');
  if (!str(names, 'listKind')) e.required('spec.names.listKind');
  if (name !== `${plural}.${group}`)
    e.invalid('metadata.name', name ?? '', 'must be spec.names.plural+"."+spec.group');
  const scope = spec.scope;
  if (scope !== 'Cluster' && scope !== 'Namespaced')
    e.notSupported('spec.scope', scope ?? '', ['Cluster', 'Namespaced']);
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    e.invalid('spec.versions', [], 'must have exactly one version marked as storage version');
  const storage = versions.filter((v) => isObject(v) && v.storage === true);
  if (versions.length > 0 && storage.length !== 1)
    e.invalid(
      'spec.versions',
      versions.map((v) => (isObject(v) ? (v.name ?? null) : null)),
      'must have exactly one version marked as storage version',
    );
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (!isObject(v)) return;
    const at = `spec.versions[${i}]`;
    const vname = str(v, 'name');
    if (!vname) e.required(`${at}.name`);
    else if (seen.has(vname)) e.invalid(`${at}.name`, vname, 'must be unique');
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(vname))
      e.invalid(
        `${at}.name`,
        vname,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      );
    if (vname) seen.add(vname);
    const schema = obj(obj(v.schema)?.openAPIV3Schema);
    if (!schema) e.required(`${at}.schema.openAPIV3Schema`, 'schemas are required');
    else checkStructural(schema, `${at}.schema.openAPIV3Schema`, true, e);
  });
}

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fits(v: Json, type: string): boolean {
  const t = typeOf(v);
  return t === type || (type === 'number' && t === 'integer');
}

/** A custom resource against its version's openAPIV3Schema (`metadata` is the server's own). */
export function checkCustomResource(o: JsonObject, schema: JsonObject, e: Errors): void {
  const props = obj(schema.properties) ?? {};
  for (const [k, v] of Object.entries(o)) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
    const s = obj(props[k]);
    if (s) checkValue(v, s, k, e);
  }
  for (const r of Array.isArray(schema.required) ? schema.required : [])
    if (typeof r === 'string' && o[r] === undefined) e.required(r);
}

function goValue(v: Json): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
}

function checkValue(v: Json, s: JsonObject, at: string, e: Errors): void {
  if (v === null) {
    if (s.nullable !== true)
      e.invalid(at, 'null', `${at} in body must be of type ${String(s.type ?? 'object')}: "null"`);
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v)))
      e.invalid(at, typeOf(v), `${at} in body must be of type integer,string: "${typeOf(v)}"`);
    return;
  }
  const type = str(s, 'type');
  if (type && !fits(v, type)) {
    e.invalid(at, typeOf(v), `${at} in body must be of type ${type}: "${typeOf(v)}"`);
    return;
  }
  if (Array.isArray(s.enum) && !s.enum.some((x) => JSON.stringify(x) === JSON.stringify(v)))
    e.notSupported(
      at,
      v,
      s.enum.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))),
    );
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum)
      e.invalid(at, v, `${at} in body should be greater than or equal to ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum)
      e.invalid(at, v, `${at} in body should be less than or equal to ${s.maximum}`);
  }
  if (typeof v === 'string') {
    if (typeof s.maxLength === 'number' && v.length > s.maxLength)
      e.tooLong(at, `may not be more than ${s.maxLength} bytes`);
    if (typeof s.minLength === 'number' && v.length < s.minLength)
      e.invalid(at, v, `${at} in body should be at least ${s.minLength} chars long`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v))
      e.invalid(at, v, `${at} in body should match '${s.pattern}'`);
  }
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems)
      e.tooLong(at, `must have at most ${s.maxItems} items`);
    if (typeof s.minItems === 'number' && v.length < s.minItems)
      e.invalid(at, v.length, `${at} in body should have at least ${s.minItems} items`);
    const items = obj(s.items);
    if (items) v.forEach((x, i) => checkValue(x, items, `${at}[${i}]`, e));
    return;
  }
  if (isObject(v)) {
    const props = obj(s.properties);
    const ap = obj(s.additionalProperties);
    for (const [k, x] of Object.entries(v)) {
      const ps = props ? obj(props[k]) : ap;
      if (ps) checkValue(x, ps, `${at}.${k}`, e);
    }
    for (const r of Array.isArray(s.required) ? s.required : [])
      if (typeof r === 'string' && v[r] === undefined) e.required(`${at}.${r}`);
  }
  void goValue;
}

/**
 * Paths of fields the structural schema does not declare (what pruning drops), and the object
 * without them.
 */
export function pruneUnknown(v: Json, s: JsonObject | undefined, at: string, out: string[]): Json {
  if (!s || s['x-kubernetes-preserve-unknown-fields'] === true) return v;
  if (Array.isArray(v)) return v.map((x, i) => pruneUnknown(x, obj(s.items), `${at}[${i}]`, out));
  if (!isObject(v)) return v;
  const props = obj(s.properties);
  const ap = s.additionalProperties;
  const result: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const sub = at === '' ? k : `${at}.${k}`;
    if (at === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) {
      result[k] = x;
      continue;
    }
    if (props && props[k] !== undefined) result[k] = pruneUnknown(x, obj(props[k]), sub, out);
    else if (ap === true || isObject(ap)) result[k] = pruneUnknown(x, obj(ap), sub, out);
    else if (!props && s.type !== 'object') result[k] = x;
    else out.push(sub);
  }
  return result;
}
