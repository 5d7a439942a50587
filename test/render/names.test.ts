import { labelKeyProblem, labelValueProblem, metadataProblem, nameProblem } from '../../src/render/names.js';
import type { KubeObject } from '../../src/model/types.js';

describe('object names and labels the API server would reject', () => {
  it.each([
    ['ConfigMap', 'v1', 'keystone.conf-1', undefined],
    ['ConfigMap', 'v1', 'Keystone_API', /DNS subdomain/],
    ['Service', 'v1', 'keystone-api', undefined],
    ['Service', 'v1', '1keystone', /DNS-1035/],
    ['Service', 'v1', 'keystone.api', /DNS-1035/],
    ['Namespace', 'v1', 'openstack', undefined],
    ['ClusterRole', 'rbac.authorization.k8s.io/v1', 'system:openstack-reader', undefined],
    ['Role', 'rbac.authorization.k8s.io/v1', 'a/b', /must not/],
  ])('%s %s %j', (kind, apiVersion, name, problem) => {
    const found = nameProblem(kind, apiVersion, name);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('checks label keys and values', () => {
    expect(labelKeyProblem('app.kubernetes.io/name')).toBeUndefined();
    expect(labelKeyProblem('Bad_Prefix/x')).toMatch(/invalid prefix/);
    expect(labelKeyProblem('-x')).toMatch(/at most 63/);
    expect(labelValueProblem('')).toBeUndefined();
    expect(labelValueProblem('stackanetes.keystone')).toBeUndefined();
    expect(labelValueProblem('stackanetes/keystone')).toMatch(/at most 63/);
    expect(labelValueProblem('a b')).toMatch(/at most 63/);
    expect(labelValueProblem(1)).toMatch(/must be a string/);
  });

  it('names the field of the first problem, including pod template labels', () => {
    const deployment: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', labels: { app: 'api' } },
      spec: { template: { metadata: { labels: { tier: 'front end' } } } },
    };
    expect(metadataProblem(deployment)).toBe(
      'spec.template.metadata.labels["tier"]: label value "front end" must be at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    );
  });
});
