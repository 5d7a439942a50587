/**
 * The README's first Quick-start command runs test/demo.sh (through `npm run demo`, which builds
 * first). It must work on a fresh machine: simulator, registry, login, push, deploy from the
 * registry, status, diff — and leave nothing running behind.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

function runDemo(): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot, 'test', 'demo.sh')], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('test/demo.sh', () => {
  it('pushes every package, deploys the meta-package from the registry, shows status and a diff, and exits 0', async () => {
    const { code, out } = await runDemo();
    expect(out).not.toMatch(/^error:/m);
    expect(code).toBe(0);
    expect(out).toContain('stackanetes/keystone  0.4.0');
    expect(out).toMatch(/release stackanetes in namespace openstack: revision 1 deployed/);
    expect(out).toMatch(/(\d+) of \1 objects ready/);
    expect(out).toContain('openstack/Deployment/keystone-api (stackanetes/keystone) will be updated');
    expect(out).toContain('Plan: 0 to create, 1 to update, 0 to delete');
    expect(out).toMatch(/lockfile deploy wrote[\s\S]*stackanetes\/keystone[\s\S]*sha256:[0-9a-f]{64}/);
    expect(out).toContain('Demo finished');
  }, 240000);
});
