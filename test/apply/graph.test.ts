/**
 * The order of a release as data, without a cluster: depends-on parsing and resolution, one line
 * per dangling reference and per cycle, update strategies, the package graph inferred from the
 * Services and named objects a package uses, and the kind steps an explicit dependency reshapes.
 */
import { executePlan, failureReport, formatElapsed } from '../../src/apply/apply.js';
import type { KubeClient } from '../../src/kube/client.js';
import {
  findCycles,
  objectGraph,
  packageGraph,
  parseDependsOn,
  updateStrategy,
  type GraphNode,
} from '../../src/apply/graph.js';
import { prepareDesired } from '../../src/apply/normalize.js';
import type { Plan, PlanItem } from '../../src/apply/plan.js';
import type { KubeObject } from '../../src/model/types.js';

const obj = (kind: string, name: string, annotations?: Record<string, string>, extra = {}): KubeObject => ({
  apiVersion: kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name, namespace: 'ns', ...(annotations ? { annotations } : {}) },
  ...extra,
});
const node = (pkg: string, o: KubeObject): GraphNode => ({ package: pkg, object: o });
const dependsOn = (value: string) => ({ 'stackanetes.io/depends-on': value });

describe('depends-on', () => {
  it('parses several Kind/name entries and reports malformed ones', () => {
    expect(parseDependsOn('Job/a, Deployment/keystone-api,,')).toEqual({
      refs: [
        { kind: 'Job', name: 'a' },
        { kind: 'Deployment', name: 'keystone-api' },
      ],
      bad: [],
    });
    expect(parseDependsOn('Job/a,job-b').bad).toEqual(['job-b']);
  });

  it('skips a package-qualified reference to a package the release does not contain, and resolves it when it does', () => {
    expect(parseDependsOn('stackanetes/keystone:Job/keystone-bootstrap').refs).toEqual([
      { package: 'stackanetes/keystone', kind: 'Job', name: 'keystone-bootstrap' },
    ]);
    const register = node(
      's/glance',
      obj('Job', 'glance-register', dependsOn('s/keystone:Deployment/keystone-api')),
    );
    expect(objectGraph([register], 'ns')).toEqual({ dependsOn: [[]], problems: [] });
    const withKeystone = objectGraph([node('s/keystone', obj('Deployment', 'keystone-api')), register], 'ns');
    expect(withKeystone).toEqual({ dependsOn: [[], [0]], problems: [] });
    const misspelt = objectGraph([node('s/keystone', obj('Deployment', 'keystone')), register], 'ns');
    expect(misspelt.problems).toEqual([
      'Job/glance-register (s/glance) depends on Deployment/keystone-api, which no package of the release renders',
    ]);
  });

  it('resolves references across packages of the release', () => {
    const nodes = [
      node('p/db', obj('Job', 'db-init')),
      node('p/db', obj('Job', 'db-sync', dependsOn('Job/db-init'))),
      node('p/api', obj('Job', 'register', dependsOn('Job/db-sync,Job/db-init'))),
    ];
    const g = objectGraph(nodes, 'ns');
    expect(g.problems).toEqual([]);
    expect(g.dependsOn).toEqual([[], [0], [1, 0]]);
  });

  it('gives one line naming the objects for a dangling reference and one for a cycle', () => {
    const nodes = [
      node('p/x', obj('Job', 'a', dependsOn('Job/b'))),
      node('p/x', obj('Job', 'b', dependsOn('Job/a'))),
      node('p/x', obj('Job', 'c', dependsOn('Job/missing'))),
    ];
    expect(objectGraph(nodes, 'ns').problems).toEqual([
      'Job/c (p/x) depends on Job/missing, which no package of the release renders',
      'dependency cycle: Job/a -> Job/b -> Job/a',
    ]);
  });

  it('finds each cycle once, a self-reference included', () => {
    expect(findCycles([[1], [2], [0], [3]])).toEqual([[0, 1, 2], [3]]);
    expect(findCycles([[1], [], [1]])).toEqual([]);
  });
});

describe('update strategy', () => {
  it('replaces Jobs by default, fails other kinds, and follows the annotation', () => {
    expect(updateStrategy(obj('Job', 'j'))).toBe('replace');
    expect(updateStrategy(obj('Service', 's'))).toBe('fail');
    expect(updateStrategy(obj('Service', 's', { 'stackanetes.io/update-strategy': 'replace' }))).toBe(
      'replace',
    );
    expect(updateStrategy(obj('Job', 'j', { 'stackanetes.io/update-strategy': 'fail' }))).toBe('fail');
    expect(
      objectGraph([node('p', obj('Job', 'j', { 'stackanetes.io/update-strategy': 'recreate' }))], 'ns')
        .problems,
    ).toEqual(['Job/j (p): stackanetes.io/update-strategy "recreate" is neither replace nor fail']);
  });
});

describe('package graph', () => {
  const secret = (name: string, text: string): KubeObject =>
    obj('Secret', name, undefined, { data: { 'app.conf': Buffer.from(text).toString('base64') } });
  const nodes = [
    node('db', obj('Service', 'mariadb')),
    node('cache', obj('Service', 'memcached')),
    node('search', obj('Service', 'elasticsearch')),
    node('identity', obj('Service', 'keystone-api')),
    node('identity', secret('identity-config', 'connection = mysql://u:p@mariadb:3306/identity\n')),
    node(
      'image',
      secret('image-config', 'servers = memcached-0.memcached:11211\nauth = http://keystone-api:5000/v3\n'),
    ),
    // "memcached-exporter" and "mariadb_host" are not the Services' host names.
    node(
      'metrics',
      obj('ConfigMap', 'metrics', undefined, { data: { a: 'memcached-exporter', b: 'mariadb_host' } }),
    ),
    node(
      'uses-secret',
      obj('Deployment', 'x', undefined, {
        spec: { template: { spec: { volumes: [{ name: 'c', secret: { secretName: 'identity-config' } }] } } },
      }),
    ),
  ];
  const packages = ['db', 'cache', 'search', 'identity', 'image', 'metrics', 'uses-secret'];

  it('makes a package wait for the earlier packages whose Services it names or whose objects it mounts', () => {
    const g = packageGraph(packages, nodes, objectGraph(nodes, 'ns'));
    const deps = Object.fromEntries([...g].map(([p, d]) => [p, [...d].sort()]));
    expect(deps).toEqual({
      db: [],
      cache: [],
      search: [],
      identity: ['db'],
      image: ['cache', 'identity'],
      metrics: [],
      'uses-secret': ['identity'],
    });
  });

  it('leaves out a package edge that would close a loop with an explicit object dependency', () => {
    const withLoop = [
      node('a', obj('Service', 'a-api')),
      node('a', obj('Job', 'a-job', dependsOn('Job/b-job'))),
      node('b', obj('Job', 'b-job', undefined, { spec: { url: 'http://a-api:80' } })),
    ];
    const g = packageGraph(['a', 'b'], withLoop, objectGraph(withLoop, 'ns'));
    expect([...(g.get('b') ?? [])]).toEqual([]);
  });
});

describe('executing an order', () => {
  /** A client that records applies and answers Jobs as complete after `completeAfterMs`. */
  function fakeClient(log: string[]): KubeClient {
    return {
      apply: async (o: KubeObject) => {
        log.push(`apply ${o.kind}/${o.metadata.name}`);
        return {
          ...o,
          metadata: { ...o.metadata, resourceVersion: String(log.length) },
          status: o.kind === 'Job' ? { conditions: [{ type: 'Complete', status: 'True' }] } : {},
        };
      },
    } as unknown as KubeClient;
  }
  const item = (pkg: string, o: KubeObject, needs?: string[]): PlanItem => ({
    action: 'create',
    package: pkg,
    version: '1.0.0',
    ref: { apiVersion: o.apiVersion, kind: o.kind, namespace: 'ns', name: o.metadata.name },
    key: `${o.kind}/${o.metadata.name}`,
    prepared: prepareDesired(o),
    ...(needs ? { needs } : {}),
  });

  it('applies an object after what it depends on even when its kind comes first, and records completed Jobs', async () => {
    const log: string[] = [];
    const plan: Plan = {
      release: 'r',
      namespace: 'ns',
      items: [
        // A ConfigMap (an early kind) that must wait for a Job (a later kind) of the same package.
        item('p', obj('ConfigMap', 'after-job'), ['Job/first']),
        item('p', obj('Job', 'first')),
        item('p', obj('Job', 'second'), ['Job/first']),
      ],
      packageDeps: { p: [] },
    };
    const result = await executePlan(fakeClient(log), plan, {
      wait: true,
      deadline: Date.now() + 10_000,
      concurrency: 1,
      force: false,
      packages: [{ name: 'p', version: '1.0.0' }],
      progress: () => {},
    });
    expect(result.failure).toBeUndefined();
    expect(log.indexOf('apply Job/first')).toBe(0);
    expect(log).toContain('apply ConfigMap/after-job');
    expect(log).toContain('apply Job/second');
    expect(Object.keys(result.completedJobs).sort()).toEqual(['Job/first', 'Job/second']);
  });

  it('names what was still waited for and since when in a timeout report', async () => {
    const since = Date.parse('2026-01-01T10:00:00Z');
    const failure = await failureReport(
      {} as KubeClient,
      {
        errors: [],
        notReady: [
          {
            ref: { apiVersion: 'batch/v1', kind: 'Job', namespace: 'ns', name: 'db-sync' },
            reason: '0 of 1 completions',
            conditions: '',
            failed: false,
            since,
          },
        ],
        blocked: ['ns/Job/register (after Job/db-sync)'],
        timedOut: true,
        interrupted: false,
      },
      since + 65_000,
      900_000,
    );
    expect(failure?.message).toBe(
      '1 object not ready before the timeout (15m00s): ns/Job/db-sync (0 of 1 completions; waited for since 2026-01-01T10:00:00.000Z, 1m05s); not applied yet: ns/Job/register (after Job/db-sync)',
    );
    expect(formatElapsed(3_600_000 + 120_000)).toBe('1h02m');
  });
});
