/**
 * The plan without a server: live state is handed in, so each classification (create, update,
 * unchanged, delete, protected, adopted) and each refusal is checked on plain objects.
 */
import { ConflictError, InputError } from '../../src/errors.js';
import type { ResourceInfo } from '../../src/kube/discovery.js';
import { objectKey, refOf } from '../../src/kube/objects.js';
import type { KubeObject } from '../../src/model/types.js';
import { ANNOTATION_RELEASE, LABEL_MANAGED_BY, LABEL_PART_OF } from '../../src/apply/ownership.js';
import { kindKey, plan, summarize, type LiveState, type PlannedObject } from '../../src/apply/plan.js';

const NS = 'openstack';
const RELEASE = 'stack';

const info = (kind: string, namespaced: boolean): ResourceInfo =>
  ({ kind, namespaced }) as unknown as ResourceInfo;
const kinds = new Map<string, ResourceInfo | undefined>([
  [kindKey({ apiVersion: 'v1', kind: 'ConfigMap' }), info('ConfigMap', true)],
  [kindKey({ apiVersion: 'v1', kind: 'PersistentVolumeClaim' }), info('PersistentVolumeClaim', true)],
  [kindKey({ apiVersion: 'batch/v1', kind: 'Job' }), info('Job', true)],
  [kindKey({ apiVersion: 'v1', kind: 'Namespace' }), info('Namespace', false)],
]);

const labels = { [LABEL_MANAGED_BY]: 'stackanetes', [LABEL_PART_OF]: RELEASE };
const configMap = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});
const entry = (object: KubeObject, pkg = 'keystone'): PlannedObject => ({
  package: pkg,
  version: '1.0.0',
  object,
});
const desired = (...objects: PlannedObject[]) => ({
  release: RELEASE,
  namespace: NS,
  objects,
  packages: [...new Set(objects.map((o) => o.package))].map((name) => ({ name })),
});
/** A live copy as the server would hold it: in the namespace, with server fields. */
const liveCopy = (object: KubeObject, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  ...object,
  metadata: { namespace: NS, resourceVersion: '7', uid: 'u1', ...object.metadata, ...extra },
});
const liveOf = (...objects: KubeObject[]): LiveState => ({
  kinds,
  objects: new Map(objects.map((o) => [objectKey(refOf(o)), o])),
});
const ours = { annotations: { [ANNOTATION_RELEASE]: `${NS}/${RELEASE}` } };

describe('plan', () => {
  it('creates every rendered object, placed in the target namespace, and the namespace itself first', () => {
    const p = plan(desired(entry(configMap('a'))), liveOf(), { objects: [] });
    expect(p.items.map((i) => [i.action, i.ref.kind, i.ref.namespace, i.ref.name])).toEqual([
      ['create', 'Namespace', undefined, NS],
      ['create', 'ConfigMap', NS, 'a'],
    ]);
    expect(p.items[0]?.implicit).toBe(true);
    expect(p.items[1]?.prepared?.object.metadata.annotations?.[ANNOTATION_RELEASE]).toBe(`${NS}/${RELEASE}`);
    expect(p.packages).toEqual(['keystone']);
  });

  it('finds an object unchanged when its live copy carries the applied digest, and updates it otherwise', () => {
    const first = plan(desired(entry(configMap('a')), entry(configMap('b'))), liveOf(), { objects: [] });
    const applied = (name: string): KubeObject =>
      liveCopy(first.items.find((i) => i.ref.name === name)?.prepared?.object as KubeObject);
    const again = plan(
      desired(entry(configMap('a')), entry(configMap('b', { a: '2' }))),
      liveOf(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, uid: 'n1' } },
        applied('a'),
        applied('b'),
      ),
      { objects: [] },
    );
    expect(again.items.map((i) => `${i.action} ${i.ref.name}`)).toEqual([
      `unchanged ${NS}`,
      'unchanged a',
      'update b',
    ]);
    expect(again.items[2]?.live?.metadata.uid).toBe('u1');
  });

  it('deletes what a previous revision applied and no longer renders, keeping protected kinds unless asked, kinds used by others last', () => {
    const pvc: KubeObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', labels },
    };
    const previous = { objects: [entry(configMap('a')), entry(configMap('old')), entry(pvc)] };
    const live = liveOf(liveCopy(configMap('old'), ours), liveCopy(pvc, ours));
    const kept = plan(desired(entry(configMap('a'))), live, previous);
    expect(kept.items.filter((i) => i.recorded).map((i) => `${i.action} ${i.ref.name}`)).toEqual([
      'protected data',
      'delete old',
    ]);
    const pruned = plan(desired(entry(configMap('a'))), live, previous, { pruneProtected: true });
    expect(summarize(pruned)).toMatchObject({ create: 2, delete: 2, protected: 0 });
  });

  it('leaves alone a previously applied object that is gone or now belongs to another release', () => {
    const other = { annotations: { [ANNOTATION_RELEASE]: `${NS}/other` } };
    const p = plan(desired(), liveOf(liveCopy(configMap('taken'), other)), {
      objects: [entry(configMap('taken')), entry(configMap('gone'))],
    });
    expect(p.items.map((i) => i.ref.name)).toEqual([NS]);
  });

  it('refuses an object of another release, naming it and the release', () => {
    const other = { annotations: { [ANNOTATION_RELEASE]: `${NS}/other` } };
    const run = (): unknown =>
      plan(desired(entry(configMap('a'))), liveOf(liveCopy(configMap('a'), other)), { objects: [] });
    expect(run).toThrow(ConflictError);
    expect(run).toThrow(`${NS}/ConfigMap/a belongs to release ${NS}/other, not to release ${NS}/${RELEASE}`);
  });

  it('refuses an object created by hand, naming its field managers, and adopts it with --adopt', () => {
    const byHand = liveCopy(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { a: '0' } },
      { managedFields: [{ manager: 'kubectl-create' }] } as Partial<KubeObject['metadata']>,
    );
    const d = desired(entry(configMap('a')));
    expect(() => plan(d, liveOf(byHand), { objects: [] })).toThrow(
      `${NS}/ConfigMap/a exists without stackanetes ownership labels (field managers: kubectl-create): refusing to take it over`,
    );
    const adopted = plan(d, liveOf(byHand), { objects: [] }, { pruneProtected: false, adopt: true });
    expect(adopted.items[1]).toMatchObject({ action: 'update', adopted: true });
  });

  it('does not run again a Job that completed with the same content and was removed by its TTL', () => {
    const job: KubeObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'db-sync', labels },
      spec: { ttlSecondsAfterFinished: 60 },
    };
    const created = plan(desired(entry(job)), liveOf(), { objects: [] }).items[1];
    const key = created?.key as string;
    const digest = created?.prepared?.digest as string;
    const done = plan(desired(entry(job)), liveOf(), { objects: [], completedJobs: { [key]: digest } });
    expect(done.items[1]).toMatchObject({ action: 'unchanged', completedEarlier: true });
    const changed = plan(desired(entry(job)), liveOf(), {
      objects: [],
      completedJobs: { [key]: 'sha256:other' },
    });
    expect(changed.items[1]?.action).toBe('create');
  });

  it('links an object to what it depends on, and refuses an object rendered twice', () => {
    const sync: KubeObject = {
      ...configMap('sync'),
      metadata: { name: 'sync', labels, annotations: { 'stackanetes.io/depends-on': 'ConfigMap/init' } },
    };
    const p = plan(desired(entry(configMap('init')), entry(sync)), liveOf(), { objects: [] });
    const init = p.items.find((i) => i.ref.name === 'init');
    expect(p.items.find((i) => i.ref.name === 'sync')?.needs).toEqual([init?.key]);
    expect(() =>
      plan(desired(entry(configMap('a')), entry(configMap('a'), 'glance')), liveOf(), { objects: [] }),
    ).toThrow(InputError);
  });
});
