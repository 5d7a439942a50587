/**
 * Stamps of the files a render read from disk: every file of every package directory it loaded
 * and each `--variables` file. An unchanged `generate` checks these (a directory listing and a
 * stat per file) and goes straight to its cached render, instead of reading, parsing, hashing and
 * merging all packages only to compute the same cache key again.
 *
 * A file counts as unchanged when its size, mtime, ctime and inode equal the recorded ones, as in
 * git's index. A stat taken too close to the recording (the file may have changed within the
 * timestamps' resolution, or between loading and recording) is not trusted: such a file is read
 * and compared by content hash. A file added, removed, renamed, re-linked or changed in content
 * makes the stamp not match, and the render takes its full path.
 */
import { readdirSync, readFileSync, readlinkSync, statSync, type Dirent } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { skippedInPackage } from '../package/limits.js';
import { sha256Hex } from '../util/hash.js';

/** One file of a package directory as it was when the render read it. */
export interface FileStamp {
  /** Path inside the package, `/`-separated. */
  member: string;
  /** The link's text, when the entry is a symbolic link (its target is what was read). */
  link?: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** sha256 of the text the render used. */
  sha: string;
}

/** A package directory's files, in the order the loader reads them. */
export interface DirectoryStamp {
  root: string;
  files: FileStamp[];
}

/** A `--variables` file, by content. */
export interface VariableFileStamp {
  path: string;
  sha: string;
}

/** Timestamps this close to the recording are not trusted (coarse file system clocks). */
const RACY_MS = 2000;

interface TreeEntry {
  member: string;
  full: string;
  link?: string;
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The entries the package loader would read, in its order (directories are entered, not listed). */
function listTree(root: string, dir = root, prefix = '', out: TreeEntry[] = []): TreeEntry[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort(byName)) {
    if (skippedInPackage(entry.name)) continue;
    // Concatenated, not join()ed: the root is absolute and normalised, names have no separators.
    const full = `${dir}/${entry.name}`;
    const member = `${prefix}${entry.name}`;
    if (entry.isDirectory()) listTree(root, full, `${member}/`, out);
    else if (entry.isSymbolicLink()) out.push({ member, full, link: readlinkSync(full) });
    else out.push({ member, full });
  }
  return out;
}

/**
 * Stamps a loaded package directory; `files` is what the loader read. Undefined when the tree
 * holds something the stamp cannot vouch for (a file the loader did not read, a linked directory).
 */
export function stampDirectory(root: string, files: ReadonlyMap<string, string>): DirectoryStamp | undefined {
  const stamps: FileStamp[] = [];
  for (const entry of listTree(root)) {
    const text = files.get(entry.member);
    const info = statSync(entry.full);
    if (text === undefined || !info.isFile()) return undefined;
    const stamp: FileStamp = {
      member: entry.member,
      size: info.size,
      mtimeMs: info.mtimeMs,
      ctimeMs: info.ctimeMs,
      ino: info.ino,
      sha: sha256Hex(text),
    };
    if (entry.link !== undefined) stamp.link = entry.link;
    stamps.push(stamp);
  }
  return stamps.length === files.size ? { root, files: stamps } : undefined;
}

/** Whether the directory still holds exactly the stamped files; `since` is when loading began. */
export function directoryMatches(stamp: DirectoryStamp, since: number): boolean {
  try {
    const entries = listTree(stamp.root);
    if (entries.length !== stamp.files.length) return false;
    return entries.every((entry, i) => {
      const want = stamp.files[i] as FileStamp;
      if (entry.member !== want.member || entry.link !== want.link) return false;
      const info = statSync(entry.full);
      if (!info.isFile() || info.size !== want.size) return false;
      const same = info.mtimeMs === want.mtimeMs && info.ctimeMs === want.ctimeMs && info.ino === want.ino;
      if (same && Math.max(want.mtimeMs, want.ctimeMs) < since - RACY_MS) return true;
      return sha256Hex(readFileSync(entry.full, 'utf8')) === want.sha;
    });
  } catch {
    return false;
  }
}

/** Stamps `--variables` files by content; undefined when one cannot be read. */
export function stampVariableFiles(files: readonly string[], cwd: string): VariableFileStamp[] | undefined {
  try {
    return files.map((file) => {
      const path = isAbsolute(file) ? file : resolve(cwd, file);
      return { path, sha: sha256Hex(readFileSync(path, 'utf8')) };
    });
  } catch {
    return undefined;
  }
}

/** Whether the `--variables` files still hold what was stamped. */
export function variableFilesMatch(
  stamps: readonly VariableFileStamp[],
  files: readonly string[],
  cwd: string,
): boolean {
  const now = stampVariableFiles(files, cwd);
  return (
    now !== undefined &&
    now.length === stamps.length &&
    now.every((s, i) => s.path === stamps[i]?.path && s.sha === stamps[i]?.sha)
  );
}
