/**
 * Cache of whole rendered releases, so the commands operators repeat dozens of times a day
 * (`generate`, `diff`, `deploy` with unchanged inputs) skip template evaluation, YAML parsing,
 * post-processing and schema validation, which on a cold process cost several times more than
 * loading the packages themselves.
 *
 * An entry is named by the sha256 of everything a render reads: the build of stackanetes (so a
 * new renderer, schema package or YAML library is a miss), the release name and namespace, the
 * options, and for every package in walk order its name, version, origin, content digest, the
 * digests of its libraries, and its variables after precedence and derived defaults. Any change
 * of any input is therefore a miss; nothing is ever invalidated by time.
 *
 * Derived defaults are cached the same way, per package: their evaluation parses every expression.
 *
 * A render from local directories also leaves a note, named by the command's own inputs (reference,
 * options, --variables, --set), of the files it read and the entry it produced: an unchanged
 * generate checks those files' stamps (render/input-stamp.ts) and reads the entry without loading
 * any package. A stamp that does not match only means the full path runs.
 *
 * Only the bundled CLI caches (its build id is compiled in): tests and `dist/src` run without it.
 * Entries are data, but they become objects applied to a cluster, so they are trusted like the
 * template cache: mode 0600 in a 0700 directory, read only when owned by the current user and
 * writable by nobody else, written atomically. `STACKANETES_RENDER_CACHE=off` turns it off.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { RenderedPackage, RenderedObject, RenderedRelease } from '../model/types.js';
import type { DirectoryStamp, VariableFileStamp } from './input-stamp.js';
import { isPlainObject, type Variables } from './values.js';
import { sha256Hex } from '../util/hash.js';

/** Set by the bundler to a digest of the build; undefined when running unbundled. */
declare const __STACKANETES_BUILD__: string | undefined;

const FORMAT = 1;
/** Entries kept; older ones are removed when a new one is written. */
const KEEP = 32;

/** What a cache entry restores. */
export interface CachedRender {
  packages: RenderedPackage[];
  warnings: string[];
  /** Each object's generate text, in object order, once a generate has produced them. */
  texts?: string[];
}

/** The inputs of one package's render, as the key sees them. */
export interface PackageInputs {
  name: string;
  version: string;
  origin: string;
  digest: string;
  libraries: string[];
  variables: unknown;
}

const texts = new WeakMap<RenderedObject, string>();
const keys = new WeakMap<RenderedRelease, string>();
/** Entries this process wrote, so generate adds its texts without reading the file back. */
const written = new Map<string, CachedRender>();

function buildId(): string | undefined {
  return typeof __STACKANETES_BUILD__ === 'string' ? __STACKANETES_BUILD__ : undefined;
}

function cacheDir(
  env: NodeJS.ProcessEnv,
  kind: 'renders' | 'derived' | 'inputs' = 'renders',
): string | undefined {
  if (!buildId()) return undefined;
  const setting = env.STACKANETES_RENDER_CACHE;
  if (setting === 'off' || setting === '0' || setting === 'false') return undefined;
  const home = env.STACKANETES_HOME;
  return join(home && home !== '' ? home : join(homedir(), '.stackanetes'), 'cache', kind);
}

/** The entry name for these inputs, or undefined when this build does not cache. */
export function renderKey(
  options: { release: string; namespace: string; forceWhen: boolean; validate: boolean },
  packages: readonly PackageInputs[],
): string | undefined {
  const build = buildId();
  if (!build) return undefined;
  return sha256Hex(
    JSON.stringify([FORMAT, build, options.release, options.namespace, options.forceWhen, options.validate]),
    ...packages.map((p) => `\n${JSON.stringify(p)}`),
  );
}

function trusted(path: string): boolean {
  const info = statSync(path);
  if (!info.isFile() || (info.mode & 0o077) !== 0) return false;
  return typeof process.getuid !== 'function' || info.uid === process.getuid();
}

function isEntry(value: unknown): value is CachedRender {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<CachedRender>;
  return (
    Array.isArray(entry.packages) &&
    Array.isArray(entry.warnings) &&
    (entry.texts === undefined || Array.isArray(entry.texts))
  );
}

/** A stored value, or undefined on any miss, distrust or damage (the caller then computes it). */
function readEntry(dir: string | undefined, key: string | undefined): unknown {
  if (!key || !dir) return undefined;
  const path = join(dir, `${key}.json`);
  try {
    return trusted(path) ? (JSON.parse(readFileSync(path, 'utf8')) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/** A cached render, or undefined on any miss, distrust or damage (the caller then renders). */
export function readRender(key: string | undefined, env: NodeJS.ProcessEnv): CachedRender | undefined {
  const entry = readEntry(cacheDir(env), key);
  if (!isEntry(entry)) return undefined;
  const objects = entry.packages.flatMap((p) => p.objects);
  if (entry.texts && entry.texts.length === objects.length)
    objects.forEach((o, i) => texts.set(o, entry.texts?.[i] as string));
  return entry;
}

function prune(dir: string, keep: number): void {
  const entries = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => ({ n, t: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const { n } of entries.slice(keep)) unlinkSync(join(dir, n));
}

/** Whether JSON gives the value back unchanged (YAML's .inf and .nan, for one, it would not). */
function jsonSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (Array.isArray(value)) return value.every(jsonSafe);
  if (isPlainObject(value)) return Object.values(value).every(jsonSafe);
  return false;
}

/** Stores a value; a failure (read-only home, full disk) only costs the speed-up. */
function writeEntry(dir: string | undefined, key: string | undefined, value: unknown, keep: number): void {
  if (!key || !dir || !jsonSafe(value)) return;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${key}.${process.pid}.tmp`);
    writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
    renameSync(tmp, join(dir, `${key}.json`));
    prune(dir, keep);
  } catch {
    // the cache is an optimisation only
  }
}

/** Stores a render. */
export function writeRender(key: string | undefined, entry: CachedRender, env: NodeJS.ProcessEnv): void {
  if (key) written.set(key, entry);
  writeEntry(cacheDir(env), key, entry, KEEP);
}

/**
 * The entry name of one package's derived defaults: the parts are the package and library
 * digests, the template data and the merged values before evaluation, which determine the result.
 */
export function derivedValuesKey(parts: unknown[]): string | undefined {
  const build = buildId();
  if (!build) return undefined;
  return sha256Hex(JSON.stringify([FORMAT, build, ...parts]));
}

/** A package's variables after derived defaults, when the same inputs were evaluated before. */
export function readDerivedValues(key: string | undefined, env: NodeJS.ProcessEnv): Variables | undefined {
  const value = readEntry(cacheDir(env, 'derived'), key);
  return isPlainObject(value) ? value : undefined;
}

export function writeDerivedValues(key: string | undefined, values: Variables, env: NodeJS.ProcessEnv): void {
  writeEntry(cacheDir(env, 'derived'), key, values, KEEP * 16);
}

/** Remembers which entry a release came from or went to, so its texts can join it later. */
export function rememberKey(release: RenderedRelease, key: string | undefined): void {
  if (key) keys.set(release, key);
}

/** The generate text of an object, when a cached render carried it. */
export function cachedText(object: RenderedObject): string | undefined {
  return texts.get(object);
}

/** Adds generate's texts to the release's entry, so the next identical generate skips the YAML dump. */
export function storeTexts(release: RenderedRelease, objectTexts: string[], env: NodeJS.ProcessEnv): void {
  const key = keys.get(release);
  if (!key) return;
  const objects = release.packages.flatMap((p) => p.objects);
  if (objects.every((o) => texts.has(o))) return;
  const entry = written.get(key) ?? readRender(key, env);
  if (!entry) return;
  writeRender(key, { ...entry, texts: objectTexts }, env);
}

/** What a render from local directories read, and the entry it produced (see input-stamp.ts). */
export interface InputsNote {
  /** When loading began: stats closer to it than the file system's clock resolution are not trusted. */
  recordedAt: number;
  variableFiles: VariableFileStamp[];
  directories: DirectoryStamp[];
  renderKey: string;
  release: string;
  root: RenderedRelease['root'];
  /** The walk's own warnings (validation's are in the render entry). */
  warnings: string[];
}

/**
 * The note's name: the command's inputs, which do not need any package loaded. Undefined when
 * the cache is off, so that a render does not stamp files for a note it would not write.
 */
export function inputsKey(parts: unknown[], env: NodeJS.ProcessEnv): string | undefined {
  const build = buildId();
  if (!build || !cacheDir(env, 'inputs')) return undefined;
  return sha256Hex(JSON.stringify([FORMAT, build, 'inputs', ...parts]));
}

function isNote(value: unknown): value is InputsNote {
  if (!isPlainObject(value)) return false;
  return (
    typeof value.recordedAt === 'number' &&
    Array.isArray(value.variableFiles) &&
    Array.isArray(value.directories) &&
    typeof value.renderKey === 'string' &&
    typeof value.release === 'string' &&
    isPlainObject(value.root) &&
    Array.isArray(value.warnings)
  );
}

export function readInputsNote(key: string | undefined, env: NodeJS.ProcessEnv): InputsNote | undefined {
  const value = readEntry(cacheDir(env, 'inputs'), key);
  return isNote(value) ? value : undefined;
}

export function writeInputsNote(key: string | undefined, note: InputsNote, env: NodeJS.ProcessEnv): void {
  writeEntry(cacheDir(env, 'inputs'), key, note, KEEP);
}
