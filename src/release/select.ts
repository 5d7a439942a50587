/**
 * Which release a command without a package reference means: the one named, or the only one in
 * the namespace (the common case: one meta-package per namespace).
 */
import { NotFoundError, UsageError } from '../errors.js';
import type { ReleaseStore } from './store.js';
import type { ReleaseRecord } from './types.js';

/** The revisions of the selected release, oldest first (never empty). */
export async function selectRelease(
  store: ReleaseStore,
  namespace: string,
  name?: string,
): Promise<ReleaseRecord[]> {
  const all = await store.list(name);
  if (name) {
    if (all.length === 0) {
      throw new NotFoundError(`release ${name} has no revisions in namespace ${namespace}`, {
        hint: 'check --namespace and --release (see `stackanetes history --namespace NS`)',
      });
    }
    return all;
  }
  const names = [...new Set(all.map((r) => r.release))];
  if (names.length === 0) {
    throw new NotFoundError(`no release in namespace ${namespace}`, {
      hint: 'check --namespace, or deploy a package first',
    });
  }
  if (names.length > 1) {
    throw new UsageError(`namespace ${namespace} holds several releases: ${names.join(', ')}`, {
      hint: 'pick one with --release NAME',
    });
  }
  return all;
}

/** The revision whose objects are live: the last deployed one, else the last one tried. */
export function currentRevision(history: readonly ReleaseRecord[]): ReleaseRecord {
  const deployed = [...history].reverse().find((r) => r.status === 'deployed');
  return deployed ?? (history[history.length - 1] as ReleaseRecord);
}
