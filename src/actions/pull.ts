/**
 * `stackanetes pull REF [--dir DIR]`: resolves one release, downloads it, verifies its digest and
 * only then writes its files. Files come from the in-memory loader (no absolute paths, no `..`, no
 * links or devices, bounded size) into a temporary sibling directory that is renamed into place,
 * so a failure never leaves half a package behind.
 */
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve as resolvePath, sep } from 'node:path';
import { ConflictError, InputError } from '../errors.js';
import { shortName } from '../package/manifest.js';
import { fetchRelease, parseRemoteReference } from '../resolve/fetch-release.js';
import type { ActionContext } from './context.js';

export interface PullOptions {
  reference: string;
  /** Destination directory; default `./<name part>`. Must not exist or be empty. */
  dir?: string;
  registry?: string;
  inChannel?: string;
}

export interface PullResult {
  package: string;
  version: string;
  digest: string;
  registry: string;
  directory: string;
  files: string[];
}

export async function pull(context: ActionContext, options: PullOptions): Promise<PullResult> {
  const reference = parseRemoteReference(options.reference);
  const session = await context.registry();
  const fetched = await fetchRelease(session, reference, {
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.inChannel ? { inChannel: options.inChannel } : {}),
  });
  const directory = resolvePath(context.cwd, options.dir ?? shortName(fetched.name));
  const existing = await readdir(directory).catch(() => undefined);
  if (existing && existing.length > 0) {
    throw new ConflictError(`${directory} already exists and is not empty; nothing was written`, {
      hint: 'remove it or choose another directory with --dir DIR',
    });
  }
  const tmp = join(dirname(directory), `.${shortName(fetched.name)}.pull-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  const files = [...fetched.pkg.files.keys()].sort();
  try {
    for (const file of files) {
      const target = resolvePath(tmp, file);
      // The loader already refuses unsafe member names; this keeps the invariant local and obvious.
      if (!target.startsWith(tmp + sep))
        throw new InputError(
          `${options.reference}: member ${JSON.stringify(file)} would leave the destination`,
        );
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, fetched.pkg.files.get(file) ?? '', 'utf8');
    }
    if (existing) await rm(directory, { recursive: true, force: true });
    await mkdir(dirname(directory), { recursive: true });
    await rename(tmp, directory);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return {
    package: fetched.name,
    version: fetched.version,
    digest: fetched.digest,
    registry: fetched.registry,
    directory,
    files,
  };
}
