/** `stackanetes delete-package REF`: deletes one release (`ns/name@1.2.0`) from an App Registry. */
import { UsageError } from '../errors.js';
import { parseRegistryReference } from '../resolve/reference.js';
import semver from 'semver';
import type { ActionContext } from './context.js';

export interface DeletePackageOptions {
  reference: string;
  registry?: string;
}

export interface DeletePackageResult {
  package: string;
  release: string;
  registry: string;
  status: 'deleted';
}

export async function deletePackage(
  context: ActionContext,
  options: DeletePackageOptions,
): Promise<DeletePackageResult> {
  const ref = parseRegistryReference(options.reference);
  if (!ref.version || !semver.valid(ref.version)) {
    throw new UsageError(`delete-package needs an exact release, got ${JSON.stringify(options.reference)}`, {
      hint: `name it: stackanetes delete-package ${ref.name}@1.2.0`,
    });
  }
  const session = await context.registry();
  const url = session.registryUrl(ref.registry ?? options.registry);
  await session.appr(url).deleteRelease(ref.name, ref.version);
  return { package: ref.name, release: ref.version, registry: url, status: 'deleted' };
}
