/**
 * A bound on YAML alias expansion ("billion laughs"): parsers share aliased nodes, but every deep
 * copy or serialisation afterwards expands them, so manifests, parameter files and rendered
 * documents are checked before anything copies them.
 */

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
