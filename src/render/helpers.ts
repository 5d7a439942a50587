/**
 * The Handlebars helpers manifests need. Each helper checks its arguments and throws a
 * HelperError with the template position, so misuse reads as "templates/x.yaml.hbs:12: indent:
 * …" instead of a JavaScript stack.
 */
import { sha256Hex } from '../util/hash.js';
// `yaml` emits toYaml's text: switching emitters would change every rendered manifest that uses
// it. Parsing is js-yaml's, through src/util/yaml.ts.
import { stringify as toYamlText } from 'yaml';
import { isPlainObject } from './values.js';

/** Thrown by a helper on misuse; the engine adds package and file. */
export class HelperError extends Error {
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

/** What Handlebars passes as the last argument of a helper. */
export interface HelperOptions {
  name: string;
  hash: Record<string, unknown>;
  data?: Record<string, unknown>;
  loc?: { start: { line: number; column: number } };
  fn?: (context: unknown) => string;
  inverse?: (context: unknown) => string;
}

type HelperImpl = (args: unknown[], options: HelperOptions, self: unknown) => unknown;

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (a missing variable?)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a map';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function arity(name: string, args: unknown[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) {
    throw new Error(
      `${name} takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}; usage: ${usage}`,
    );
  }
}

function asText(name: string, value: unknown, what = 'a string'): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${name} expects ${what}, got ${describe(value)}`);
}

function empty(value: unknown): boolean {
  return (
    value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)
  );
}

function yamlText(value: unknown): string {
  if (value === undefined) throw new Error('toYaml got undefined (a missing variable?)');
  return toYamlText(value, { lineWidth: 0 }).replace(/\n$/, '');
}

/** Indents every non-empty line; arguments in either order (`indent 4 text` or `indent text 4`). */
function indentArgs(name: string, args: unknown[]): { n: number; text: string } {
  arity(name, args, 2, 2, `{{${name} 4 (toYaml value)}}`);
  const [a, b] = args;
  const [n, text] = typeof a === 'number' ? [a, b] : [b, a];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new Error(`${name} expects a non-negative integer width, got ${describe(n)}`);
  return { n, text: asText(name, text) };
}

function indentText(n: number, text: string): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

function truthy(value: unknown): boolean {
  return !(
    value === false ||
    value === 0 ||
    value === '' ||
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0)
  );
}

/** `%s` substitution with a strict count, so a wrong image pattern fails loudly. */
export function formatPattern(pattern: string, values: readonly unknown[]): string {
  let used = 0;
  const out = pattern.replace(/%(s|%)/g, (_m, kind: string) => {
    if (kind === '%') return '%';
    if (used >= values.length)
      throw new Error(
        `format: ${JSON.stringify(pattern)} has more %s than the ${values.length} value(s) given`,
      );
    return asText('format', values[used++]);
  });
  if (used !== values.length)
    throw new Error(
      `format: ${JSON.stringify(pattern)} has ${used} %s but ${values.length} value(s) were given`,
    );
  return out;
}

/** Helper implementations by name (`include` is added per package by the engine). */
export const HELPERS: Record<string, HelperImpl> = {
  toYaml: (args) => {
    arity('toYaml', args, 1, 1, '{{toYaml value}}');
    return yamlText(args[0]);
  },
  toJson: (args) => {
    arity('toJson', args, 1, 1, '{{toJson value}}');
    if (args[0] === undefined) throw new Error('toJson got undefined (a missing variable?)');
    return JSON.stringify(args[0]);
  },
  indent: (args) => {
    const { n, text } = indentArgs('indent', args);
    return indentText(n, text);
  },
  nindent: (args) => {
    const { n, text } = indentArgs('nindent', args);
    return `\n${indentText(n, text)}`;
  },
  quote: (args) => {
    arity('quote', args, 1, 1, '{{quote value}}');
    return JSON.stringify(asText('quote', args[0], 'a scalar'));
  },
  b64enc: (args) => {
    arity('b64enc', args, 1, 1, '{{b64enc value}}');
    return Buffer.from(asText('b64enc', args[0]), 'utf8').toString('base64');
  },
  b64dec: (args) => {
    arity('b64dec', args, 1, 1, '{{b64dec value}}');
    return Buffer.from(asText('b64dec', args[0]), 'base64').toString('utf8');
  },
  sha256: (args) => {
    arity('sha256', args, 1, 1, '{{sha256 value}}');
    return sha256Hex(asText('sha256', args[0]));
  },
  default: (args) => {
    arity('default', args, 2, 2, '{{default value "fallback"}}');
    return empty(args[0]) ? args[1] : args[0];
  },
  required: (args) => {
    arity('required', args, 1, 2, '{{required value "message"}}');
    if (empty(args[0]))
      throw new Error(args.length > 1 ? asText('required', args[1]) : 'a required value is empty');
    return args[0];
  },
  format: (args) => {
    if (args.length < 1)
      throw new Error('format takes a pattern and values; usage: {{format "kolla/%s:tag" "keystone"}}');
    return formatPattern(asText('format', args[0], 'a pattern string'), args.slice(1));
  },
  eq: (args) => {
    arity('eq', args, 2, 2, '{{#if (eq a b)}}');
    return args[0] === args[1];
  },
  ne: (args) => {
    arity('ne', args, 2, 2, '{{#if (ne a b)}}');
    return args[0] !== args[1];
  },
  lt: (args) => {
    arity('lt', args, 2, 2, '{{#if (lt a b)}}');
    return (args[0] as number) < (args[1] as number);
  },
  gt: (args) => {
    arity('gt', args, 2, 2, '{{#if (gt a b)}}');
    return (args[0] as number) > (args[1] as number);
  },
  and: (args) => {
    if (args.length < 2) throw new Error('and takes at least 2 arguments');
    return args.every(truthy);
  },
  or: (args) => {
    if (args.length < 2) throw new Error('or takes at least 2 arguments');
    return args.some(truthy);
  },
  not: (args) => {
    arity('not', args, 1, 1, '{{#if (not a)}}');
    return !truthy(args[0]);
  },
  join: (args) => {
    arity('join', args, 1, 2, '{{join list ","}}');
    const [list, sep] = args;
    if (!Array.isArray(list)) throw new Error(`join expects a list, got ${describe(list)}`);
    return list
      .map((v) => asText('join', v, 'a list of scalars'))
      .join(sep === undefined ? ',' : asText('join', sep));
  },
  split: (args) => {
    arity('split', args, 2, 2, '{{split text ","}}');
    return asText('split', args[0]).split(asText('split', args[1]));
  },
  lower: (args) => {
    arity('lower', args, 1, 1, '{{lower text}}');
    return asText('lower', args[0]).toLowerCase();
  },
  upper: (args) => {
    arity('upper', args, 1, 1, '{{upper text}}');
    return asText('upper', args[0]).toUpperCase();
  },
  trim: (args) => {
    arity('trim', args, 1, 1, '{{trim text}}');
    return asText('trim', args[0]).trim();
  },
  replace: (args) => {
    arity('replace', args, 3, 3, '{{replace text "from" "to"}}');
    return asText('replace', args[0]).split(asText('replace', args[1])).join(asText('replace', args[2]));
  },
  concat: (args) => args.map((v) => asText('concat', v)).join(''),
  add: (args) => {
    if (args.length < 2 || !args.every((v) => typeof v === 'number'))
      throw new Error(`add expects numbers, got ${args.map(describe).join(', ')}`);
    return (args as number[]).reduce((a, b) => a + b, 0);
  },
  list: (args) => [...args],
  dict: (args, options) => {
    if (args.length % 2 !== 0) throw new Error('dict takes key/value pairs or key=value hash arguments');
    const out: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) out[asText('dict', args[i], 'a string key')] = args[i + 1];
    return { ...out, ...options.hash };
  },
  has: (args) => {
    arity('has', args, 2, 2, '{{#if (has map "key")}}');
    return isPlainObject(args[0]) && Object.prototype.hasOwnProperty.call(args[0], asText('has', args[1]));
  },
  len: (args) => {
    arity('len', args, 1, 1, '{{len list}}');
    const v = args[0];
    if (Array.isArray(v) || typeof v === 'string') return v.length;
    if (isPlainObject(v)) return Object.keys(v).length;
    throw new Error(`len expects a list, map or string, got ${describe(v)}`);
  },
};

/** Names of every helper the engine knows (for knownHelpersOnly and reference analysis). */
export const HELPER_NAMES: readonly string[] = [
  ...Object.keys(HELPERS),
  'include',
  'if',
  'unless',
  'each',
  'with',
  'lookup',
  'log',
];
