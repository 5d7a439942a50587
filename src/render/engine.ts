/**
 * The Handlebars engine of one package: strict mode (a missing variable is an error), no HTML
 * escaping, our helpers, and the package's partials (`templates/**\/_name.yaml.hbs`). Templates
 * are compiled once per package and file and cached across renders in the same process. Every
 * failure becomes an InputError naming the package, the template file and the line.
 */
import Handlebars from './hbs.js';
import { templateSpec } from './compile-cache.js';
import { InputError } from '../errors.js';
import type { LoadedPackage } from '../package/types.js';
import { HELPER_NAMES, HelperError, HELPERS, type HelperOptions } from './helpers.js';
import {
  interpret,
  InterpretError,
  prepare,
  type Interpretable,
  type RegisteredHelper,
} from './interpret.js';

/** `@release` and `@package` data every template and derived default can read. */
export interface TemplateData {
  release: { name: string; namespace: string };
  package: { name: string; version: string };
}

type Compiled = (
  context: unknown,
  options?: {
    data?: Record<string, unknown>;
    allowProtoPropertiesByDefault?: boolean;
    allowProtoMethodsByDefault?: boolean;
  },
) => string;

/** A failure located in a template file (possibly a partial) before package context is added. */
class TemplateFault extends Error {
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number | undefined,
    /** Set when the file is a partial of this library package rather than of the package itself. */
    readonly library?: string,
  ) {
    super(reason);
  }
}

const CAPTURE = '__value';

const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries([...HELPER_NAMES, CAPTURE].map((n) => [n, true])),
} as const;

/**
 * A template compiled on first use, like Handlebars' compile(), but through the compile cache so
 * a fresh process evaluates stored output instead of running the compiler (see compile-cache.ts).
 */
function lazyTemplate(env: typeof Handlebars, text: string): Compiled {
  let compiled: Compiled | undefined;
  return (context, options) => {
    compiled ??= env.template(templateSpec(text, { ...COMPILE_OPTIONS })) as unknown as Compiled;
    return compiled(context, { ...options, ...PROTOTYPE_ACCESS });
  };
}

/**
 * Prototype access stays denied, as by default, but said explicitly: left unset, Handlebars
 * prints a three-line warning to stderr for every denied method name (`{{hasOwnProperty}}`).
 */
const PROTOTYPE_ACCESS = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false } as const;

/** True for files that are partials rather than resources: `_name.hbs` / `_name.yaml.hbs` under templates/. */
export function isPartialFile(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return path.startsWith('templates/') && base.startsWith('_') && base.endsWith('.hbs');
}

/** The partial name of a partial file: its base name without `_` and `.hbs` / `.yaml.hbs`. */
export function partialName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.slice(1).replace(/(\.ya?ml)?\.hbs$/, '');
}

function snippetAt(source: string, line: number, column: number | undefined): string | undefined {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const start =
    column !== undefined && text.slice(column).startsWith('{{')
      ? column
      : text.lastIndexOf('{{', column ?? text.length);
  if (start < 0) return undefined;
  const end = text.indexOf('}}', start);
  return end < 0 ? text.slice(start).trim() : text.slice(start, end + 2);
}

/**
 * Helper arguments are looked up without strict checks (so `{{#if maybe}}` works), which makes
 * `{{quote missing.key}}` fail as a bare TypeError. This finds the first root-level path whose
 * parent does not exist, for a message with the line.
 */
function locateBrokenPath(
  source: string,
  context: unknown,
): { path: string; missing: string; line: number } | undefined {
  let found: { path: string; missing: string; line: number } | undefined;
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source);
  } catch {
    return undefined;
  }
  const visit = (node: unknown, depth: number): void => {
    if (found || typeof node !== 'object' || node === null) return;
    const n = node as {
      type?: string;
      path?: unknown;
      params?: unknown[];
      hash?: { pairs: { value: unknown }[] };
      program?: unknown;
      inverse?: unknown;
      body?: unknown[];
    };
    if (n.type === 'PathExpression') {
      const p = node as hbs.AST.PathExpression;
      if (p.data || p.depth !== depth || p.parts.length < 2) return;
      let current: unknown = context;
      for (let i = 0; i < p.parts.length - 1; i++) {
        const part = p.parts[i] as string;
        current =
          typeof current === 'object' && current !== null
            ? (current as Record<string, unknown>)[part]
            : undefined;
        if (current === undefined || current === null) {
          found = { path: p.original, missing: p.parts.slice(0, i + 1).join('.'), line: p.loc.start.line };
          return;
        }
      }
      return;
    }
    if (n.type === 'BlockStatement') {
      const name = (n.path as hbs.AST.PathExpression | undefined)?.original;
      visit(n.path, depth);
      for (const param of n.params ?? []) visit(param, depth);
      for (const pair of n.hash?.pairs ?? []) visit(pair.value, depth);
      visit(n.program, name === 'each' || name === 'with' ? depth + 1 : depth);
      visit(n.inverse, depth);
      return;
    }
    if (n.type === 'Program') {
      for (const statement of n.body ?? []) visit(statement, depth);
      return;
    }
    visit(n.path, depth);
    for (const param of n.params ?? []) visit(param, depth);
    for (const pair of n.hash?.pairs ?? []) visit(pair.value, depth);
  };
  visit(ast, 0);
  return found;
}

/** Names the whole path and its first missing part when the context shows it (outside blocks it does). */
function missingMessage(name: string, snippet: string | undefined, context: unknown): string {
  const path = snippet ? /^\{\{~?\s*([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*~?\}\}$/.exec(snippet)?.[1] : undefined;
  if (path) {
    const parts = path.split('.');
    let current: unknown = context;
    for (let i = 0; i < parts.length; i++) {
      const next =
        typeof current === 'object' &&
        current !== null &&
        Object.prototype.hasOwnProperty.call(current, parts[i] as string)
          ? (current as Record<string, unknown>)[parts[i] as string]
          : undefined;
      if (next === undefined) {
        const prefix = parts.slice(0, i + 1).join('.');
        return prefix === path
          ? `missing variable "${path}"`
          : `missing variable "${path}" ("${prefix}" is not defined)`;
      }
      current = next;
    }
  }
  return `missing variable "${name}"${snippet ? ` in ${snippet}` : ''}`;
}

/** Turns whatever Handlebars or a helper threw into a located fault. */
function toFault(err: unknown, file: string, source: string, context?: unknown): TemplateFault {
  if (err instanceof TemplateFault) return err;
  if (err instanceof HelperError) return new TemplateFault(err.message, file, err.line);
  const raw = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError && /Cannot read propert(y|ies) of (undefined|null)/.test(raw)) {
    const broken = locateBrokenPath(source, context);
    if (broken)
      return new TemplateFault(
        `missing variable "${broken.missing}" (reading ${broken.path})`,
        file,
        broken.line,
      );
  }
  const handlebarsLine = (err as { lineNumber?: number }).lineNumber;
  const handlebarsColumn = (err as { column?: number }).column;
  const parse = /^Parse error on line (\d+):[\s\S]*\n(Expecting [\s\S]*)$/.exec(raw);
  if (parse) {
    const got = /got '([^']+)'/.exec(parse[2] ?? '')?.[1];
    return new TemplateFault(
      `template syntax error${got ? ` (unexpected ${got})` : ''}`,
      file,
      Number(parse[1]),
    );
  }
  const located = / - (\d+):(\d+)$/.exec(raw);
  const line = handlebarsLine ?? (located ? Number(located[1]) : undefined);
  const column = handlebarsColumn ?? (located ? Number(located[2]) : undefined);
  const unknownHelper = /used the unknown helper ([^\s]+)/.exec(raw);
  if (unknownHelper) return new TemplateFault(`unknown helper "${unknownHelper[1]}"`, file, line);
  const missing = /^"([^"]+)" not defined in/.exec(raw);
  if (missing) {
    const snippet = line !== undefined ? snippetAt(source, line, column) : undefined;
    return new TemplateFault(missingMessage(missing[1] ?? '', snippet, context), file, line);
  }
  const partial = /The partial (.+) could not be found/.exec(raw);
  if (partial) {
    // Handlebars gives no position for a missing partial: the first line that calls it is the one.
    const name = partial[1] ?? '';
    const calledAt = source
      .split('\n')
      .findIndex((text) =>
        new RegExp(`\\{\\{~?#?>\\s*${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[\\s}~]`).test(text),
      );
    return new TemplateFault(
      `unknown partial "${name}"`,
      file,
      line ?? (calledAt >= 0 ? calledAt + 1 : undefined),
    );
  }
  return new TemplateFault(raw.replace(/ - \d+:\d+$/, '').split('\n')[0] ?? raw, file, line);
}

/** The compiled templates, partials and helpers of one package. */
export class PackageEngine {
  private readonly env: typeof Handlebars;
  private readonly templates = new Map<string, Compiled>();
  private readonly strings = new Map<string, Compiled>();
  private readonly prepared = new Map<string, Interpretable | null>();
  private readonly partials = new Map<string, { file: string; run: Compiled }>();
  private readonly name: string;
  /** Library short name → its package name and partial names, for messages. */
  private readonly libraries = new Map<string, { name: string; partials: string[] }>();

  constructor(
    private readonly pkg: LoadedPackage,
    libraries: readonly LoadedPackage[] = [],
  ) {
    this.name = pkg.manifest.package.name;
    this.env = Handlebars.create();
    for (const [helper, impl] of Object.entries(HELPERS)) this.registerHelper(helper, impl);
    this.registerHelper('include', (args, options, self) => {
      if (args.length < 1 || args.length > 2 || typeof args[0] !== 'string') {
        throw new Error(
          'include takes a partial name and an optional context; usage: {{nindent 4 (include "labels" this)}}',
        );
      }
      const partial = this.partials.get(args[0]);
      if (!partial) {
        throw new Error(
          args[0].includes('/')
            ? this.unknownPartial(args[0])
            : `unknown partial "${args[0]}" (partials are templates/**/_${args[0]}.yaml.hbs)`,
        );
      }
      return partial.run(args.length > 1 ? args[1] : self, { data: options.data ?? {} }).replace(/\n$/, '');
    });
    this.registerHelper(CAPTURE, (args, options) => {
      (options.data as { capture: { value: unknown } }).capture.value = args[0];
      return '';
    });
    for (const [file, text] of pkg.files)
      if (isPartialFile(file)) this.addPartial(partialName(file), file, text);
    // A library's partials are namespaced by its short name (`openstack-common/job`); a package's
    // own partial names never contain "/", so the two cannot collide.
    for (const library of libraries) {
      const libName = library.manifest.package.name;
      const short = libName.slice(libName.indexOf('/') + 1);
      const names: string[] = [];
      for (const [file, text] of library.files) {
        if (!isPartialFile(file)) continue;
        names.push(partialName(file));
        this.addPartial(`${short}/${partialName(file)}`, file, text, libName);
      }
      this.libraries.set(short, { name: libName, partials: names.sort() });
    }
  }

  private addPartial(name: string, file: string, text: string, library?: string): void {
    const compiled = lazyTemplate(this.env, text);
    const run: Compiled = (context, options) => {
      try {
        return compiled(context, options);
      } catch (err) {
        // The innermost partial that failed is the one to name; outer ones pass its fault on.
        if (err instanceof TemplateFault) throw err;
        const fault = toFault(err, file, text, context);
        throw library === undefined
          ? fault
          : new TemplateFault(fault.reason, fault.file, fault.line, library);
      }
    };
    this.partials.set(name, { file, run });
    this.env.registerPartial(name, run as unknown as Handlebars.Template);
  }

  /** Why `short/partial` is not available: no such library in `libraries:`, or no such partial in it. */
  private unknownPartial(name: string): string {
    const short = name.slice(0, name.indexOf('/'));
    const partial = name.slice(name.indexOf('/') + 1);
    const library = this.libraries.get(short);
    if (!library)
      return `unknown partial "${name}": no library "${short}" in libraries: of ${this.name}'s manifest.yaml${
        this.libraries.size > 0
          ? ` (it uses ${[...this.libraries.values()].map((l) => l.name).join(', ')})`
          : ''
      }`;
    return `unknown partial "${name}": library ${library.name} has no partial "${partial}" (it has ${library.partials.join(', ') || 'none'})`;
  }

  private registerHelper(
    name: string,
    impl: (args: unknown[], options: HelperOptions, self: unknown) => unknown,
  ): void {
    this.env.registerHelper(name, function (this: unknown, ...all: unknown[]) {
      const options = all.pop() as HelperOptions;
      try {
        return impl(all, options, this);
      } catch (err) {
        if (err instanceof TemplateFault || err instanceof HelperError) throw err;
        const message = err instanceof Error ? err.message : String(err);
        throw new HelperError(
          message.startsWith(`${name} `) || message.startsWith(`${name}:`) ? message : `${name}: ${message}`,
          options.loc?.start.line,
        );
      }
    });
  }

  private fail(fault: TemplateFault): InputError {
    const where = fault.line !== undefined ? `${fault.file}:${fault.line}` : fault.file;
    const partial = /^unknown partial "([^"]+\/[^"]+)"$/.exec(fault.reason)?.[1];
    const reason = partial ? this.unknownPartial(partial) : fault.reason;
    return new InputError(
      fault.library
        ? `${this.name}: library ${fault.library} ${where}: ${reason}`
        : `${this.name} ${where}: ${reason}`,
    );
  }

  /**
   * Compiles every partial of the package now (lint of a library, which renders nothing): syntax
   * errors, unknown helpers and references to partials that do not exist surface without a render.
   * Inside a library, partials call each other by their namespaced name (`common/selector`),
   * because that is the only name they have in the packages that use the library.
   */
  checkPartials(): void {
    const short = this.name.slice(this.name.indexOf('/') + 1);
    const library = this.pkg.manifest.package.kind === 'library';
    const own = new Set(
      [...this.pkg.files.keys()]
        .filter(isPartialFile)
        .map((f) => (library ? `${short}/` : '') + partialName(f)),
    );
    for (const [file, text] of this.pkg.files) {
      if (!isPartialFile(file)) continue;
      try {
        this.env.precompile(text, { ...COMPILE_OPTIONS });
      } catch (err) {
        throw this.fail(toFault(err, file, text));
      }
      text.split('\n').forEach((line, i) => {
        for (const m of line.matchAll(/\{\{~?#?>\s*([^\s}~]+)/g)) {
          const name = m[1] as string;
          if (name.startsWith('@') || own.has(name) || (!library && this.partials.has(name))) continue;
          const reason =
            library && !name.includes('/') && own.has(`${short}/${name}`)
              ? `partial "${name}" must be called "${short}/${name}" inside a library (its name in the packages that use it)`
              : library && !name.startsWith(`${short}/`)
                ? `unknown partial "${name}": a library can call only its own partials (${short}/…)`
                : `unknown partial "${name}": ${this.name} has no templates/**/_${name.slice(name.indexOf('/') + 1)}.hbs`;
          throw this.fail(new TemplateFault(reason, file, i + 1));
        }
      });
    }
  }

  /** Renders one template file of the package. */
  render(file: string, context: unknown, data: TemplateData): string {
    const source = this.pkg.files.get(file);
    if (source === undefined)
      throw new InputError(`${this.name}: template ${file} does not exist in the package`);
    let compiled = this.templates.get(file);
    if (!compiled) {
      compiled = lazyTemplate(this.env, source);
      this.templates.set(file, compiled);
    }
    try {
      return compiled(context, { data: { ...data } });
    } catch (err) {
      throw this.fail(toFault(err, file, source, context));
    }
  }

  /**
   * Evaluates a derived default. A string that is exactly one `{{expression}}` keeps the type of
   * the expression's value (number, boolean, list, map); anything else renders to a string.
   */
  evaluate(text: string, where: string, context: unknown, data: TemplateData): unknown {
    const fail = (reason: string): InputError =>
      new InputError(`${this.name} variables: ${where}: ${reason} (derived default ${JSON.stringify(text)})`);
    let prepared = this.prepared.get(text);
    if (prepared === undefined) {
      prepared = prepare(text) ?? null;
      this.prepared.set(text, prepared);
    }
    if (prepared) {
      try {
        return interpret(
          prepared,
          context,
          { ...data, root: context },
          this.env.helpers as Record<string, RegisteredHelper>,
        );
      } catch (err) {
        if (err instanceof InterpretError) throw fail(err.message);
        throw fail(toFault(err, where, text, context).reason);
      }
    }
    const single = singleExpression(text);
    const source = single ? `{{${CAPTURE} ${single.hasParams ? `(${single.inner})` : single.inner}}}` : text;
    let compiled = this.strings.get(source);
    if (!compiled) {
      compiled = this.env.compile(source, { ...COMPILE_OPTIONS }) as Compiled;
      this.strings.set(source, compiled);
    }
    const capture: { value: unknown } = { value: undefined };
    try {
      const out = compiled(context, { data: { ...data, capture } });
      return single ? capture.value : out;
    } catch (err) {
      throw fail(toFault(err, where, text, context).reason);
    }
  }
}

/** Detects `{{ expr }}` alone (whitespace around allowed), the typed-value form of derived defaults. */
export function singleExpression(text: string): { inner: string; hasParams: boolean } | undefined {
  const m = /^\s*\{\{(?![{#/!>^&~])\s*([^{}]+?)\s*\}\}\s*$/.exec(text);
  if (!m || m[1] === undefined) return undefined;
  const inner = m[1];
  let body;
  try {
    body = Handlebars.parse(text).body;
  } catch {
    return undefined;
  }
  const statements = body.filter(
    (s) => !(s.type === 'ContentStatement' && (s as hbs.AST.ContentStatement).value.trim() === ''),
  );
  const only = statements[0];
  if (statements.length !== 1 || !only || only.type !== 'MustacheStatement') return undefined;
  const mustache = only as hbs.AST.MustacheStatement;
  return { inner, hasParams: mustache.params.length > 0 || (mustache.hash?.pairs.length ?? 0) > 0 };
}

const engines = new Map<string, { signature: string; engine: PackageEngine }>();
const MAX_ENGINES = 256;

function signatureOf(pkg: LoadedPackage, libraries: readonly LoadedPackage[]): string {
  let out = '';
  for (const p of [pkg, ...libraries]) {
    out += `${p.manifest.package.name}@${p.manifest.package.version}\u0001`;
    for (const [file, text] of p.files) if (file.endsWith('.hbs')) out += `${file}\u0000${text}\u0000`;
  }
  return out;
}

/**
 * The engine for a package (with the libraries it uses), reused while its templates and those
 * libraries are unchanged (compile once, render many).
 */
export function engineFor(pkg: LoadedPackage, libraries: readonly LoadedPackage[] = []): PackageEngine {
  const meta = pkg.manifest.package;
  const key = `${meta.name}@${meta.version}\u0000${pkg.origin.location}`;
  const signature = signatureOf(pkg, libraries);
  const cached = engines.get(key);
  if (cached && cached.signature === signature) return cached.engine;
  const engine = new PackageEngine(pkg, libraries);
  engines.delete(key);
  engines.set(key, { signature, engine });
  // A long-lived process (tests, a future server) renders many packages; keep the most recent.
  if (engines.size > MAX_ENGINES) engines.delete(engines.keys().next().value as string);
  return engine;
}
