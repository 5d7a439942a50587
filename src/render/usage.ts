/**
 * Unused-parameter analysis for lint: a package variable is used when a template, a partial, a
 * derived default or a `when` of the package reads it — or, for a meta-package, when a
 * dependency reads it at the root (precedence level 2) or under its own key (level 3).
 */
import { shortName } from '../package/manifest.js';
import type { LoadedPackage } from '../package/types.js';
import { derivedReferences } from './derived.js';
import { collectReferences, overlaps } from './references.js';
import { isPlainObject, type Variables } from './values.js';
import { whenPath } from './when.js';

/** Every variable path a package reads by itself. */
export function packageReferences(pkg: LoadedPackage): string[][] {
  const refs: string[][] = [];
  for (const [file, text] of pkg.files) if (file.endsWith('.hbs')) refs.push(...collectReferences(text));
  refs.push(...derivedReferences(pkg.manifest.variables));
  for (const r of pkg.manifest.resources) if (r.when) refs.push(whenPath(r.when));
  for (const d of pkg.manifest.dependencies) if (d.when) refs.push(whenPath(d.when));
  return refs;
}

function leaves(values: Variables, path: string[], out: string[][]): string[][] {
  const entries = Object.entries(values);
  if (entries.length === 0 && path.length > 0) out.push(path);
  for (const [key, value] of entries) {
    if (isPlainObject(value) && Object.keys(value).length > 0) leaves(value, [...path, key], out);
    else out.push([...path, key]);
  }
  return out;
}

/** A package of the tree and the packages it depends on. */
export interface UsageNode {
  pkg: LoadedPackage;
  children: UsageNode[];
}

/** What a package (with its dependency subtree) reads, as seen from the package's own variables. */
function effectiveReferences(node: UsageNode): string[][] {
  const refs = packageReferences(node.pkg);
  for (const child of node.children) {
    const childRefs = effectiveReferences(child);
    refs.push(...childRefs);
    const name = child.pkg.manifest.package.name;
    for (const key of new Set([name, shortName(name)])) for (const r of childRefs) refs.push([key, ...r]);
  }
  return refs;
}

/** Dotted paths of the package's defaults that nothing reads. */
export function unusedVariables(node: UsageNode): string[] {
  const refs = effectiveReferences(node);
  return leaves(node.pkg.manifest.variables, [], [])
    .filter((leaf) => !refs.some((r) => overlaps(r, leaf)))
    .map((leaf) => leaf.join('.'));
}
