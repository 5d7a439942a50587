/**
 * Loading packages into memory from a directory or a .tar.gz. Everything after loading (merge,
 * render, validate) works on the in-memory LoadedPackage, so the same code serves local folders,
 * pulled tarballs and registry blobs.
 */
import {
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describeCause, InputError, NotFoundError } from '../errors.js';
import { memberPathProblem, PACKAGE_LIMITS, skippedInPackage } from './limits.js';
import { parseManifest } from './manifest.js';
import { readTar } from './tar.js';
import type { LoadedPackage, PackageManifest, PackageOrigin } from './types.js';

export { parseManifest } from './manifest.js';

/** The manifest's file name inside a package. */
export const MANIFEST_FILE = 'manifest.yaml';

export { PACKAGE_LIMITS } from './limits.js';

// Synchronous on purpose: a package is a few dozen small files, and one thread-pool round trip
// per file cost more than reading them all (render time is dominated by this otherwise).
function walk(
  root: string,
  display: string,
  dir: string,
  out: Map<string, string>,
  budget: { bytes: number; realRoot: string },
): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    if (skippedInPackage(entry.name)) continue;
    const full = join(dir, entry.name);
    const member = relative(root, full).split(sep).join('/');
    const pathProblem = memberPathProblem(member);
    if (pathProblem)
      throw new InputError(`${display}: ${member} cannot be packaged: ${pathProblem}`, {
        hint: 'rename it with a shorter name',
      });
    const info = entry.isSymbolicLink()
      ? linkTarget(budget.realRoot, display, full, member)
      : entry.isDirectory() || entry.isFile()
        ? entry
        : lstatSync(full);
    if (info.isDirectory() && entry.isSymbolicLink()) {
      // a linked directory could loop back on itself; packages are plain trees
      throw new InputError(
        `${display}: ${member} is a symbolic link to a directory; copy it into the package instead`,
      );
    }
    if (info.isDirectory()) {
      walk(root, display, full, out, budget);
    } else if (info.isFile()) {
      const text = readFileSync(full, 'utf8');
      budget.bytes += Buffer.byteLength(text);
      if (out.size >= PACKAGE_LIMITS.maxFiles)
        throw new InputError(`${display}: more than ${PACKAGE_LIMITS.maxFiles} files in the package`);
      if (budget.bytes > PACKAGE_LIMITS.maxBytes)
        throw new InputError(`${display}: package content exceeds ${PACKAGE_LIMITS.maxBytes} bytes`);
      out.set(member, text);
    }
  }
}

/**
 * What a symbolic link inside a package points at. Only links that stay inside the package are
 * read (as the content of their target): one leading out of it would publish whatever file of the
 * machine it names, such as /etc/passwd.
 */
function linkTarget(realRoot: string, display: string, full: string, member: string): Stats {
  let target: string;
  try {
    target = realpathSync(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ELOOP'
        ? 'is a symbolic link loop'
        : code === 'ENOENT'
          ? `is a symbolic link to ${JSON.stringify(readlinkSync(full))}, which does not exist`
          : `is a symbolic link that cannot be followed (${describeCause(err)})`;
    throw new InputError(`${display}: ${member} ${why}`, {
      hint: 'replace the link with the file it should hold, or delete it',
    });
  }
  const inside = relative(realRoot, target);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    throw new InputError(
      `${display}: ${member} is a symbolic link to ${target}, outside the package: refused`,
      { hint: 'copy the file into the package instead of linking to it' },
    );
  }
  return statSync(target);
}

/** Checks what the manifest promises against the files that exist. */
function checkFiles(
  manifest: PackageManifest,
  files: ReadonlyMap<string, string>,
  manifestName: string,
): void {
  manifest.resources.forEach((resource, i) => {
    if (!files.has(resource.file)) {
      throw new InputError(
        `${manifestName}: resources[${i}].file: template ${JSON.stringify(resource.file)} does not exist in the package`,
        {
          hint: 'create the file or fix the path (relative to the package directory)',
        },
      );
    }
  });
}

/** Builds a LoadedPackage from its files (relative POSIX paths → text). */
export function packageFromFiles(
  files: ReadonlyMap<string, string>,
  origin: PackageOrigin,
  manifestName: string,
): LoadedPackage {
  const text = files.get(MANIFEST_FILE);
  if (text === undefined) {
    throw new InputError(`${origin.location}: no ${MANIFEST_FILE} in the package`, {
      hint: 'a package needs manifest.yaml at its top level',
    });
  }
  const manifest = parseManifest(text, manifestName);
  checkFiles(manifest, files, manifestName);
  return { manifest, files, origin };
}

/** Loads a package from a directory (manifest.yaml, README.md, templates/**); `display` is how messages name it. */
export async function loadPackageDirectory(dir: string, display: string = dir): Promise<LoadedPackage> {
  let info;
  try {
    info = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NotFoundError(`package directory ${display} not found`, {
        hint: 'check the path: a package directory holds manifest.yaml and templates/',
      });
    throw new NotFoundError(`package directory ${display} cannot be read (${describeCause(err)})`);
  }
  if (!info.isDirectory()) throw new InputError(`${display} is not a directory`);
  try {
    statSync(join(dir, MANIFEST_FILE));
  } catch {
    throw new NotFoundError(`${display}: no ${MANIFEST_FILE} (not a package directory)`, {
      hint: 'point at a directory holding manifest.yaml, or scaffold one with `stackanetes new NAMESPACE/NAME`',
    });
  }
  const files = new Map<string, string>();
  walk(dir, display, dir, files, { bytes: 0, realRoot: realpathSync(dir) });
  return packageFromFiles(files, { kind: 'directory', location: dir }, join(display, MANIFEST_FILE));
}

/**
 * Loads a package from .tar.gz bytes entirely in memory. Absolute paths, `..`, links and devices
 * are rejected; size is bounded before and after decompression. A single top-level directory
 * (as `tar czf x.tgz keystone/` makes) is stripped.
 */
export function loadPackageTarball(
  bytes: Buffer,
  location: string,
  kind: PackageOrigin['kind'] = 'tarball',
): LoadedPackage {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: PACKAGE_LIMITS.maxTarBytes });
  } catch (err) {
    throw new InputError(`${location}: not a readable .tar.gz (${describeCause(err)})`);
  }
  const raw = readTar(tar, location, PACKAGE_LIMITS);
  let prefix = '';
  if (!raw.has(MANIFEST_FILE)) {
    const tops = new Set([...raw.keys()].map((p) => p.split('/')[0]));
    const [top] = [...tops];
    if (tops.size === 1 && top !== undefined && raw.has(`${top}/${MANIFEST_FILE}`)) prefix = `${top}/`;
  }
  const files = new Map<string, string>();
  for (const [path, data] of raw) {
    if (!path.startsWith(prefix)) continue;
    files.set(path.slice(prefix.length), data.toString('utf8'));
  }
  return packageFromFiles(files, { kind, location }, `${location}!${MANIFEST_FILE}`);
}
