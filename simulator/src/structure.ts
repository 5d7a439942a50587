/**
 * Decoding a body as the Go types would: a JSON value of the wrong type is a 400 whose message
 * names the Go struct field and type (`cannot unmarshal string into Go struct field
 * ContainerPort.spec.template.spec.containers.ports.containerPort of type int32`), a malformed
 * quantity is a 400, and fields no type declares are collected with their paths
 * (`spec.template.spec.containers[0].imagePullpolicy`) for `fieldValidation`.
 */
import type { Json } from './json.js';
import { isObject } from './json.js';
import type { Definition, FieldType, SchemaSet } from './k8s-schema.js';

export const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

/** What decoding found: the first type error, and every unknown field's path. */
export interface DecodeResult {
  typeError?: string;
  unknown: string[];
}

function goPackage(defName: string): string {
  const parts = defName.split('.');
  return parts[parts.length - 2] ?? '';
}

function goType(t: FieldType, schemas: SchemaSet): string {
  switch (t.kind) {
    case 'string':
      return 'string';
    case 'integer':
      return t.format;
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'any':
      return 'interface {}';
    case 'array':
      return `[]${goType(t.items, schemas)}`;
    case 'map':
      if (t.values.kind === 'ref' && t.values.name.endsWith('.Quantity')) return 'v1.ResourceList';
      return `map[string]${goType(t.values, schemas)}`;
    case 'ref': {
      const d = schemas.get(t.name);
      if (d?.scalar === 'int-or-string') return 'intstr.IntOrString';
      if (d?.scalar === 'quantity') return 'resource.Quantity';
      if (d?.scalar === 'date-time') return 'v1.Time';
      return `${goPackage(t.name)}.${d?.goName ?? t.name}`;
    }
  }
}

function jsonKind(v: Json): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

class Decoder {
  typeError: string | undefined;
  readonly unknown: string[] = [];

  constructor(private readonly schemas: SchemaSet) {}

  /**
   * @param struct Go struct owning the field (for messages)
   * @param goPath JSON path without list positions (Go's decoder reports it so)
   * @param path JSON path with list positions (the strict decoder reports it so)
   */
  value(v: Json | undefined, t: FieldType, struct: string, goPath: string, path: string): void {
    if (v === undefined || v === null || this.typeError) return;
    const fail = (detail = jsonKind(v)): void => {
      this.typeError = `json: cannot unmarshal ${detail} into Go struct field ${struct}.${goPath} of type ${goType(t, this.schemas)}`;
    };
    switch (t.kind) {
      case 'string':
        if (typeof v !== 'string') fail();
        return;
      case 'integer': {
        if (typeof v !== 'number') return fail();
        const limit = t.format === 'int32' ? 2 ** 31 : 2 ** 63;
        if (!Number.isInteger(v) || v >= limit || v < -limit) fail(`number ${v}`);
        return;
      }
      case 'number':
        if (typeof v !== 'number') fail();
        return;
      case 'boolean':
        if (typeof v !== 'boolean') fail();
        return;
      case 'any':
        return;
      case 'array':
        if (!Array.isArray(v)) return fail();
        v.forEach((item, i) => this.value(item, t.items, struct, goPath, `${path}[${i}]`));
        return;
      case 'map':
        if (!isObject(v)) return fail();
        for (const [k, item] of Object.entries(v))
          this.value(item, t.values, struct, goPath, `${path}[${k}]`);
        return;
      case 'ref': {
        const d = this.schemas.get(t.name);
        if (!d) return;
        if (d.scalar) return this.scalar(v, d, fail);
        if (!isObject(v)) return fail();
        this.object(v, d, goPath, path);
      }
    }
  }

  private scalar(v: Json, d: Definition, fail: (detail?: string) => void): void {
    switch (d.scalar) {
      case 'quantity':
        if (typeof v === 'number') return;
        if (typeof v !== 'string') return fail();
        if (!quantityPattern.test(v.trim()) || v.trim() !== v || !/[0-9]/.test(v)) {
          this.typeError = `quantities must match the regular expression '${quantityPattern.source}'`;
        }
        return;
      case 'int-or-string':
        if (typeof v !== 'string' && typeof v !== 'number') fail();
        return;
      case 'date-time':
      case 'string':
        if (typeof v !== 'string') fail();
        return;
      case 'object':
        if (!isObject(v)) fail();
        return;
      default:
        return;
    }
  }

  object(v: { [k: string]: Json }, d: Definition, goPath: string, path: string): void {
    const props = d.properties ?? {};
    for (const [k, item] of Object.entries(v)) {
      const field = props[k];
      const sub = path === '' ? k : `${path}.${k}`;
      if (!field) {
        this.unknown.push(sub);
        continue;
      }
      this.value(item, field.type, d.goName, goPath === '' ? k : `${goPath}.${k}`, sub);
    }
  }
}

/** Decodes `body` as the definition `defName` (a kind's top-level definition). */
export function decodeAs(schemas: SchemaSet, defName: string, body: Json): DecodeResult {
  const d = schemas.get(defName);
  const dec = new Decoder(schemas);
  if (d && isObject(body)) dec.object(body, d, '', '');
  return { ...(dec.typeError ? { typeError: dec.typeError } : {}), unknown: dec.unknown };
}

/**
 * Keys that appear twice in one JSON object of `text`, with their paths (`spec.replicas`), as the
 * strict decoder reports them. JSON.parse silently keeps the last one.
 */
export function duplicateFields(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      while (i < text.length) {
        ws();
        const key = str();
        const sub = path === '' ? key : `${path}.${key}`;
        if (seen.has(key)) out.push(sub);
        seen.add(key);
        ws();
        i++; // ':'
        value(sub);
        ws();
        if (text[i] === ',') i++;
        else {
          i++;
          return;
        }
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      let n = 0;
      while (i < text.length) {
        value(`${path}[${n++}]`);
        ws();
        if (text[i] === ',') i++;
        else {
          i++;
          return;
        }
      }
    } else if (c === '"') str();
    else while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
  };
  try {
    value('');
  } catch {
    return [];
  }
  return out;
}
