/**
 * Cold-start cache of compiled templates. Handlebars turns a template into JavaScript source (its
 * "precompiled" form) and evaluates it; on a fresh process that compile step is the largest single
 * cost of a first render (about 150 ms for the whole OpenStack package set, the compiler's own
 * code being cold), while evaluating stored source takes a few milliseconds. So the source is
 * kept in `$STACKANETES_HOME/cache/templates/` (default `~/.stackanetes`), named by the sha256 of
 * the Handlebars version, the compile options and the template text, so any change is a miss.
 *
 * The files are code, so they are trusted only as far as the user's own files: written
 * atomically with mode 0600 in a 0700 directory, and read only when they are regular files owned
 * by the current user that nobody else can write. Anything unexpected (unreadable, tampered
 * permissions, source that does not evaluate) falls back to compiling, and a write failure (a
 * read-only home) only costs the speed-up. `STACKANETES_TEMPLATE_CACHE=off` turns it off.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Handlebars from './hbs.js';
import { sha256Hex } from '../util/hash.js';

/** Handlebars' precompiled template object, as `env.template()` takes it. */
export type TemplateSpec = Parameters<typeof Handlebars.template>[0];

const specs = new Map<string, TemplateSpec>();

function cacheDir(): string | undefined {
  const setting = process.env.STACKANETES_TEMPLATE_CACHE;
  if (setting === 'off' || setting === '0' || setting === 'false') return undefined;
  const home = process.env.STACKANETES_HOME;
  return join(home && home !== '' ? home : join(homedir(), '.stackanetes'), 'cache', 'templates');
}

/** Only the user's own, not group/world-writable regular files are evaluated. */
function trusted(path: string): boolean {
  const info = statSync(path);
  if (!info.isFile() || (info.mode & 0o022) !== 0) return false;
  return typeof process.getuid !== 'function' || info.uid === process.getuid();
}

function evaluate(source: string): TemplateSpec {
  return new Function(`return ${source};`)() as TemplateSpec;
}

function readCached(path: string): TemplateSpec | undefined {
  try {
    if (!trusted(path)) return undefined;
    const spec = evaluate(readFileSync(path, 'utf8'));
    return typeof spec === 'object' &&
      spec !== null &&
      typeof (spec as { main?: unknown }).main === 'function'
      ? spec
      : undefined;
  } catch {
    return undefined;
  }
}

function writeCached(dir: string, path: string, source: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, source, { mode: 0o600 });
    renameSync(temp, path);
  } catch {
    // A read-only or full home directory only loses the speed-up.
  }
}

/**
 * The precompiled form of `text` under `options`: from this process's memory, else the disk
 * cache, else compiled now (and stored). Compile errors are Handlebars' own, as from compile().
 */
export function templateSpec(text: string, options: Record<string, unknown>): TemplateSpec {
  const key = sha256Hex(`${Handlebars.VERSION}\u0000${JSON.stringify(options)}\u0000${text}`);
  const known = specs.get(key);
  if (known) return known;
  const dir = cacheDir();
  const path = dir ? join(dir, `${key}.js`) : undefined;
  let spec = path ? readCached(path) : undefined;
  if (!spec) {
    const source = Handlebars.precompile(text, options) as unknown as string;
    spec = evaluate(source);
    if (dir && path) writeCached(dir, path, source);
  }
  specs.set(key, spec);
  return spec;
}
