/**
 * Rendering one package: its resources (those whose `when` holds) through its engine, then each
 * YAML document parsed into an object. Invalid YAML output is reported at the template line that
 * produced it, not at the line of the rendered text the author never sees.
 */
import { parseYamlDocuments } from '../util/yaml.js';
import { InputError } from '../errors.js';
import type { LoadedPackage } from '../package/types.js';
import type { KubeObject, RenderedObject } from '../model/types.js';
import { engineFor, isPartialFile, type TemplateData } from './engine.js';
import { isPlainObject, type Variables } from './values.js';
import { evaluateWhen } from './when.js';
import { MAX_EXPANDED_VALUES, expandedSize } from '../package/yaml-limits.js';

/** How to treat `when:` — evaluate it, or force every branch on (lint). */
export interface RenderPackageOptions {
  forceWhen?: boolean;
  /** The library packages of the package's `libraries:` (their partials are available namespaced). */
  libraries?: readonly LoadedPackage[];
}

/**
 * Maps a rendered line back to the template line that most likely produced it: the line whose
 * literal text (with `{{…}}` removed) appears in the rendered line, preferring the longest match.
 */
export function guessTemplateLine(template: string, renderedLine: string): number | undefined {
  let best: { line: number; score: number } | undefined;
  template.split('\n').forEach((text, i) => {
    const pieces = text
      .split(/\{\{[^}]*\}\}/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (pieces.length === 0) return;
    let at = 0;
    for (const piece of pieces) {
      const found = renderedLine.indexOf(piece, at);
      if (found < 0) return;
      at = found + piece.length;
    }
    const score = pieces.reduce((n, p) => n + p.length, 0);
    if (!best || score > best.score) best = { line: i + 1, score };
  });
  return best?.line;
}

function objectProblem(doc: unknown): string | undefined {
  if (!isPlainObject(doc)) return `is not a map (got ${Array.isArray(doc) ? 'a list' : typeof doc})`;
  if (typeof doc.apiVersion !== 'string' || doc.apiVersion === '') return 'has no apiVersion';
  if (typeof doc.kind !== 'string' || doc.kind === '') return 'has no kind';
  const meta = doc.metadata;
  if (!isPlainObject(meta) || typeof meta.name !== 'string' || meta.name === '')
    return `(${doc.kind}) has no metadata.name`;
  return undefined;
}

/**
 * Parses a rendered template into objects; empty documents (all-false conditionals) are skipped.
 * js-yaml with the YAML 1.2 core schema (no timestamps, no merge keys, duplicate keys rejected):
 * on the full OpenStack stack it parses about six times faster than `yaml`, and this is the
 * hottest step of a render.
 */
export function parseRendered(
  text: string,
  template: string,
  packageName: string,
  file: string,
): KubeObject[] {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text, file);
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = (
      (err as { reason?: string }).reason ?? (err instanceof Error ? err.message : String(err))
    ).split('\n')[0];
    const renderedLine = mark ? (text.split('\n')[mark.line] ?? '') : '';
    const line = mark ? guessTemplateLine(template, renderedLine) : undefined;
    const at = line !== undefined ? `${file}:${line}` : file;
    const rendered = mark
      ? ` (rendered line ${mark.line + 1}: ${JSON.stringify(renderedLine.trim().slice(0, 60))})`
      : '';
    throw new InputError(`${packageName} ${at}: the template renders invalid YAML: ${reason}${rendered}`);
  }
  const objects: KubeObject[] = [];
  for (const [index, value] of docs.entries()) {
    if (value === null || value === undefined) continue;
    if (expandedSize(value, MAX_EXPANDED_VALUES) > MAX_EXPANDED_VALUES) {
      throw new InputError(
        `${packageName} ${file}: document ${index + 1} expands to more than ${MAX_EXPANDED_VALUES} values through YAML aliases`,
      );
    }
    const problem = objectProblem(value);
    if (problem)
      throw new InputError(`${packageName} ${file}: document ${index + 1} ${problem}`, {
        hint: 'every document must be a Kubernetes object with apiVersion, kind and metadata.name',
      });
    objects.push(value as KubeObject);
  }
  return objects;
}

/** Renders a package's resources with its final variables. */
export function renderPackage(
  pkg: LoadedPackage,
  variables: Variables,
  data: TemplateData,
  options: RenderPackageOptions = {},
): RenderedObject[] {
  const name = pkg.manifest.package.name;
  const engine = engineFor(pkg, options.libraries ?? []);
  const out: RenderedObject[] = [];
  pkg.manifest.resources.forEach((resource, i) => {
    if (isPartialFile(resource.file)) {
      throw new InputError(
        `${name} manifest.yaml: resources[${i}].file: ${resource.file} is a partial (its name starts with "_") and cannot be a resource`,
      );
    }
    // The condition is evaluated even when forced on, so lint still catches a path that names nothing.
    const on =
      resource.when === undefined ||
      evaluateWhen(resource.when, variables, `${name} manifest.yaml: resources[${i}]`);
    if (!on && !options.forceWhen) return;
    const text = engine.render(resource.file, variables, data);
    const template = pkg.files.get(resource.file) ?? '';
    for (const object of parseRendered(text, template, name, resource.file)) {
      out.push({ object, package: name, template: resource.file });
    }
  });
  return out;
}
