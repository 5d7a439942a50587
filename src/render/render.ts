/**
 * Rendering one package: its resources (those whose `when` holds) through its engine, then each
 * YAML document parsed into an object. Invalid YAML output is reported at the template line that
 * produced it, not at the line of the rendered text the author never sees.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from '../errors.js';
import type { LoadedPackage } from '../package/types.js';
import type { KubeObject, RenderedObject } from './types.js';
import { engineFor, isPartialFile, type TemplateData } from './engine.js';
import { isPlainObject, type Variables } from './values.js';
import { evaluateWhen } from './when.js';

/** How to treat `when:` — evaluate it, or force every branch on (lint). */
export interface RenderPackageOptions {
  forceWhen?: boolean;
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
  if (!isPlainObject(meta) || typeof meta.name !== 'string' || meta.name === '') return `(${doc.kind}) has no metadata.name`;
  return undefined;
}

/** Parses a rendered template into objects; empty documents (all-false conditionals) are skipped. */
export function parseRendered(text: string, template: string, packageName: string, file: string): KubeObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const objects: KubeObject[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  for (const [index, doc] of list.entries()) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
      const renderedLine = pos ? (text.split('\n')[pos.line - 1] ?? '') : '';
      const line = pos ? guessTemplateLine(template, renderedLine) : undefined;
      const reason = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      const at = line !== undefined ? `${file}:${line}` : file;
      const rendered = pos ? ` (rendered line ${pos.line}: ${JSON.stringify(renderedLine.trim().slice(0, 60))})` : '';
      throw new InputError(`${packageName} ${at}: the template renders invalid YAML: ${reason}${rendered}`);
    }
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const problem = objectProblem(value);
    if (problem) throw new InputError(`${packageName} ${file}: document ${index + 1} ${problem}`, { hint: 'every document must be a Kubernetes object with apiVersion, kind and metadata.name' });
    objects.push(value as KubeObject);
  }
  return objects;
}

/** Renders a package's resources with its final variables. */
export function renderPackage(pkg: LoadedPackage, variables: Variables, data: TemplateData, options: RenderPackageOptions = {}): RenderedObject[] {
  const name = pkg.manifest.package.name;
  const engine = engineFor(pkg);
  const out: RenderedObject[] = [];
  pkg.manifest.resources.forEach((resource, i) => {
    if (isPartialFile(resource.file)) {
      throw new InputError(`${name} manifest.yaml: resources[${i}].file: ${resource.file} is a partial (its name starts with "_") and cannot be a resource`);
    }
    // The condition is evaluated even when forced on, so lint still catches a path that names nothing.
    const on = resource.when === undefined || evaluateWhen(resource.when, variables, `${name} manifest.yaml: resources[${i}]`);
    if (!on && !options.forceWhen) return;
    const text = engine.render(resource.file, variables, data);
    const template = pkg.files.get(resource.file) ?? '';
    for (const object of parseRendered(text, template, name, resource.file)) {
      out.push({ object, package: name, template: resource.file });
    }
  });
  return out;
}
