/**
 * The README's "A day with stackanetes" block, run as written: each line through bash, with
 * `stackanetes` on PATH (what `npm install -g .` gives), against a local registry-server and the
 * simulator, in a copy of the package set and parameters.yaml. A line that stops working as the
 * README says fails here.
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { startRegistry, type RunningRegistry } from '../registry-client/helpers.js';
import { startCluster, type TestCluster } from './harness.js';

let c: TestCluster;
let registry: RunningRegistry;

beforeAll(async () => {
  [c, registry] = await Promise.all([startCluster({ readinessDelayMs: 50 }), startRegistry()]);
});
afterAll(async () => {
  await Promise.all([c?.stop(), registry?.stop()]);
});

/** The command lines of the README block (comments after a command stay: bash ignores them). */
function readmeBlock(): string[] {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A day with stackanetes'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

/** Runs one line with bash in `cwd`; resolves its exit code and output. */
function bash(line: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd, env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe("README's A day with stackanetes", () => {
  it('runs as written against a local registry and the simulator', async () => {
    const lines = readmeBlock();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const work = join(c.dir, 'day');
    mkdirSync(work, { recursive: true });
    cpSync(join(repoRoot, 'packages'), join(work, 'packages'), { recursive: true });
    cpSync(join(repoRoot, 'parameters.yaml'), join(work, 'parameters.yaml'));
    const bin = join(c.dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, 'stackanetes'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin', 'stackanetes')}" "$@"\n`,
    );
    chmodSync(join(bin, 'stackanetes'), 0o755);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      STACKANETES_HOME: join(c.dir, 'home'),
      KUBECONFIG: c.kubeconfig,
      REGISTRY: registry.host,
      REGISTRY_USER: 'alice',
      REGISTRY_PASSWORD: 'password',
      NO_COLOR: '1',
      STACKANETES_REGISTRY: '',
    };
    const results: { line: string; code: number; out: string }[] = [];
    for (const line of lines) results.push({ line, ...(await bash(line, work, env)) });
    const byVerb = (verb: string) => results.filter((r) => r.line.startsWith(`stackanetes ${verb} `));
    const report = results.map((r) => `$ ${r.line}\n[exit ${r.code}]\n${r.out}`).join('\n');

    // diff exits 1 (changes), everything else 0.
    for (const r of results) expect([r.line, r.code]).toEqual([r.line, r.line.includes(' diff ') ? 1 : 0]);
    const [login] = results;
    expect(login?.out).toContain(`http://${registry.host} is now the default registry`);
    const [push] = byVerb('push');
    const rows = (push?.out ?? '').split('\n').filter((l) => /^stackanetes\//.test(l));
    const order = rows.map((l) => l.split(/\s+/)[0]);
    expect(order.indexOf('stackanetes/openstack-common')).toBeLessThan(order.indexOf('stackanetes/keystone'));
    expect(order.at(-1)).toBe('stackanetes/stackanetes');
    expect(rows.every((l) => /\spushed\s/.test(l))).toBe(true);
    const [, second] = byVerb('deploy');
    expect(byVerb('deploy')[0]?.out).toContain(
      'release stackanetes in namespace openstack: revision 1 deployed',
    );
    expect(second?.out).toContain('revision 2 deployed');
    expect(byVerb('status')[0]?.out).toMatch(/(\d+) of \1 objects ready/);
    expect(byVerb('history')[0]?.out).toMatch(
      /2\s+\S+\s+deployed\s+stackanetes\/stackanetes@\S+\s+deploy .*: set keystone\.replicas/,
    );
    expect(byVerb('rollback')[0]?.out).toContain('rolled back to revision 1 as revision 3');
    // Pushing the same set again changes nothing in the registry.
    const again = await bash(push?.line ?? '', work, env);
    expect(again.code).toBe(0);
    expect(
      again.out
        .split('\n')
        .filter((l) => /^stackanetes\//.test(l))
        .every((l) => /\sunchanged\s/.test(l)),
    ).toBe(true);
    if (results.some((r) => r.code !== (r.line.includes(' diff ') ? 1 : 0))) throw new Error(report);
  }, 400000);
});
