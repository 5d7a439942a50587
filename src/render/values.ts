/**
 * Plain variable data shared by every render step: the map type, copying, dotted-path access and
 * path display. How layers of values merge is precedence.ts.
 */

/** A variables map: what manifest `variables:` and parameter files hold. */
export type Variables = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Variables {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of plain YAML data (maps, lists, scalars). */
export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (isPlainObject(value)) {
    const out: Variables = {};
    for (const [k, v] of Object.entries(value)) out[k] = cloneValue(v);
    return out as T;
  }
  return value;
}

/** `a.b[0].c` style display of a path. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(root)' : out;
}

/** Reads a dotted path; `found` distinguishes a missing key from a null value. */
export function getPath(root: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let current: unknown = root;
  for (const part of path) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, part))
      return { found: false, value: undefined };
    current = current[part];
  }
  return { found: true, value: current };
}

/** A string that will be evaluated as a derived default (and may therefore become any type). */
export function isTemplateString(value: unknown): value is string {
  return typeof value === 'string' && value.includes('{{');
}
