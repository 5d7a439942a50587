/**
 * A bound on YAML alias expansion ("billion laughs"): parsers share aliased nodes, but every deep
 * copy or serialisation afterwards expands them, so manifests, parameter files and rendered
 * documents are checked before anything copies them.
 */
import { parseYamlDocuments } from '../util/yaml.js';
import { InputError } from '../errors.js';

/** Most values one parsed file or rendered document may expand to. */
export const MAX_EXPANDED_VALUES = 200_000;

/** Counts values as a deep copy would see them (aliases expanded), stopping past `limit`. */
export function expandedSize(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop();
    count += 1;
    if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object') stack.push(...Object.values(node));
  }
  return count;
}

/**
 * Reads a multi-document YAML file (js-yaml, YAML 1.2 core schema) with the same alias bound as
 * parameter files, over all its documents together, so a rendered manifest handed to deploy or
 * diff cannot expand into gigabytes either. Syntax errors throw js-yaml's error; too many values
 * throw `YamlTooLarge`.
 */
export function loadYamlDocuments(text: string, file: string): unknown[] {
  const docs = parseYamlDocuments(text, file);
  let total = 0;
  for (const doc of docs) {
    total += expandedSize(doc, MAX_EXPANDED_VALUES - total);
    if (total > MAX_EXPANDED_VALUES) throw new YamlTooLarge(file);
  }
  return docs;
}

/** A YAML file whose aliases expand past MAX_EXPANDED_VALUES. */
export class YamlTooLarge extends InputError {
  constructor(file: string) {
    super(`${file}: expands to more than ${MAX_EXPANDED_VALUES} values through YAML aliases`, {
      hint: 'write the objects out without YAML aliases (anchors * and &)',
    });
  }
}
