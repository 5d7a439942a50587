/**
 * `fieldValidation` as the real server applies it: unknown and duplicate fields are errors under
 * Strict (400 BadRequest), `Warning: 299` headers under Warn (the default), and nothing under
 * Ignore. Creates and updates word them as the strict JSON decoder does; server-side apply
 * words them as structured-merge-diff does, with keyed list items (`containers[name="app"]`).
 */
import { ApiError } from './api-error.js';
import type { Json, JsonObject } from './json.js';
import { isObject } from './json.js';
import { groupVersion } from './resources.js';
import { itemKey, listSemantics } from './schema.js';
import { duplicateFields } from './structure.js';
import { decodePrefix, type TypeRef, unknownFields } from './validate.js';

/** The SSA spelling of a decoder path: `.spec.containers[name="app"].foo`. */
function applyPath(kind: string, body: JsonObject, path: string): string {
  const tokens = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: Json | undefined = body;
  const names: string[] = [];
  let out = '';
  for (const t of tokens) {
    const index = /^\[(\d+)\]$/.exec(t);
    if (index) {
      const item: Json | undefined = Array.isArray(cur) ? cur[Number(index[1])] : undefined;
      const sem = listSemantics(kind, names, true);
      if (sem.type === 'map' && item !== undefined) {
        const key = JSON.parse(itemKey(item, sem.keys)) as JsonObject;
        out += `[${Object.entries(key)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}]`;
      } else out += t;
      cur = item;
    } else {
      names.push(t);
      out += `.${t}`;
      cur = isObject(cur) ? cur[t] : undefined;
    }
  }
  return out;
}

/** The unknown and duplicate fields of a write, one message each. */
export function fieldProblems(
  type: TypeRef,
  body: JsonObject,
  how: 'decode' | 'apply' | 'patch',
  text: string,
): string[] {
  const unknown = unknownFields(type, body);
  if (how === 'apply')
    return unknown.map((f) => `${applyPath(type.kind, body, f)}: field not declared in schema`);
  const duplicates = text.trimStart().startsWith('{') ? duplicateFields(text) : [];
  return [
    ...duplicates.map((f) => `duplicate field ${JSON.stringify(f)}`),
    ...unknown.map((f) => `unknown field ${JSON.stringify(f)}`),
  ];
}

/** The 400 a Strict request gets. */
export function strictError(type: TypeRef, how: 'decode' | 'apply' | 'patch', problems: string[]): ApiError {
  if (how === 'apply') {
    return new ApiError(
      400,
      'BadRequest',
      `failed to create typed patch object (${groupVersion(type.group, type.version)}, Kind=${type.kind}): ${problems[0]!}`,
    );
  }
  const detail = `strict decoding error: ${problems.join(', ')}`;
  return new ApiError(400, 'BadRequest', how === 'decode' ? `${decodePrefix(type)}: ${detail}` : detail);
}

/**
 * Server-side apply refuses a body whose keyed list holds two items with one key (two env vars
 * named alike), whatever `fieldValidation` says: the patch cannot be made a typed object.
 */
export function checkApplyKeys(type: TypeRef & { crdName?: string }, body: JsonObject): void {
  if (type.crdName) return;
  const walk = (v: Json, names: string[], path: string): void => {
    if (Array.isArray(v)) {
      const sem = listSemantics(type.kind, names, true);
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (sem.type === 'map') {
          const key = itemKey(item, sem.keys);
          if (seen.has(key)) {
            const parsed = JSON.parse(key) as JsonObject;
            const spelled = Object.entries(parsed)
              .map(([k, x]) => `${k}=${JSON.stringify(x)}`)
              .join(',');
            throw new ApiError(
              400,
              'BadRequest',
              `failed to create typed patch object (${groupVersion(type.group, type.version)}, Kind=${type.kind}): ${applyPath(type.kind, body, path)}: duplicate entries for key [${spelled}]`,
            );
          }
          seen.add(key);
        }
        walk(item, names, `${path}[${i}]`);
      });
      return;
    }
    if (!isObject(v)) return;
    for (const [k, x] of Object.entries(v)) walk(x, [...names, k], path === '' ? k : `${path}.${k}`);
  };
  walk(body, [], '');
}
