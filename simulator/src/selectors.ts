/**
 * Label and field selectors with the grammar the API server accepts (`a=b`, `a==b`, `a!=b`,
 * `a in (x,y)`, `a notin (x)`, `a`, `!a`), so list and watch filter the way kubectl and
 * client-node expect.
 */
import { badRequest } from './api-error.js';
import type { JsonObject } from './json.js';
import { isObject } from './json.js';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A parsed selector: matches when every requirement holds. */
export type Selector = (labels: Record<string, string>) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function parseRequirement(term: string, what: string): Requirement {
  let m = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (m) {
    const values = m[3]!
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    return { op: m[2] as 'in' | 'notin', key: m[1]!, values };
  }
  m = /^([^\s!=()]+)\s*(==|=|!=)\s*([^\s,()]*)$/.exec(term);
  if (m) return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! };
  m = /^!\s*([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'notexists', key: m[1]! };
  m = /^([^\s!=()]+)$/.exec(term);
  if (m) return { op: 'exists', key: m[1]! };
  throw badRequest(`unable to parse requirement: invalid ${what} selector term "${term}"`);
}

function matches(req: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key);
  const value = labels[req.key];
  switch (req.op) {
    case 'eq':
      return has && value === req.value;
    case 'neq':
      return !has || value !== req.value;
    case 'in':
      return has && req.values.includes(value!);
    case 'notin':
      return !has || !req.values.includes(value!);
    case 'exists':
      return has;
    case 'notexists':
      return !has;
  }
}

/** Parses a `labelSelector` query value; an empty or absent selector matches everything. */
export function parseLabelSelector(text: string | null | undefined): Selector {
  if (!text || text.trim() === '') return () => true;
  const reqs = splitTopLevel(text).map((t) => parseRequirement(t, 'label'));
  return (labels) => reqs.every((r) => matches(r, labels));
}

/** The labels of an object as a plain string map. */
export function labelsOf(obj: JsonObject): Record<string, string> {
  const metadata = isObject(obj.metadata) ? obj.metadata : {};
  const labels = isObject(metadata.labels) ? metadata.labels : {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Reads a dotted field path (`metadata.name`, `status.phase`) as a string for field selectors. */
function fieldValue(obj: JsonObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) cur = isObject(cur) ? cur[part] : undefined;
  return cur === undefined || cur === null ? '' : String(cur);
}

/**
 * Parses a `fieldSelector`; supports `=`, `==`, `!=` on any dotted path (the real server allows a
 * per-kind subset; clients only use metadata.name/namespace and a few status fields).
 */
export function parseFieldSelector(text: string | null | undefined): (obj: JsonObject) => boolean {
  if (!text || text.trim() === '') return () => true;
  const reqs = splitTopLevel(text).map((t) => {
    const r = parseRequirement(t, 'field');
    if (r.op !== 'eq' && r.op !== 'neq')
      throw badRequest(`field selector "${t}": only =, == and != are supported`);
    return r;
  });
  return (obj) =>
    reqs.every((r) => {
      const v = fieldValue(obj, r.key);
      const value = (r as { value: string }).value;
      return r.op === 'eq' ? v === value : v !== value;
    });
}
