import { validateObjects } from '../../src/render/validate.js';
import type { KubeObject, RenderedObject } from '../../src/render/types.js';

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
