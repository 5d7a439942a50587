/**
 * `stackanetes update [REF…]`: re-resolves the references (default: the ones the lockfile was
 * written for) against the registry, ignoring the lockfile's pins, and rewrites it. Every
 * dependency is resolved, including conditional ones, so any later render finds its pins.
 */
import { UsageError } from '../errors.js';
import { SELF, type LoadedPackage } from '../package/types.js';
import { defaultLockfilePath, readLockfile } from '../resolve/lockfile.js';
import type { ActionContext } from './context.js';

export interface UpdateOptions {
  references?: string[];
  /** The --variables files; the lockfile sits beside the first. */
  variableFiles?: string[];
  lockfile?: string;
  registry?: string;
}

export interface UpdateResult {
  lockfile: string;
  written: boolean;
  packages: { name: string; previous?: string; version: string; digest?: string; origin: string }[];
}

export async function update(context: ActionContext, options: UpdateOptions): Promise<UpdateResult> {
  const lockfile = options.lockfile ?? defaultLockfilePath(context.cwd, options.variableFiles);
  const previous = await readLockfile(lockfile);
  const references =
    options.references && options.references.length > 0 ? options.references : (previous?.roots ?? []);
  if (references.length === 0) {
    throw new UsageError(`nothing to update: no references given and no lockfile at ${lockfile}`, {
      hint: 'name the package: stackanetes update REF',
    });
  }
  const source = await context.packageSource({
    lockfile,
    ignoreLock: true,
    ...(options.registry ? { registry: options.registry } : {}),
  });
  const visited = new Set<string>();
  const walk = async (pkg: LoadedPackage): Promise<void> => {
    if (visited.has(pkg.manifest.package.name)) return;
    visited.add(pkg.manifest.package.name);
    for (const entry of pkg.manifest.dependencies) {
      if (entry.name === SELF) continue;
      await walk(await source.dependency(pkg, entry));
    }
  };
  for (const reference of references) await walk(await source.open(reference));
  await source.writeLock();
  const before = new Map((previous?.packages ?? []).map((p) => [p.name, p.version]));
  const after = await readLockfile(lockfile);
  return {
    lockfile,
    written: after !== undefined && JSON.stringify(after) !== JSON.stringify(previous),
    packages: source.resolved().map((r) => {
      const row: UpdateResult['packages'][number] = { name: r.name, version: r.version, origin: r.origin };
      const was = before.get(r.name);
      if (was) row.previous = was;
      if (r.digest) row.digest = r.digest;
      return row;
    }),
  };
}
