/**
 * Crash safety of the filesystem back end: the server process is SIGKILLed at random moments
 * (seeded, so the schedule replays) during a stream of pushes and channel changes, 32 times.
 * After a restart every acknowledged push must be listed and pullable with its digests, every
 * acknowledged channel entry present, and nothing listed may be partial (a release without a
 * readable, matching blob, or a channel naming a missing release).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packageBlob } from './helpers/tarball.js';
import { addUser, call, login, push, seededRandom, startRegistry } from './helpers/registry.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const KILLS = 32;
const PACKAGES = ['crash/alpha', 'crash/beta', 'crash/gamma'];

function blobFor(index: number): { pkg: string; release: string; blob: Buffer } {
  const pkg = PACKAGES[index % PACKAGES.length] as string;
  const release = `1.0.${index}`;
  // Sizes vary so some writes take long enough to be interrupted mid-file.
  return { pkg, release, blob: packageBlob(pkg, release, [], (index * 7919) % 60000) };
}

describe('filesystem storage under SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stackanetes-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged push and channel entry and lists nothing partial after ${KILLS} kills`, async () => {
    const rnd = seededRandom(20261201);
    await addUser(dir, 'crasher');
    const acked = new Map<string, string>(); // pkg@release -> gzip digest
    const ackedChannels = new Set<string>(); // pkg#channel#release
    let next = 0;
    let token = '';
    for (let cycle = 0; cycle < KILLS; cycle++) {
      const reg = await startRegistry(dir, ['--lock-stale', '2s']);
      if (!token) token = await login(reg.url, 'crasher');
      let stopped = false;
      const worker = async () => {
        while (!stopped) {
          const { pkg, release, blob } = blobFor(next++);
          try {
            const r = await push(reg.url, token, pkg, blob, release);
            if (r.status === 200) acked.set(`${pkg}@${release}`, sha(blob));
            else if (r.status !== 409) throw new Error(`unexpected ${r.status}`);
            if (r.status === 200 && rnd() < 0.4) {
              const channel = rnd() < 0.5 ? 'stable' : 'beta';
              const c = await call(
                reg.url,
                'POST',
                `/api/v1/packages/${pkg}/channels/${channel}/${release}`,
                { token },
              );
              if (c.status === 200) ackedChannels.add(`${pkg}#${channel}#${release}`);
            }
          } catch (err) {
            if (!stopped) throw err;
          }
        }
      };
      const workers = Array.from({ length: 4 }, worker);
      await new Promise((r) => setTimeout(r, 40 + Math.floor(rnd() * 300)));
      stopped = true;
      await reg.kill();
      await Promise.all(workers);
    }
    expect(acked.size).toBeGreaterThan(KILLS);

    const reg = await startRegistry(dir, ['--lock-stale', '2s']);
    try {
      const listed = new Set<string>();
      for (const pkg of PACKAGES) {
        const all = await call(reg.url, 'GET', `/api/v1/packages/${pkg}`);
        expect(all.status).toBe(200);
        for (const m of all.body as { release: string; content: { digest: string; gzipDigest: string } }[]) {
          listed.add(`${pkg}@${m.release}`);
          const res = await fetch(`${reg.url}/api/v1/packages/${pkg}/${m.release}/stackanetes/pull`);
          expect(res.status).toBe(200);
          const body = Buffer.from(await res.arrayBuffer());
          const index = Number(m.release.split('.')[2]);
          expect([sha(body), sha(gunzipSync(body))]).toEqual([m.content.gzipDigest, m.content.digest]);
          expect(body.equals(blobFor(index).blob)).toBe(true);
        }
        const channels = await call(reg.url, 'GET', `/api/v1/packages/${pkg}/channels`);
        for (const ch of channels.body as { name: string; current: string; releases: string[] }[]) {
          expect(ch.releases).toContain(ch.current);
          for (const r of ch.releases) expect(listed.has(`${pkg}@${r}`)).toBe(true);
        }
        for (const key of ackedChannels) {
          const [p, channel, release] = key.split('#') as [string, string, string];
          if (p !== pkg) continue;
          expect(
            (channels.body as { name: string; releases: string[] }[]).find((c) => c.name === channel)
              ?.releases,
          ).toContain(release);
        }
      }
      const missing = [...acked.keys()].filter((k) => !listed.has(k));
      expect(missing).toEqual([]);
    } finally {
      await reg.stop();
    }
  }, 240000);
});
