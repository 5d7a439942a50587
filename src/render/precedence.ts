/**
 * Variable precedence, in one place: which values a package renders with, from the flag or file
 * that set them to the merged map its templates see. The five levels, lowest first (DESIGN.md):
 *
 * 1. the package's own `variables:` (its defaults)
 * 2. the parent meta-package's merged parameters, at the root keys
 * 3. the same parameters under the package's key (`neutron:`, then `stackanetes/neutron:`)
 * 4. `variables:` on the dependency entry in the parent's manifest.yaml
 * 5. each `--variables FILE` in order, then each `--set path=value` in order, again at the root
 *    and under the package's key, so the user always has the last word
 *
 * Maps deep-merge, lists replace, an explicit null deletes; every leaf records the layer it came
 * from, so a type mismatch deep in a dependency names the user's file rather than an internal layer.
 * Derived defaults (`{{…}}` strings) are evaluated on the result, by the pipeline.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { parseYaml } from '../util/yaml.js';
import { describeCause, InputError, UsageError } from '../errors.js';
import { parseYamlFile, shortName } from '../package/manifest.js';
import type { DependencyEntry, LoadedPackage } from '../package/types.js';
import { cloneValue, formatPath, isPlainObject, isTemplateString, type Variables } from './values.js';

/** The parent side of a dependency: what levels 2 to 4 come from. */
export interface ParentContext {
  pkg: LoadedPackage;
  /** The parent's own merged variables (before its derived defaults). */
  merged: Merged;
  /** The dependency entry naming this package in the parent's manifest, and its index. */
  entry: DependencyEntry;
  index: number;
}

/**
 * The merged variables of a package: all five precedence levels. The root package has no parent,
 * so it gets levels 1 and 5 only — at its root keys and under its own key, as a dependency does,
 * so a parameters file means the same whether the package is rendered alone or in a stack.
 */
export function packageVariables(
  pkg: LoadedPackage,
  parent: ParentContext | undefined,
  userLayers: readonly Layer[],
): Merged {
  const name = pkg.manifest.package.name;
  // 1: the package's defaults.
  const merged = startMerge(pkg.manifest.variables, `${name} defaults`);
  if (parent) {
    const parentName = parent.pkg.manifest.package.name;
    // 2 and 3: the parent's parameters at the root, then under this package's key.
    mergeForPackage(merged, name, {
      values: parent.merged.values,
      describe: (path) => originOf(parent.merged, path) ?? `${parentName} parameters`,
    });
    // 4: the dependency entry's variables.
    if (parent.entry.variables) {
      mergeLayer(merged, {
        values: parent.entry.variables,
        describe: () => `${parentName} manifest.yaml dependencies[${parent.index}].variables`,
      });
    }
  }
  // 5: the user's files, then --set, at the root and under the key.
  for (const layer of userLayers) mergeForPackage(merged, name, layer);
  return merged;
}

/** One parsed `--variables` file. */
export interface VariableFile {
  file: string;
  values: Variables;
}

/** Reads `--variables` files (YAML maps); syntax errors name file, line and column. */
export async function readVariableFiles(
  files: readonly string[],
  cwd: string = process.cwd(),
): Promise<VariableFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const path = isAbsolute(file) ? file : resolve(cwd, file);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new InputError(
          `--variables ${file}: cannot read the file (${code === 'ENOENT' ? 'no such file' : (code ?? describeCause(err))})`,
        );
      }
      const data = parseYamlFile(text, file);
      if (data === null || data === undefined) return { file, values: {} };
      if (!isPlainObject(data))
        throw new InputError(
          `${file}: must be a map of parameters at the top level, got ${Array.isArray(data) ? 'a list' : typeof data}`,
        );
      return { file, values: data };
    }),
  );
}

/** Level 5 as layers: the `--variables` files in order, then the `--set` expressions in order. */
export function userLayers(files: readonly VariableFile[], sets: readonly SetExpression[]): Layer[] {
  return [
    ...files.map((file) => ({ values: file.values, describe: () => `--variables ${file.file}` })),
    ...sets.map((set) => {
      const layer: Layer = { values: setToValues(set), describe: () => `--set ${set.text}` };
      const typed = setTyped(set);
      if (typed) layer.typed = typed;
      return layer;
    }),
  ];
}

/**
 * Applies a layer at the root and under the keys named after `name` (`neutron:`, then
 * `stackanetes/neutron:`): the full name goes last so it wins, being the one key that cannot also
 * mean another namespace's package of the same short name.
 */
function mergeForPackage(merged: Merged, name: string, layer: Layer): void {
  mergeLayer(merged, layer);
  for (const key of new Set([shortName(name), name])) {
    const section = layer.values[key];
    if (!isPlainObject(section)) continue;
    const under: Layer = { values: section, describe: (path) => layer.describe([key, ...path]) };
    const typed = layer.typed;
    if (typed) under.typed = (path) => typed([key, ...path]);
    mergeLayer(merged, under);
  }
}

/** Describes which layer a path's value came from (for error messages). */
export type Describe = (path: readonly string[]) => string;

/** One source of values in the precedence chain. */
export interface Layer {
  values: Variables;
  describe: Describe;
  /**
   * The text a number or boolean was typed as (`--set tag=2025.10`), so a string default receives
   * it verbatim instead of YAML's reading of it (`2025.1`; `00123` would become `123`).
   */
  typed?: (path: readonly string[]) => string | undefined;
}

/** A merge result: the values plus where each leaf came from. */
export interface Merged {
  values: Variables;
  /** Origin of each set path (keys joined with NUL), for messages. */
  origins: Map<string, string>;
}

const KEY_SEP = '\u0000';
/** Keys that would reach object prototypes when assigned. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (isPlainObject(value)) return 'map';
  return typeof value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Starts a merge from a package's defaults. */
export function startMerge(defaults: Variables, label: string): Merged {
  // Defaults keep their nulls ("no default"); only later layers use null to delete.
  const merged: Merged = { values: cloneValue(defaults), origins: new Map() };
  recordOrigins(merged.values, [], merged, () => label);
  merged.origins.delete('');
  return merged;
}

/**
 * Merges one layer on top. Type rules: a map may only be replaced by a map and a list by a list;
 * a number or boolean default takes only the same type; a string default takes any scalar (a
 * YAML-typed `--set tag=2024.1` still means the string); a derived default (`{{…}}`) or null takes
 * anything. Violations are InputErrors naming the layer, the path and both values.
 */
export function mergeLayer(target: Merged, layer: Layer): void {
  mergeInto(target.values, layer.values, [], target, layer);
}

function mergeInto(base: Variables, override: Variables, path: string[], target: Merged, layer: Layer): void {
  const describe = layer.describe;
  for (const [key, value] of Object.entries(override)) {
    const here = [...path, key];
    if (FORBIDDEN_KEYS.has(key)) {
      throw new InputError(
        `${describe(here)}: ${formatPath(here)}: the key ${JSON.stringify(key)} is not allowed in variables`,
      );
    }
    const id = here.join(KEY_SEP);
    if (value === undefined) continue;
    if (value === null) {
      delete base[key];
      target.origins.set(id, describe(here));
      continue;
    }
    const current = Object.prototype.hasOwnProperty.call(base, key) ? base[key] : undefined;
    if (current === undefined || current === null || isTemplateString(current) || isTemplateString(value)) {
      base[key] = cloneValue(value);
      recordOrigins(value, here, target, describe);
      continue;
    }
    const want = kindOf(current);
    const got = kindOf(value);
    if (want === 'map' && got === 'map') {
      mergeInto(current as Variables, value as Variables, here, target, layer);
      continue;
    }
    if (want === got || (want === 'string' && (got === 'number' || got === 'boolean'))) {
      base[key] = want === 'string' ? (layer.typed?.(here) ?? String(value)) : cloneValue(value);
      recordOrigins(value, here, target, describe);
      continue;
    }
    const from = target.origins.get(id);
    throw new InputError(
      `${describe(here)}: ${formatPath(here)}: expected a ${want} (as ${show(current)}${from ? ` from ${from}` : ''}), got ${got} ${show(value)}`,
      {
        hint:
          want === 'map'
            ? `set keys under ${formatPath(here)} instead of replacing the whole map`
            : `give a ${want} value`,
      },
    );
  }
}

function recordOrigins(value: unknown, path: string[], target: Merged, describe: Describe): void {
  target.origins.set(path.join(KEY_SEP), describe(path));
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(k)) {
        throw new InputError(
          `${describe([...path, k])}: ${formatPath([...path, k])}: the key ${JSON.stringify(k)} is not allowed in variables`,
        );
      }
      recordOrigins(v, [...path, k], target, describe);
    }
  }
}

/** The origin recorded for a path, if any. */
export function originOf(merged: Merged, path: readonly string[]): string | undefined {
  return merged.origins.get(path.join(KEY_SEP));
}

/** One parsed `--set path=value`. */
export interface SetExpression {
  text: string;
  path: string[];
  value: unknown;
  /** The value as typed, when YAML read it as a number or boolean (see Layer.typed). */
  typed?: string;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;

/**
 * Parses `--set a.b.c=VALUE`. The value is YAML-typed (`3`, `true`, `[1,2]`, `{a: 1}`, `null`
 * deletes); an empty value is the empty string. A package name with a slash may be quoted as
 * one segment: `--set '"stackanetes/keystone".replicas=3'`.
 */
export function parseSet(text: string): SetExpression {
  const eq = findEquals(text);
  if (eq < 0)
    throw new UsageError(`--set ${JSON.stringify(text)}: missing "=" (expected path=value)`, {
      hint: 'write e.g. --set keystone.replicas=3',
    });
  const pathText = text.slice(0, eq);
  const valueText = text.slice(eq + 1);
  const path = splitPath(pathText, text);
  let value: unknown = '';
  // `{{…}}` is a derived default; to YAML it would be a flow map keyed by a map.
  if (valueText.trimStart().startsWith('{{')) return { text, path, value: valueText };
  if (valueText.trim() !== '') {
    try {
      value = parseYaml(valueText);
    } catch (err) {
      const reason = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      throw new UsageError(`--set ${JSON.stringify(text)}: the value is not valid YAML: ${reason}`, {
        hint: 'quote it, e.g. --set \'key="a: b"\'',
      });
    }
  }
  return typeof value === 'number' || typeof value === 'boolean'
    ? { text, path, value, typed: valueText.trim() }
    : { text, path, value };
}

function findEquals(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '"') quoted = !quoted;
    else if (text[i] === '=' && !quoted) return i;
  }
  return -1;
}

function splitPath(pathText: string, text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const bad = (why: string): never => {
    throw new UsageError(`--set ${JSON.stringify(text)}: bad path ${JSON.stringify(pathText)}: ${why}`, {
      hint: 'use dot-separated keys of letters, digits, "_" and "-", e.g. keystone.replicas',
    });
  };
  if (pathText === '') bad('empty');
  while (i <= pathText.length) {
    let segment: string;
    if (pathText[i] === '"') {
      const end = pathText.indexOf('"', i + 1);
      if (end < 0) bad('unterminated quote');
      segment = pathText.slice(i + 1, end);
      if (segment === '') bad('empty quoted segment');
      i = end + 1;
      if (i < pathText.length && pathText[i] !== '.')
        bad(`unexpected ${JSON.stringify(pathText[i])} after a quoted segment`);
    } else {
      const end = pathText.indexOf('.', i);
      segment = pathText.slice(i, end < 0 ? pathText.length : end);
      if (!SEGMENT.test(segment))
        bad(segment === '' ? 'empty segment' : `invalid segment ${JSON.stringify(segment)}`);
      i = end < 0 ? pathText.length : end;
    }
    // Refused here, before any object is built: assigning `__proto__` would silently drop the
    // value, while `constructor` failed later with another message and exit code.
    if (FORBIDDEN_KEYS.has(segment))
      throw new UsageError(
        `--set ${JSON.stringify(text)}: the key ${JSON.stringify(segment)} is not allowed in variables`,
        { hint: 'name a parameter of the package, e.g. keystone.replicas' },
      );
    parts.push(segment);
    if (i >= pathText.length) break;
    i += 1;
    if (i >= pathText.length) bad('ends with "."');
  }
  return parts;
}

/** The typed text of a parsed --set, for Layer.typed: only at exactly its path. */
export function setTyped(set: SetExpression): Layer['typed'] {
  const typed = set.typed;
  if (typed === undefined) return undefined;
  return (path) =>
    path.length === set.path.length && path.every((part, i) => part === set.path[i]) ? typed : undefined;
}

/** Turns a parsed --set into a layer value: `{a: {b: VALUE}}`. */
export function setToValues(set: SetExpression): Variables {
  const root: Variables = {};
  let node = root;
  set.path.forEach((part, i) => {
    if (i === set.path.length - 1) node[part] = set.value;
    else {
      const next: Variables = {};
      node[part] = next;
      node = next;
    }
  });
  return root;
}
