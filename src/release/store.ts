/**
 * Release revisions stored as Secrets in the target namespace, one per revision, as Helm does:
 * they live and die with the namespace, need no extra service, and RBAC on Secrets protects the
 * parameters (passwords) they hold. The record is gzipped JSON; status and timestamps are labels
 * and annotations so they can change with a small merge patch and never rewrite the manifest.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConflictError, InputError, NotFoundError } from '../errors.js';
import type { KubeClient } from '../kube/client.js';
import { isApiError } from '../kube/http.js';
import type { KubeObject } from '../model/types.js';
import type { ReleaseRecord, RevisionStatus } from './types.js';

const SECRET_TYPE = 'stackanetes.io/release.v1';
const LABEL_OWNER = 'owner';
const LABEL_RELEASE = 'stackanetes.io/release';
const LABEL_REVISION = 'stackanetes.io/revision';
const LABEL_STATUS = 'stackanetes.io/status';
const ANNOTATION_UPDATED = 'stackanetes.io/updated-at';
const ANNOTATION_FAILURE = 'stackanetes.io/failure';
const ANNOTATION_REASON = 'stackanetes.io/failure-reason';
/** Jobs seen complete, set with the status: the manifest in `data` is never rewritten. */
const ANNOTATION_COMPLETED = 'stackanetes.io/completed-jobs';
/** A Secret holds at most 1 MiB; leave room for metadata. */
const MAX_PAYLOAD = 900 * 1024;
/** Revisions kept per release; older superseded ones are deleted when a new one is written. */
export const HISTORY_MAX = 10;

export function revisionSecretName(release: string, revision: number): string {
  return `stackanetes.release.${release}.v${revision}`;
}

/** A stored revision: the decoded record (status and timestamps from the labels). */
function decode(secret: KubeObject): ReleaseRecord | undefined {
  const labels = secret.metadata.labels ?? {};
  const data = (secret.data ?? {}) as Record<string, string>;
  if (!data.release) return undefined;
  let record: ReleaseRecord;
  try {
    record = JSON.parse(gunzipSync(Buffer.from(data.release, 'base64')).toString('utf8')) as ReleaseRecord;
    if (!Array.isArray(record.objects)) throw new Error('it holds no object list');
  } catch (err) {
    // Someone edited or truncated it. Guessing past it would let prune forget what it owned, so
    // every verb stops here, naming it, rather than failing later as an "internal error".
    const name = `${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
    throw new InputError(
      `revision record ${name} cannot be read (${err instanceof Error ? err.message : String(err)})`,
      {
        hint: `restore it, or delete it with \`kubectl delete secret -n ${secret.metadata.namespace ?? ''} ${secret.metadata.name}\` (what only that revision applied is then no longer pruned)`,
      },
    );
  }
  record.status = (labels[LABEL_STATUS] as RevisionStatus | undefined) ?? record.status;
  record.updatedAt = secret.metadata.annotations?.[ANNOTATION_UPDATED] ?? record.updatedAt;
  const failure = secret.metadata.annotations?.[ANNOTATION_FAILURE];
  if (failure) record.failure = failure;
  const reason = secret.metadata.annotations?.[ANNOTATION_REASON];
  if (reason) record.failureReason = reason;
  const completed = secret.metadata.annotations?.[ANNOTATION_COMPLETED];
  if (completed) {
    try {
      record.completedJobs = JSON.parse(completed) as Record<string, string>;
    } catch {
      // an edited annotation only costs rerunning Jobs a TTL removed
    }
  }
  return record;
}

export interface ReleaseStore {
  /** Every revision of `release` (or of every release when omitted) in the namespace, oldest first. */
  list(release?: string): Promise<ReleaseRecord[]>;
  /** Writes a new revision; fails with ConflictError when another deploy took the number first. */
  create(record: ReleaseRecord): Promise<void>;
  setStatus(
    release: string,
    revision: number,
    status: RevisionStatus,
    failure?: string,
    extra?: { reason?: string; completedJobs?: Record<string, string> },
  ): Promise<void>;
  delete(release: string, revision: number): Promise<void>;
}

export function createReleaseStore(
  client: KubeClient,
  namespace: string,
  now: () => Date = () => new Date(),
): ReleaseStore {
  return {
    async list(release) {
      const selector = release
        ? `${LABEL_OWNER}=stackanetes,${LABEL_RELEASE}=${release}`
        : `${LABEL_OWNER}=stackanetes`;
      const secrets = await client.list('v1', 'Secret', namespace, { labelSelector: selector });
      const records: ReleaseRecord[] = [];
      for (const s of secrets) {
        if (s.type !== SECRET_TYPE) continue;
        const record = decode(s);
        if (record) records.push(record);
      }
      return records.sort((a, b) => a.release.localeCompare(b.release) || a.revision - b.revision);
    },
    async create(record) {
      const payload = gzipSync(Buffer.from(JSON.stringify(record))).toString('base64');
      if (payload.length > MAX_PAYLOAD) {
        throw new InputError(
          `release ${record.release} revision ${record.revision} is ${payload.length} bytes compressed, more than a Secret can hold`,
          { hint: 'split the meta-package into several releases' },
        );
      }
      const secret: KubeObject = {
        apiVersion: 'v1',
        kind: 'Secret',
        type: SECRET_TYPE,
        metadata: {
          name: revisionSecretName(record.release, record.revision),
          namespace,
          labels: {
            [LABEL_OWNER]: 'stackanetes',
            [LABEL_RELEASE]: record.release,
            [LABEL_REVISION]: String(record.revision),
            [LABEL_STATUS]: record.status,
          },
          annotations: {
            [ANNOTATION_UPDATED]: record.updatedAt,
            'stackanetes.io/created-at': record.createdAt,
          },
        },
        data: { release: payload },
      };
      try {
        await client.create(secret, { retry: true });
      } catch (err) {
        if (!isApiError(err, 409)) throw err;
        // A retried create whose first attempt landed is ours; anything else is a concurrent deploy.
        const existing = await client.get({
          apiVersion: 'v1',
          kind: 'Secret',
          namespace,
          name: secret.metadata.name,
        });
        if (existing && (existing.data as Record<string, string> | undefined)?.release === payload) return;
        throw new ConflictError(
          `another deploy of release ${record.release} wrote revision ${record.revision} at the same time`,
          { hint: 'wait for the other deploy to finish, then run this one again' },
        );
      }
    },
    async setStatus(release, revision, status, failure, extra = {}) {
      const annotations: Record<string, string | null> = { [ANNOTATION_UPDATED]: now().toISOString() };
      annotations[ANNOTATION_FAILURE] = failure ? failure.slice(0, 1000) : null;
      annotations[ANNOTATION_REASON] = failure ? (extra.reason ?? 'failed') : null;
      if (extra.completedJobs && Object.keys(extra.completedJobs).length > 0)
        annotations[ANNOTATION_COMPLETED] = JSON.stringify(extra.completedJobs);
      try {
        await client.mergePatch(
          { apiVersion: 'v1', kind: 'Secret', namespace, name: revisionSecretName(release, revision) },
          { metadata: { labels: { [LABEL_STATUS]: status }, annotations } },
        );
      } catch (err) {
        if (isApiError(err, 404))
          throw new NotFoundError(`release ${release} has no revision ${revision} in ${namespace}`);
        throw err;
      }
    },
    async delete(release, revision) {
      await client.delete({
        apiVersion: 'v1',
        kind: 'Secret',
        namespace,
        name: revisionSecretName(release, revision),
      });
    },
  };
}
