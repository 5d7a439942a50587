/**
 * The contract every ReleaseStore keeps, run against the Secret store (on the simulator) and the
 * in-memory one, so a verb tested against memory behaves as it does against a cluster.
 */
import { ConflictError, NotFoundError } from '../../src/errors.js';
import type { ReleaseStore } from '../../src/release/store.js';
import type { ReleaseRecord } from '../../src/release/types.js';

export function record(release: string, revision: number, extra: Partial<ReleaseRecord> = {}): ReleaseRecord {
  return {
    release,
    namespace: 'contract',
    revision,
    status: 'deployed',
    description: `deploy demo/${release}@1.0.${revision}`,
    root: { name: `demo/${release}`, version: `1.0.${revision}` },
    packages: [{ name: `demo/${release}`, version: `1.0.${revision}`, origin: 'dir' }],
    parameters: { [`demo/${release}`]: { password: 'placeholder' } },
    manifestDigest: `sha256:${String(revision).padStart(64, '0')}`,
    objects: [
      {
        package: `demo/${release}`,
        version: `1.0.${revision}`,
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${release}-config` } },
      },
    ],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

/** The store under test; `now` is the clock it was created with. */
export interface StoreUnderTest {
  store: ReleaseStore;
  now: Date;
}

export function releaseStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} release store`, () => {
    it('lists nothing in a namespace without revisions', async () => {
      const { store } = await open();
      expect(await store.list()).toEqual([]);
      expect(await store.list('app')).toEqual([]);
    });

    it('lists revisions by release, then revision number, whatever order they were written in', async () => {
      const { store } = await open();
      for (const [release, revision] of [
        ['web', 2],
        ['app', 3],
        ['app', 1],
        ['web', 1],
        ['app', 2],
      ] as const)
        await store.create(record(release, revision));
      const all = await store.list();
      expect(all.map((r) => `${r.release}.${r.revision}`)).toEqual([
        'app.1',
        'app.2',
        'app.3',
        'web.1',
        'web.2',
      ]);
      expect((await store.list('web')).map((r) => r.revision)).toEqual([1, 2]);
      expect(all[0]).toEqual(record('app', 1));
    });

    it('accepts the same revision written twice (a retried create) but refuses other content under its number', async () => {
      const { store } = await open();
      await store.create(record('app', 1));
      await store.create(record('app', 1));
      await expect(store.create(record('app', 1, { description: 'another deploy' }))).rejects.toThrow(
        ConflictError,
      );
      expect(await store.list('app')).toHaveLength(1);
    });

    it('changes status, failure and completed Jobs without touching the manifest, stamping the time', async () => {
      const { store, now } = await open();
      await store.create(record('app', 1, { status: 'pending' }));
      await store.setStatus('app', 1, 'failed', 'db not ready', {
        reason: 'not-ready',
        completedJobs: { 'batch/v1/Job/db-init': 'sha256:1' },
      });
      let [stored] = await store.list('app');
      expect(stored).toMatchObject({
        status: 'failed',
        failure: 'db not ready',
        failureReason: 'not-ready',
        completedJobs: { 'batch/v1/Job/db-init': 'sha256:1' },
        updatedAt: now.toISOString(),
        objects: record('app', 1).objects,
      });
      await store.setStatus('app', 1, 'deployed');
      [stored] = await store.list('app');
      expect(stored?.status).toBe('deployed');
      expect(stored?.failure).toBeUndefined();
      expect(stored?.failureReason).toBeUndefined();
    });

    it('reports a missing revision when its status is set', async () => {
      const { store } = await open();
      await expect(store.setStatus('app', 7, 'superseded')).rejects.toThrow(NotFoundError);
    });

    it('deletes one revision and leaves the others', async () => {
      const { store } = await open();
      await store.create(record('app', 1));
      await store.create(record('app', 2));
      await store.delete('app', 1);
      await store.delete('app', 5);
      expect((await store.list()).map((r) => r.revision)).toEqual([2]);
    });

    it('hands out records that do not change the store when the caller edits them', async () => {
      const { store } = await open();
      await store.create(record('app', 1));
      const [listed] = await store.list();
      (listed as ReleaseRecord).status = 'failed';
      (listed as ReleaseRecord).objects.length = 0;
      expect(await store.list()).toEqual([record('app', 1)]);
    });
  });
}
