/**
 * The Kubernetes API schemas, read from the kubernetes-models package (generated from the
 * upstream OpenAPI spec: its declaration files carry every field, its type, whether it is
 * required, its enum values and the upstream description). Integer widths, which TypeScript
 * cannot tell apart, come from @kubernetes/client-node's generated attribute tables. The result
 * is a set of OpenAPI definitions keyed by their upstream names (`io.k8s.api.core.v1.Container`),
 * used to serve /openapi/v2 and /openapi/v3, to decode bodies as the Go types would, and to find
 * unknown fields.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

/** A field's type as the decoder sees it. */
export type FieldType =
  | { kind: 'ref'; name: string }
  | { kind: 'string'; enum?: string[]; format?: string }
  | { kind: 'integer'; format: 'int32' | 'int64' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'array'; items: FieldType }
  | { kind: 'map'; values: FieldType }
  | { kind: 'any' };

export interface FieldDef {
  type: FieldType;
  description?: string;
}

/** One definition: an object with properties, or a named scalar (Quantity, Time, IntOrString). */
export interface Definition {
  name: string;
  /** The Go struct name used in decode errors (the last segment of `name`). */
  goName: string;
  description?: string;
  properties?: Record<string, FieldDef>;
  required?: string[];
  /** For named scalars and free-form objects. */
  scalar?: 'quantity' | 'int-or-string' | 'date-time' | 'any' | 'object' | 'string';
  gvk?: { group: string; version: string; kind: string };
}

const require = createRequire(import.meta.url);

function packageRoot(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** Upstream definition prefix for a file of kubernetes-models or its apimachinery package. */
function definitionName(file: string, modelsRoot: string, machineryRoot: string): string | undefined {
  const base = file.replace(/\.d\.ts$/, '');
  if (base.startsWith(machineryRoot)) {
    const rel = relative(machineryRoot, base).split('/');
    return `io.k8s.apimachinery.pkg.${rel.join('.')}`;
  }
  const rel = relative(modelsRoot, base).split('/');
  if (rel.length === 2 && rel[0] === 'v1') return `io.k8s.api.core.v1.${rel[1]}`;
  if (rel.length !== 3) return undefined;
  const [group, version, kind] = rel as [string, string, string];
  if (group === 'apiextensions.k8s.io')
    return `io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.${version}.${kind}`;
  if (group === 'apiregistration.k8s.io')
    return `io.k8s.kube-aggregator.pkg.apis.apiregistration.${version}.${kind}`;
  return `io.k8s.api.${group.split('.')[0]}.${version}.${kind}`;
}

interface Member {
  name: string;
  optional: boolean;
  type: string;
  doc?: string;
}

function cleanDoc(raw: string): string {
  return raw
    .replace(/^\/\*\*/, '')
    .replace(/\*\/$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/** The members of `export interface X ... { ... }` with their doc comments. */
function parseInterface(body: string): Member[] {
  const members: Member[] = [];
  let i = 0;
  let doc: string | undefined;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (body.startsWith('/**', i)) {
      const end = body.indexOf('*/', i);
      doc = cleanDoc(body.slice(i, end + 2));
      i = end + 2;
      continue;
    }
    const m = /^"([^"]+)"(\?)?:\s*/.exec(body.slice(i));
    if (!m) {
      const nl = body.indexOf('\n', i);
      i = nl < 0 ? body.length : nl + 1;
      doc = undefined;
      continue;
    }
    i += m[0].length;
    let depth = 0;
    const start = i;
    while (i < body.length) {
      const ch = body[i]!;
      if (ch === '{' || ch === '<' || ch === '(') depth++;
      else if (ch === '}' || ch === '>' || ch === ')') depth--;
      else if (ch === ';' && depth === 0) break;
      i++;
    }
    members.push({
      name: m[1]!,
      optional: m[2] === '?',
      type: body.slice(start, i).replace(/\s+/g, ' ').trim(),
      ...(doc ? { doc } : {}),
    });
    doc = undefined;
    i++;
  }
  return members;
}

function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '{' || ch === '<' || ch === '(') depth++;
    if (ch === '}' || ch === '>' || ch === ')') depth--;
    if (ch === sep && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts;
}

interface ParsedFile {
  name: string;
  file: string;
  doc?: string;
  members?: Member[];
  alias?: string;
  imports: Map<string, string>;
  localName?: string;
}

function parseFile(file: string, name: string): ParsedFile | undefined {
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/import \{ ([^}]+) \} from "([^"]+)";/g)) {
    for (const n of m[1]!.split(',').map((s) => s.trim())) imports.set(n, m[2]!);
  }
  const iface =
    /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*export interface (\w+)(?: extends \w+)? \{\n([\s\S]*?)\n\}/.exec(
      text,
    );
  if (iface) {
    return {
      name,
      file,
      ...(iface[1] ? { doc: cleanDoc(iface[1]) } : {}),
      members: parseInterface(iface[3]!),
      imports,
      localName: iface[2]!,
    };
  }
  const alias = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/)?\s*export declare type (\w+) = ([^;]+);/.exec(text);
  if (alias)
    return {
      name,
      file,
      ...(alias[1] ? { doc: cleanDoc(alias[1]) } : {}),
      alias: alias[3]!.trim(),
      imports,
      localName: alias[2]!,
    };
  return undefined;
}

function* declarationFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('_') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith('.d.ts') && entry.name !== 'index.d.ts') yield path;
  }
}

/** Integer widths by client-node model class and JSON field name. */
function integerFormats(): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const dir = join(packageRoot('@kubernetes/client-node'), 'dist', 'gen', 'models');
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.js')) continue;
    const text = readFileSync(join(dir, f), 'utf8');
    const fields = new Map<string, string>();
    for (const m of text.matchAll(/"baseName": "([^"]+)",\s*"type": "number",\s*"format": "([^"]*)"/g)) {
      fields.set(m[1]!, m[2]!);
    }
    if (fields.size > 0) out.set(f.replace(/\.js$/, ''), fields);
  }
  return out;
}

function clientNodeClass(defName: string): string[] {
  const parts = defName.split('.');
  const kind = parts[parts.length - 1]!;
  const version = parts[parts.length - 2]!;
  const group = parts[parts.length - 3]!;
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  return [`${cap(version)}${kind}`, `${cap(group)}${cap(version)}${kind}`];
}

const scalars: Record<string, Definition['scalar']> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'date-time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'date-time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': 'object',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'object',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': 'any',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': 'any',
};

/** Every definition of the served API groups. */
export class SchemaSet {
  readonly definitions = new Map<string, Definition>();
  private readonly byGvk = new Map<string, string>();

  constructor() {
    const modelsRoot = packageRoot('kubernetes-models');
    const machineryRoot = packageRoot('@kubernetes-models/apimachinery');
    const parsed = new Map<string, ParsedFile>();
    const byFile = new Map<string, string>();
    for (const root of [machineryRoot, modelsRoot]) {
      for (const file of declarationFiles(root)) {
        const name = definitionName(file, modelsRoot, machineryRoot);
        if (!name) continue;
        const p = parseFile(file, name);
        if (!p) continue;
        parsed.set(name, p);
        byFile.set(file.replace(/\.d\.ts$/, ''), name);
      }
    }
    const formats = integerFormats();
    const resolveImport = (p: ParsedFile, ident: string): string | undefined => {
      if (ident === p.localName) return p.name;
      const from = p.imports.get(ident);
      if (!from) return undefined;
      const target = from.startsWith('.')
        ? resolve(dirname(p.file), from)
        : join(machineryRoot, from.replace(/^@kubernetes-models\/apimachinery\//, ''));
      return byFile.get(target) ?? (existsSync(`${target}.d.ts`) ? byFile.get(target) : undefined);
    };
    for (const p of parsed.values()) {
      const goName = p.name.split('.').pop()!;
      const def: Definition = { name: p.name, goName, ...(p.doc ? { description: p.doc } : {}) };
      const scalar = scalars[p.name];
      if (scalar) def.scalar = scalar;
      else if (p.alias !== undefined) def.scalar = p.alias === 'string' ? 'string' : 'any';
      if (p.members && !scalar) {
        const ints = clientNodeClass(p.name)
          .map((c) => formats.get(c))
          .find((m) => m !== undefined);
        const properties: Record<string, FieldDef> = {};
        const required: string[] = [];
        let apiVersion: string | undefined;
        let kind: string | undefined;
        for (const m of p.members) {
          const literal = /^"([^"]+)"$/.exec(m.type);
          if (m.name === 'apiVersion' && literal) apiVersion = literal[1];
          if (m.name === 'kind' && literal) kind = literal[1];
          const type = this.parseType(m.type, p, resolveImport, ints?.get(m.name));
          properties[m.name] = { type, ...(m.doc ? { description: m.doc } : {}) };
          if (!m.optional && m.name !== 'apiVersion' && m.name !== 'kind') required.push(m.name);
        }
        if ((apiVersion && kind) !== undefined && apiVersion && kind) {
          const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
          def.gvk = { group: group!, version: version!, kind };
          properties.apiVersion = {
            type: { kind: 'string' },
            description:
              'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
          };
          properties.kind = {
            type: { kind: 'string' },
            description:
              'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
          };
          this.byGvk.set(`${group!}/${version!}/${kind}`, p.name);
        }
        def.properties = properties;
        if (required.length > 0) def.required = required;
      }
      this.definitions.set(p.name, def);
    }
  }

  private parseType(
    text: string,
    p: ParsedFile,
    resolveImport: (p: ParsedFile, ident: string) => string | undefined,
    intFormat: string | undefined,
  ): FieldType {
    const t = text.trim();
    const union = splitTop(t, '|');
    if (union.length > 1) {
      if (union.every((u) => /^"[^"]*"$/.test(u)))
        return { kind: 'string', enum: union.map((u) => u.slice(1, -1)) };
      const refs = union.map((u) => this.parseType(u, p, resolveImport, intFormat));
      return refs.find((r) => r.kind === 'ref') ?? { kind: 'any' };
    }
    if (/^"[^"]*"$/.test(t)) return { kind: 'string' };
    if (t === 'string') return { kind: 'string' };
    if (t === 'boolean') return { kind: 'boolean' };
    if (t === 'number') {
      if (intFormat === 'int64') return { kind: 'integer', format: 'int64' };
      if (intFormat === 'double' || intFormat === 'float') return { kind: 'number' };
      return { kind: 'integer', format: 'int32' };
    }
    const arr = /^Array<(.+)>$/.exec(t);
    if (arr) return { kind: 'array', items: this.parseType(arr[1]!, p, resolveImport, intFormat) };
    const map = /^\{ \[key: string\]: (.+?);? \}$/.exec(t);
    if (map) return { kind: 'map', values: this.parseType(map[1]!, p, resolveImport, intFormat) };
    const ref = resolveImport(p, t);
    if (ref) return { kind: 'ref', name: ref };
    return { kind: 'any' };
  }

  /** The definition name of a served kind. */
  forKind(group: string, version: string, kind: string): string | undefined {
    return this.byGvk.get(`${group}/${version}/${kind}`);
  }

  get(name: string): Definition | undefined {
    return this.definitions.get(name);
  }
}

let shared: SchemaSet | undefined;

/** The schema set, read once per process (reading the declaration files takes a moment). */
export function schemas(): SchemaSet {
  shared ??= new SchemaSet();
  return shared;
}
