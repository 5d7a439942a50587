/**
 * The stackanetes/registry package renders with its defaults, and every STACKANETES_REGISTRY_*
 * variable it sets is one the server actually reads (so a renamed setting cannot silently stop
 * applying on Kubernetes).
 */
import { parseAllDocuments } from 'yaml';
import { ENV } from '../../registry-server/config.js';
import { runCli } from '../helpers/cli.js';

describe('the stackanetes/registry package', () => {
  it('renders PostgreSQL, the registry Deployment and the admin Job, wired to env vars the server reads', async () => {
    const r = await runCli(['generate', 'packages/registry', '--namespace', 'registry']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    type Doc = {
      kind: string;
      metadata: { name: string };
      spec?: { template: { spec: { containers: { env: { name: string }[] }[] } } };
    };
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Doc);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'Deployment/registry',
      'Job/registry-admin',
      'PodDisruptionBudget/registry',
      'Secret/registry-admin',
      'Secret/registry-postgres',
      'Service/registry',
      'Service/registry-postgres',
      'StatefulSet/registry-postgres',
    ]);
    const deployment = docs.find((d) => d.kind === 'Deployment');
    const env = (deployment?.spec?.template.spec.containers[0]?.env ?? []).map((e) => e.name);
    const known = new Set<string>(Object.values(ENV));
    expect(env.filter((name) => !known.has(name))).toEqual([]);
    expect(env).toContain(ENV.storage);
  });
});
