import { validateObjects } from '../../src/render/validate.js';
import type { KubeObject, RenderedObject } from '../../src/model/types.js';

function rendered(object: Partial<KubeObject> & { kind: string; apiVersion: string }): RenderedObject {
  return {
    object: { metadata: { name: 'x' }, ...object } as KubeObject,
    package: 'test/pkg',
    template: 'templates/x.yaml.hbs',
  };
}

const deployment = (replicas: unknown) =>
  rendered({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: {
      replicas,
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x' }] } },
    },
  });

describe('schema validation', () => {
  it('validates every built-in kind of one release, loaded together for the first time, without a no-schema warning', async () => {
    // Many kinds at once, first load in this process: the situation that used to lose validators.
    const objects = [
      deployment(1),
      rendered({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        spec: { selector: {}, serviceName: 'x', template: {} },
      }),
      rendered({ apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { selector: {}, template: {} } }),
      rendered({ apiVersion: 'batch/v1', kind: 'Job', spec: { template: {} } }),
      rendered({ apiVersion: 'v1', kind: 'Service' }),
      rendered({ apiVersion: 'v1', kind: 'Secret' }),
      rendered({ apiVersion: 'v1', kind: 'ConfigMap' }),
      rendered({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' }),
      rendered({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }),
      rendered({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }),
    ];
    expect(await validateObjects(objects)).toEqual([]);
  });

  it('rejects a wrongly typed field of a built-in kind, naming package, template, object and field', async () => {
    await expect(validateObjects([deployment('three')])).rejects.toThrow(
      'test/pkg templates/x.yaml.hbs: Deployment x: spec.replicas: must be integer, got "three"',
    );
  });

  it.each([
    ['extensions/v1beta1', 'Ingress', 'networking.k8s.io/v1', '1.22'],
    ['apps/v1beta2', 'Deployment', 'apps/v1', '1.16'],
    ['batch/v1beta1', 'CronJob', 'batch/v1', '1.25'],
    ['policy/v1beta1', 'PodDisruptionBudget', 'policy/v1', '1.25'],
    ['networking.k8s.io/v1beta1', 'Ingress', 'networking.k8s.io/v1', '1.22'],
    ['rbac.authorization.k8s.io/v1beta1', 'ClusterRole', 'rbac.authorization.k8s.io/v1', '1.22'],
    ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'autoscaling/v2', '1.26'],
  ])(
    'rejects %s %s, which no supported cluster serves, naming the current apiVersion',
    async (apiVersion, kind, current, removed) => {
      // kubernetes-models still ships these schemas, so they validated and failed only at deploy.
      const attempt = validateObjects([rendered({ apiVersion, kind })]);
      await expect(attempt).rejects.toThrow(
        `test/pkg templates/x.yaml.hbs: ${kind} x: ${apiVersion} was removed in Kubernetes ${removed}; use ${current}`,
      );
    },
  );

  it('keeps passing custom resources whose version looks like a beta', async () => {
    const warnings = await validateObjects([
      rendered({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware' }),
    ]);
    expect(warnings).toHaveLength(1);
  });

  it('passes kinds kubernetes-models does not ship with one warning per kind', async () => {
    const warnings = await validateObjects([
      rendered({ apiVersion: 'example.com/v1', kind: 'Widget' }),
      rendered({ apiVersion: 'example.com/v1', kind: 'Widget' }),
      rendered({ apiVersion: 'apps/v1', kind: 'NoSuchKind' }),
    ]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/no schema for Widget \(example.com\/v1\)/);
    expect(warnings[1]).toMatch(/no schema for NoSuchKind \(apps\/v1\)/);
  });
});
