/**
 * Unused-parameter analysis for lint: a package variable is used when a template, a partial, a
 * derived default or a `when` of the package reads it — or, for a meta-package, when a
 * dependency reads it at the root (precedence level 2) or under its own key (level 3).
 */
import { shortName } from '../package/manifest.js';
import type { LoadedPackage } from '../package/types.js';
import { derivedReferences } from './derived.js';
import { isPartialFile, partialName } from './engine.js';
import { collectReferences, overlaps } from './references.js';
import { isPlainObject, type Variables } from './values.js';
import { whenPath } from './when.js';

const PARTIAL_CALL = /\{\{~?#?>\s*([^\s}~()]+)|\binclude\s+"([^"]+)"/g;

/** The partial names a template calls (`{{> x}}`, `{{#> x}}`, `include "x"`). */
function calledPartials(text: string): string[] {
  return [...text.matchAll(PARTIAL_CALL)].map((m) => (m[1] ?? m[2]) as string);
}

/**
 * The texts of the library partials a package calls, directly or through other library partials:
 * what they read is what the package reads (a library partial nobody calls reads nothing).
 */
function libraryPartialTexts(pkg: LoadedPackage, libraries: readonly LoadedPackage[]): string[] {
  const byName = new Map<string, string>();
  for (const library of libraries) {
    const short = shortName(library.manifest.package.name);
    for (const [file, text] of library.files)
      if (isPartialFile(file)) byName.set(`${short}/${partialName(file)}`, text);
  }
  const seen = new Set<string>();
  const queue = [...pkg.files]
    .filter(([file]) => file.endsWith('.hbs'))
    .flatMap(([, text]) => calledPartials(text));
  const out: string[] = [];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    const text = byName.get(name);
    if (text === undefined || seen.has(name)) continue;
    seen.add(name);
    out.push(text);
    queue.push(...calledPartials(text));
  }
  return out;
}

/** Every variable path a package reads by itself (with the partials it calls from its libraries). */
export function packageReferences(pkg: LoadedPackage, libraries: readonly LoadedPackage[] = []): string[][] {
  const refs: string[][] = [];
  for (const [file, text] of pkg.files) if (file.endsWith('.hbs')) refs.push(...collectReferences(text));
  for (const text of libraryPartialTexts(pkg, libraries)) refs.push(...collectReferences(text));
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
  /** The libraries the package uses. */
  libraries?: readonly LoadedPackage[];
}

/** What a package (with its dependency subtree) reads, as seen from the package's own variables. */
function effectiveReferences(node: UsageNode): string[][] {
  const refs = packageReferences(node.pkg, node.libraries ?? []);
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

/**
 * Leaf paths of user parameters (one --variables file or --set) that no package of the tree
 * reads, at the root or under a package's key: a misspelt key would otherwise do nothing.
 */
export function unreadParameters(root: UsageNode, values: Variables): string[] {
  const refs = effectiveReferences(root);
  const name = root.pkg.manifest.package.name;
  for (const key of new Set([name, shortName(name)])) for (const r of [...refs]) refs.push([key, ...r]);
  return leaves(values, [], [])
    .filter((leaf) => !refs.some((r) => overlaps(r, leaf)))
    .map((leaf) => leaf.join('.'));
}
