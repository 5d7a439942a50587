/**
 * The README's first Quick-start command runs test/demo.sh (through `npm run demo`, which builds
 * first). It must work on a fresh machine: simulator, registry, login, push, deploy from the
 * registry, status, diff — and leave nothing running behind.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of running processes whose command line contains `text`. */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

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
    expect(out).toMatch(/stackanetes\/keystone\s+0\.4\.0\s+sha256:[0-9a-f]{64}\s+pushed/);
    expect(out).toMatch(/release stackanetes in namespace openstack: revision 1 deployed/);
    expect(out).toMatch(/(\d+) of \1 objects ready/);
    expect(out).toContain('openstack/Deployment/keystone-api (stackanetes/keystone) will be updated');
    expect(out).toContain('Plan: 0 to create, 1 to update, 0 to delete');
    expect(out).toMatch(/lockfile deploy wrote[\s\S]*stackanetes\/keystone[\s\S]*sha256:[0-9a-f]{64}/);
    expect(out).toContain('Demo finished');
    // Every process it started is gone: the PIDs it reports, and anything naming its directory.
    const pids = (/^demo processes stopped: ([\d ]+)$/m.exec(out)?.[1] ?? '').trim().split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    const work = /kubeconfig in (\S+)\/kubeconfig/.exec(out)?.[1] as string;
    expect(work).toMatch(/stackanetes-demo\./);
    expect(processesNaming(`${work}/`)).toEqual([]);
  }, 240000);
});
