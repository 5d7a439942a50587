/**
 * Derived defaults: string variables containing `{{` are Handlebars expressions over the merged
 * variables, evaluated after the whole precedence chain is applied, so overriding
 * `deployment.image.base` changes every image derived from it. Evaluation follows the references
 * between derived values; a cycle is an error naming the variable paths.
 */
import { InputError } from '../errors.js';
import type { PackageEngine, TemplateData } from './engine.js';
import { collectReferences, overlaps } from './references.js';
import { formatPath, isPlainObject, isTemplateString, type Variables } from './values.js';

interface Derived {
  path: (string | number)[];
  key: string[];
  text: string;
  state: 'pending' | 'active' | 'done';
}

function collect(value: unknown, path: (string | number)[], out: Derived[]): void {
  if (isTemplateString(value)) {
    out.push({ path, key: path.map(String), text: value, state: 'pending' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, [...path, i], out));
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) collect(v, [...path, k], out);
  }
}

function assign(root: Variables, path: readonly (string | number)[], value: unknown): void {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++)
    node = (node as Record<string | number, unknown>)[path[i] as string | number];
  (node as Record<string | number, unknown>)[path[path.length - 1] as string | number] = value;
}

/** The derived-default paths of a variables tree and what each reads (used by lint). */
export function derivedReferences(values: Variables): string[][] {
  const found: Derived[] = [];
  collect(values, [], found);
  return found.flatMap((d) => collectReferences(d.text));
}

/** Evaluates every derived default of `values` in place (values must be this package's own copy). */
export function evaluateDerived(
  values: Variables,
  engine: PackageEngine,
  data: TemplateData,
  packageName: string,
): void {
  const pending: Derived[] = [];
  collect(values, [], pending);
  if (pending.length === 0) return;
  const stack: Derived[] = [];
  const visit = (item: Derived): void => {
    if (item.state === 'done') return;
    if (item.state === 'active') {
      const cycle = [...stack.slice(stack.indexOf(item)), item].map((d) => formatPath(d.path)).join(' -> ');
      throw new InputError(`${packageName} variables: derived defaults form a cycle: ${cycle}`, {
        hint: 'make one of these a plain value instead of a {{…}} expression',
      });
    }
    item.state = 'active';
    stack.push(item);
    for (const ref of collectReferences(item.text)) {
      for (const other of pending) if (other !== item && overlaps(ref, other.key)) visit(other);
      if (overlaps(ref, item.key) && ref.length >= item.key.length) visit(item);
    }
    assign(values, item.path, engine.evaluate(item.text, formatPath(item.path), values, data));
    stack.pop();
    item.state = 'done';
  };
  for (const item of pending) visit(item);
}
