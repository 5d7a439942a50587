/**
 * Revision records kept in process memory, with the Secret store's contract (ordering, conflicts,
 * status updates, missing revisions): verbs that read or write release history can be tested
 * without a cluster, the way Helm tests its actions against its memory driver.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { ReleaseStore } from './store.js';
import type { ReleaseRecord } from './types.js';

export function createMemoryReleaseStore(
  namespace: string,
  now: () => Date = () => new Date(),
): ReleaseStore {
  const records = new Map<string, ReleaseRecord>();
  const key = (release: string, revision: number): string => `${release}\u0000${revision}`;
  // Stored and handed out as copies, as the Secret store decodes a fresh object on every read.
  const copy = (record: ReleaseRecord): ReleaseRecord => structuredClone(record);
  return {
    async list(release) {
      return [...records.values()]
        .filter((r) => release === undefined || r.release === release)
        .map(copy)
        .sort((a, b) => a.release.localeCompare(b.release) || a.revision - b.revision);
    },
    async create(record) {
      const k = key(record.release, record.revision);
      const existing = records.get(k);
      if (existing) {
        if (JSON.stringify(existing) === JSON.stringify(record)) return;
        throw new ConflictError(
          `another deploy of release ${record.release} wrote revision ${record.revision} at the same time`,
          { hint: 'wait for the other deploy to finish, then run this one again' },
        );
      }
      records.set(k, copy(record));
    },
    async setStatus(release, revision, status, failure, extra = {}) {
      const record = records.get(key(release, revision));
      if (!record) throw new NotFoundError(`release ${release} has no revision ${revision} in ${namespace}`);
      record.status = status;
      record.updatedAt = now().toISOString();
      if (failure) {
        record.failure = failure.slice(0, 1000);
        record.failureReason = extra.reason ?? 'failed';
      } else {
        delete record.failure;
        delete record.failureReason;
      }
      if (extra.completedJobs && Object.keys(extra.completedJobs).length > 0)
        record.completedJobs = { ...extra.completedJobs };
    },
    async delete(release, revision) {
      records.delete(key(release, revision));
    },
  };
}
