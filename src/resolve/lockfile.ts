/**
 * `stackanetes.lock`: what a render resolved (every package's name, release, digest and where it
 * came from), kept beside the user's parameters file so the same deploy can be repeated exactly
 * (`--locked`) and changed only on purpose (`stackanetes update`).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath } from 'node:path';
// `yaml` only writes the lockfile, byte for byte as before; parsing is src/util/yaml.ts.
import { stringify } from 'yaml';
import { parseYaml } from '../util/yaml.js';
import { InputError } from '../errors.js';
import { DIGEST } from './reference.js';

export const LOCKFILE_NAME = 'stackanetes.lock';
const LOCK_VERSION = 1;

/** One locked package. `registry` is set for registry packages, `oci` for OCI ones, `path` for local ones. */
export interface LockedPackage {
  name: string;
  version: string;
  digest?: string;
  registry?: string;
  oci?: string;
  path?: string;
}

export interface Lockfile {
  /** The references the lock was resolved for, as given on the command line. */
  roots: string[];
  packages: LockedPackage[];
}

/** The lockfile path for a command: beside the first --variables file, else in cwd. */
export function defaultLockfilePath(cwd: string, variableFiles: readonly string[] = []): string {
  const first = variableFiles[0];
  return join(first ? dirname(resolvePath(cwd, first)) : cwd, LOCKFILE_NAME);
}

/** Reads a lockfile; `undefined` when there is none. Malformed content names the file and field. */
export async function readLockfile(path: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError(`${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'delete it and run `stackanetes update`',
    });
  }
  const bad = (field: string): InputError =>
    new InputError(`${path}: ${field} is missing or malformed`, {
      hint: 'delete the lockfile and run `stackanetes update` to write a new one',
    });
  if (typeof doc !== 'object' || doc === null) throw bad('the document');
  const record = doc as Record<string, unknown>;
  if (record.lockVersion !== LOCK_VERSION) throw bad(`lockVersion (expected ${LOCK_VERSION})`);
  const roots = Array.isArray(record.roots) ? record.roots.map(String) : [];
  if (!Array.isArray(record.packages)) throw bad('packages');
  const packages = record.packages.map((raw, i): LockedPackage => {
    if (typeof raw !== 'object' || raw === null) throw bad(`packages[${i}]`);
    const entry = raw as Record<string, unknown>;
    if (typeof entry.name !== 'string') throw bad(`packages[${i}].name`);
    if (typeof entry.version !== 'string') throw bad(`packages[${i}].version`);
    const locked: LockedPackage = { name: entry.name, version: entry.version };
    if (entry.digest !== undefined) {
      if (typeof entry.digest !== 'string' || !DIGEST.test(entry.digest)) throw bad(`packages[${i}].digest`);
      locked.digest = entry.digest;
    }
    for (const key of ['registry', 'oci', 'path'] as const) {
      if (typeof entry[key] === 'string') locked[key] = entry[key];
    }
    return locked;
  });
  return { roots, packages };
}

/** Renders the lockfile text: stable order, so unchanged resolutions give byte-identical files. */
export function formatLockfile(lock: Lockfile): string {
  const packages = [...lock.packages].sort((a, b) => a.name.localeCompare(b.name));
  const body = stringify({ lockVersion: LOCK_VERSION, roots: lock.roots, packages }, { lineWidth: 0 });
  return `# Written by stackanetes: the exact releases this deploy resolved. Commit it.\n# \`stackanetes update\` re-resolves and rewrites it; \`--locked\` refuses to resolve differently.\n${body}`;
}

/** Writes the lockfile atomically (temp file + rename), and only when its content changes. */
export async function writeLockfile(path: string, lock: Lockfile): Promise<boolean> {
  const text = formatLockfile(lock);
  try {
    if ((await readFile(path, 'utf8')) === text) return false;
  } catch {
    // absent: write it
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, path);
  return true;
}
