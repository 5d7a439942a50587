/**
 * The full render behind pipeline.ts: load the root package, walk its dependencies (cycle
 * detection, `when` conditions), merge each package's variables (precedence.ts owns the five
 * levels), evaluate derived defaults, render, post-process (namespace, labels, config checksums)
 * and validate against the Kubernetes schemas, or take the rendered objects from the render cache
 * when the loaded inputs name an entry. Loaded only when pipeline.ts cannot reuse a render
 * unchanged, so an unchanged generate never evaluates the template engine, the YAML parser or the
 * package loader.
 */
import { dirname } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { createLocalSource } from '../package/local-source.js';
import { shortName } from '../package/manifest.js';
import { packageDigest } from '../package/tarball.js';
import type { PackageSource } from '../package/source.js';
import { isLibrary, SELF, type LoadedPackage } from '../package/types.js';
import { evaluateDerived } from './derived.js';
import { engineFor, type TemplateData } from './engine.js';
import { postProcess, releaseNameProblem } from './post.js';
import { renderPackage } from './render.js';
import type { RenderedLibrary, RenderedObject, RenderedPackage, RenderedRelease } from '../model/types.js';
import { validateObjects } from './validate.js';
import {
  packageVariables,
  readVariableFiles,
  parseSet,
  userLayers,
  type Layer,
  type Merged,
} from './precedence.js';
import { cloneValue } from './values.js';
import { evaluateWhen } from './when.js';
import { checkDeclaredScope } from './scope.js';
import { silentProgress, type ProgressSink } from '../progress.js';
import { count } from '../text.js';
import {
  derivedValuesKey,
  readDerivedValues,
  readRender,
  rememberKey,
  renderKey,
  writeDerivedValues,
  writeInputsNote,
  writeRender,
  type InputsNote,
  type PackageInputs,
} from './render-cache.js';
import { stampDirectory, stampVariableFiles, type DirectoryStamp } from './input-stamp.js';

/** Options of renderReference (the contract other verbs use). */
export interface RenderReferenceOptions {
  /** A package directory, a .tar.gz, or a registry reference the source understands. */
  reference: string;
  namespace: string;
  source?: PackageSource;
  /** `--variables` files, applied in order. */
  variableFiles?: string[];
  /** `--set path=value` expressions, applied in order after the files. */
  sets?: string[];
  /** Release name; defaults to the name part of the root package. */
  release?: string;
  cwd?: string;
  progress?: ProgressSink;
  /** Render every `when`-guarded resource and dependency regardless of its condition (lint). */
  forceWhen?: boolean;
  /** Skip schema validation (default: validate). */
  validate?: boolean;
  /** Where STACKANETES_HOME and STACKANETES_RENDER_CACHE are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

interface Walk {
  source: PackageSource;
  release: string;
  namespace: string;
  forceWhen: boolean;
  packages: RenderedPackage[];
  warnings: string[];
  rendered: Set<string>;
  progress: ProgressSink;
  /** The user's --variables files and --set expressions, in order (precedence level 5). */
  userLayers: Layer[];
  /** Every package walked, with the package whose dependency it is. */
  loaded: WalkedPackage[];
  /** Libraries loaded in this walk, by where they were looked up from and the entry (loaded once). */
  libraryCache: Map<string, Promise<LoadedPackage>>;
  /** Each package's render, in deploy order, run once the whole tree is walked (or found cached). */
  renders: PendingRender[];
  env: NodeJS.ProcessEnv;
}

/** A package's render, with the inputs that name it in the render cache. */
interface PendingRender {
  inputs: PackageInputs;
  run(): RenderedPackage;
}

/** A package the walk loaded, and its parent in the dependency tree (for lint's usage analysis). */
export interface WalkedPackage {
  pkg: LoadedPackage;
  parent?: string;
  /** The libraries of its `libraries:` list, loaded. */
  libraries?: LoadedPackage[];
}

const LIBRARY_HINT =
  'list a library under libraries: in the manifest.yaml of a package that uses its partials, and render that package';

/** Refuses to render or deploy a library package: it has partials only. */
export function assertNotLibrary(pkg: LoadedPackage, how: string): void {
  if (!isLibrary(pkg.manifest)) return;
  throw new InputError(
    `${pkg.manifest.package.name}@${pkg.manifest.package.version} is a library package (package.kind: library) and ${how}`,
    { hint: LIBRARY_HINT },
  );
}

/**
 * Loads the libraries a package lists, through the same source as dependencies (sibling
 * directories locally, the resolver for registry and OCI packages). Each must be a library.
 */
async function loadLibraries(walk: Walk, pkg: LoadedPackage): Promise<LoadedPackage[]> {
  const entries = pkg.manifest.libraries ?? [];
  const meta = pkg.manifest.package;
  return Promise.all(
    entries.map(async (entry, index) => {
      const key = `${pkg.origin.kind}\u0000${pkg.origin.kind === 'directory' || pkg.origin.kind === 'tarball' ? dirname(pkg.origin.location) : ''}\u0000${JSON.stringify(entry)}`;
      let pending = walk.libraryCache.get(key);
      if (!pending) {
        pending = walk.source.dependency(pkg, entry);
        walk.libraryCache.set(key, pending);
      }
      const library = await pending;
      const where = `${meta.name} manifest.yaml: libraries[${index}]`;
      if (library.manifest.package.name !== entry.name)
        throw new InputError(
          `${where}: ${entry.name} resolved to ${library.origin.location}, which is ${library.manifest.package.name}`,
        );
      if (!isLibrary(library.manifest))
        throw new InputError(
          `${where}: ${entry.name} is not a library package (its manifest.yaml has no package.kind: library)`,
          { hint: 'list it under dependencies: to deploy it, or use a library package here' },
        );
      return library;
    }),
  );
}

function libraryRecord(library: LoadedPackage): RenderedLibrary {
  const record: RenderedLibrary = {
    name: library.manifest.package.name,
    version: library.manifest.package.version,
  };
  const digest = packageDigest(library);
  if (digest) record.digest = digest;
  return record;
}

function templateData(walk: Walk, pkg: LoadedPackage): TemplateData {
  const meta = pkg.manifest.package;
  return {
    release: { name: walk.release, namespace: walk.namespace },
    package: { name: meta.name, version: meta.version },
  };
}

async function walkPackage(walk: Walk, pkg: LoadedPackage, merged: Merged, stack: string[]): Promise<void> {
  const meta = pkg.manifest.package;
  if (walk.rendered.has(meta.name)) {
    walk.warnings.push(
      `${meta.name} is a dependency more than once (${stack.join(' -> ')}); rendered only the first time`,
    );
    return;
  }
  walk.rendered.add(meta.name);
  const data = templateData(walk, pkg);
  const libraries = await loadLibraries(walk, pkg);
  // Derived defaults are a function of the package, its libraries, the merged values and the
  // template data; evaluating them parses every expression, so a cached result is reused.
  const derivedKey = derivedValuesKey([
    packageDigest(pkg),
    libraries.map(packageDigest),
    data,
    merged.values,
  ]);
  let variables = readDerivedValues(derivedKey, walk.env);
  if (!variables) {
    variables = cloneValue(merged.values);
    evaluateDerived(variables, engineFor(pkg, libraries), data, meta.name);
    writeDerivedValues(derivedKey, variables, walk.env);
  }
  const renderSelf = (): void => {
    const digest = packageDigest(pkg);
    const libraryRecords = libraries.map(libraryRecord);
    walk.renders.push({
      inputs: {
        name: meta.name,
        version: meta.version,
        origin: pkg.origin.location,
        digest,
        libraries: libraryRecords.map((l) => `${l.name}@${l.version}:${l.digest ?? ''}`),
        variables,
      },
      run: () => {
        walk.progress({ type: 'update', id: 'render', text: `rendering ${meta.name}` });
        const objects: RenderedObject[] = renderPackage(pkg, variables, data, {
          forceWhen: walk.forceWhen,
          libraries,
        });
        const rendered: RenderedPackage = {
          name: meta.name,
          version: meta.version,
          digest,
          origin: pkg.origin.location,
          variables,
          objects,
        };
        if (libraryRecords.length > 0) rendered.libraries = libraryRecords;
        return rendered;
      },
    });
  };
  const parent = stack.length > 1 ? stack[stack.length - 2] : undefined;
  const walked: WalkedPackage = parent ? { pkg, parent } : { pkg };
  if (libraries.length > 0) walked.libraries = libraries;
  walk.loaded.push(walked);
  const deps = pkg.manifest.dependencies;
  if (!deps.some((d) => d.name === SELF)) renderSelf();
  for (const [index, entry] of deps.entries()) {
    if (entry.name === SELF) {
      renderSelf();
      continue;
    }
    if (entry.when) {
      const on = evaluateWhen(
        entry.when,
        variables,
        `${meta.name} manifest.yaml: dependencies[${index}] (${entry.name})`,
      );
      if (!on && !walk.forceWhen) continue;
    }
    if (stack.includes(entry.name)) {
      throw new InputError(`dependency cycle: ${[...stack, entry.name].join(' -> ')}`, {
        hint: 'remove one of these dependencies so the graph has no cycle',
      });
    }
    const child = await walk.source.dependency(pkg, entry);
    if (child.manifest.package.name !== entry.name) {
      throw new InputError(
        `${meta.name} dependencies[${index}]: ${entry.name} resolved to ${child.origin.location}, which is ${child.manifest.package.name}`,
      );
    }
    assertNotLibrary(child, `cannot be a dependency of ${meta.name} (dependencies[${index}])`);
    const childMerged = packageVariables(child, { pkg, merged, entry, index }, walk.userLayers);
    await walkPackage(walk, child, childMerged, [...stack, entry.name]);
  }
}

/** The source, also listing every package it loads (dependencies met twice and libraries too). */
function recording(source: PackageSource, read: LoadedPackage[]): PackageSource {
  const note = (pkg: LoadedPackage): LoadedPackage => {
    read.push(pkg);
    return pkg;
  };
  return {
    open: async (reference) => note(await source.open(reference)),
    dependency: async (parent, entry) => note(await source.dependency(parent, entry)),
  };
}

/** Writes the inputs note of a finished render, when every package it read came from a directory. */
function recordInputs(
  key: string | undefined,
  note: Omit<InputsNote, 'directories'>,
  read: readonly LoadedPackage[],
  env: NodeJS.ProcessEnv,
): void {
  if (!key) return;
  const directories = new Map<string, DirectoryStamp>();
  for (const pkg of read) {
    if (pkg.origin.kind !== 'directory') return;
    let stamp: DirectoryStamp | undefined;
    try {
      stamp = stampDirectory(pkg.origin.location, pkg.files);
    } catch {
      return; // changed under us (a file removed): nothing to vouch for
    }
    const seen = directories.get(pkg.origin.location);
    // A directory loaded twice must have read the same both times, or no stamp can speak for it.
    if (!stamp || (seen && JSON.stringify(seen) !== JSON.stringify(stamp))) return;
    directories.set(pkg.origin.location, stamp);
  }
  writeInputsNote(key, { ...note, directories: [...directories.values()] }, env);
}

/** Renders the walked packages, or takes them from the render cache; returns validation's warnings. */
async function renderWalked(walk: Walk, key: string | undefined, validate: boolean): Promise<string[]> {
  const cached = readRender(key, walk.env);
  if (cached) {
    walk.packages.push(...cached.packages);
    return cached.warnings;
  }
  for (const pending of walk.renders) walk.packages.push(pending.run());
  const objects = walk.packages.flatMap((p) => p.objects);
  postProcess(objects, { release: walk.release, namespace: walk.namespace });
  const found: string[] = [];
  if (validate) {
    walk.progress({ type: 'update', id: 'render', text: `validating ${count(objects.length, 'object')}` });
    found.push(...(await validateObjects(objects)));
  }
  writeRender(key, { packages: walk.packages, warnings: found }, walk.env);
  return found;
}

/**
 * The full render (pipeline.ts decides when it is needed): everything but the final progress event.
 * `noteKey` names the inputs note to leave for the next identical command, if any.
 */
export async function renderFresh(
  options: RenderReferenceOptions,
  noteKey: string | undefined,
): Promise<{ release: RenderedRelease; loaded: WalkedPackage[] }> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const progress = options.progress ?? silentProgress;
  if (!NAMESPACE.test(options.namespace) || options.namespace.length > 63) {
    throw new UsageError(`--namespace ${JSON.stringify(options.namespace)} is not a valid namespace name`, {
      hint: 'use lower-case letters, digits and "-" (at most 63)',
    });
  }
  const sets = (options.sets ?? []).map(parseSet);
  const recordedAt = Date.now();
  // Stamped before reading: a file changed in between then fails its stamp next time.
  const variableStamps = noteKey ? stampVariableFiles(options.variableFiles ?? [], cwd) : undefined;
  const files = await readVariableFiles(options.variableFiles ?? [], cwd);
  const read: LoadedPackage[] = [];
  const given = options.source ?? createLocalSource({ cwd });
  const source = noteKey ? recording(given, read) : given;
  progress({ type: 'start', id: 'render', text: `loading ${options.reference}` });
  try {
    const root = await source.open(options.reference);
    assertNotLibrary(root, 'has nothing to render or deploy');
    const meta = root.manifest.package;
    const release = options.release ?? shortName(meta.name);
    const problem = releaseNameProblem(release);
    if (problem)
      throw new UsageError(`release name ${JSON.stringify(release)} ${problem}`, {
        hint: 'pass --release NAME',
      });
    const layers = userLayers(files, sets);
    const walk: Walk = {
      source,
      release,
      namespace: options.namespace,
      forceWhen: options.forceWhen ?? false,
      packages: [],
      warnings: [],
      rendered: new Set(),
      progress,
      userLayers: layers,
      loaded: [],
      libraryCache: new Map(),
      renders: [],
      env,
    };
    await walkPackage(walk, root, packageVariables(root, undefined, layers), [meta.name]);
    const walkWarnings = [...walk.warnings];
    const validate = options.validate !== false;
    const key = renderKey(
      { release, namespace: options.namespace, forceWhen: walk.forceWhen, validate },
      walk.renders.map((r) => r.inputs),
    );
    walk.warnings.push(...(await renderWalked(walk, key, validate)));
    // On cached renders too: the check is cheap, and its refusal must not depend on the cache.
    const scopes = new Map(walk.loaded.map((w) => [w.pkg.manifest.package.name, w.pkg.manifest.scope]));
    checkDeclaredScope(
      options.namespace,
      walk.packages.map((p) => {
        const scope = scopes.get(p.name);
        return scope ? { name: p.name, scope, objects: p.objects } : { name: p.name, objects: p.objects };
      }),
    );
    const rendered: RenderedRelease = {
      release,
      namespace: options.namespace,
      root: { name: meta.name, version: meta.version, digest: packageDigest(root) },
      packages: walk.packages,
      warnings: walk.warnings,
    };
    rememberKey(rendered, key);
    if (key && variableStamps) {
      const note = {
        recordedAt,
        variableFiles: variableStamps,
        renderKey: key,
        release,
        root: rendered.root,
      };
      recordInputs(noteKey, { ...note, warnings: walkWarnings }, read, env);
    }
    return { release: rendered, loaded: walk.loaded };
  } catch (err) {
    progress({ type: 'fail', id: 'render' });
    throw err;
  }
}
