/**
 * OCI distribution: push and pull against the real CNCF registry (Debian's docker-registry,
 * started by jest's globalSetup), and a meta-package whose dependencies resolve by range from the
 * tags of sibling repositories.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderReference } from '../../src/render/pipeline.js';
import { createPackageSource } from '../../src/resolve/create-source.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { freePort } from '../services/ports.mjs';
import { fixturePackage, removeTempDirs, startProxy, tempDir } from './helpers.js';

const ociUrl = process.env.STACKANETES_TEST_OCI_URL as string;
const ociHost = new URL(ociUrl ?? 'http://127.0.0.1:1').host;
let home: string;
let work: string;
const prefix = `oci://${ociHost}/stk-${process.pid}`;

const cli = (args: string[]): Promise<CliResult> =>
  runCli(args, { cwd: work, env: { STACKANETES_HOME: home, CI: 'true' } });
const json = <T>(r: CliResult): T => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

beforeAll(() => {
  expect(ociUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  home = tempDir('oci-home');
  work = tempDir('oci-work');
});

describe('OCI registries', () => {
  it('pushes a package as an OCI artifact and pulls it back with the same appr digest', async () => {
    const pushed = json<{ digest: string; registry: string; reference: string }>(
      await cli(['push', fixturePackage(work, 'db', '1.0.0'), '--registry', prefix, '--output', 'json']),
    );
    expect(pushed.registry).toBe(`${prefix}/regtest/db`);
    expect(pushed.reference).toMatch(new RegExp(`^${prefix}/regtest/db@sha256:[0-9a-f]{64}$`));
    const dest = join(work, 'pulled');
    const pulled = json<{ digest: string; version: string }>(
      await cli(['pull', `${prefix}/regtest/db:1.0.0`, '--dir', dest, '--output', 'json']),
    );
    expect(pulled).toMatchObject({ digest: pushed.digest, version: '1.0.0' });
    expect(readFileSync(join(dest, 'manifest.yaml'), 'utf8')).toContain('name: regtest/db');
    const byDigest = json<{ digest: string }>(
      await cli(['pull', pushed.reference, '--dir', join(work, 'pulled-digest'), '--output', 'json']),
    );
    expect(byDigest.digest).toBe(pushed.digest);
  });

  it('refuses to overwrite a tag without --force', async () => {
    const result = await cli(['push', join(work, 'db-1.0.0', 'db'), '--registry', prefix]);
    expect(result.code).toBe(5);
    expect(result.stderr.split('\n')[0]).toMatch(
      new RegExp(`^error: ${prefix}/regtest/db:1\\.0\\.0 already exists(; fix: .+)?$`),
    );
  });

  it('reports a missing version with the releases the repository has (exit 4)', async () => {
    const result = await cli(['pull', `${prefix}/regtest/db:7.7.7`]);
    expect(result.code).toBe(4);
    expect(result.stderr.split('\n')[0]).toMatch(
      /^error: no release of regtest\/db satisfies @7\.7\.7 \(required by the command line\); available: 1\.0\.0/,
    );
  });

  it('reports a repository without releases with the registry host (exit 4)', async () => {
    const result = await cli(['pull', `${prefix}/regtest/nothing:1.0.0`]);
    expect(result.code).toBe(4);
    expect(result.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^error: regtest/nothing at OCI registry ${ociHost.replace(/\./g, '\\.')} has no release tags`,
      ),
    );
  });

  it('mounts the blobs of a release pushed earlier from another path instead of uploading them again', async () => {
    const proxy = await startProxy(ociUrl);
    try {
      const via = `oci://${proxy.host}/stk-${process.pid}`;
      const dir = fixturePackage(work, 'web', '1.0.0');
      // The hint is per registry host: the first push through the proxy records where the blobs are.
      expect((await cli(['push', dir, '--registry', `${via}/dev`])).code).toBe(0);
      proxy.seen.length = 0;
      const promoted = json<{ digest: string }>(
        await cli(['push', dir, '--registry', `${via}/prod`, '--output', 'json']),
      );
      const mounts = proxy.seen.filter((p) =>
        /\/prod\/regtest\/web\/blobs\/uploads\/\?mount=sha256:/.test(p),
      );
      expect(mounts).toHaveLength(2);
      expect(mounts.every((p) => p.includes(`from=stk-${process.pid}%2Fdev%2Fregtest%2Fweb`))).toBe(true);
      const pulled = json<{ digest: string }>(
        await cli([
          'pull',
          `${via}/prod/regtest/web@1.0.0`,
          '--dir',
          join(work, 'web-prod'),
          '--output',
          'json',
        ]),
      );
      expect(pulled.digest).toBe(promoted.digest);
    } finally {
      await proxy.stop();
    }
  });

  it('resolves the dependencies of an OCI meta-package by range from sibling repositories', async () => {
    for (const version of ['1.1.0', '2.0.0'])
      expect((await cli(['push', fixturePackage(work, 'db', version), '--registry', prefix])).code).toBe(0);
    const meta = fixturePackage(work, 'meta', '1.0.0', (t) =>
      t.replace(/ {2}- name: regtest\/cache[\s\S]*$/, ''),
    );
    expect((await cli(['push', meta, '--registry', prefix])).code).toBe(0);
    const project = tempDir('oci-project');
    const env = { ...process.env, STACKANETES_HOME: home };
    const source = await createPackageSource({
      cwd: project,
      env,
      lockfile: join(project, 'stackanetes.lock'),
    });
    const rendered = await renderReference({
      reference: `${prefix}/regtest/meta:1.0.0`,
      namespace: 'demo',
      source,
      cwd: project,
    });
    expect(rendered.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual([
      'regtest/db@1.1.0',
      'regtest/meta@1.0.0',
    ]);
    await source.writeLock();
    expect(readFileSync(join(project, 'stackanetes.lock'), 'utf8')).toMatch(
      new RegExp(`oci: ${prefix}/regtest/db@sha256:[0-9a-f]{64}`),
    );
    const locked = await createPackageSource({
      cwd: project,
      env,
      lockfile: join(project, 'stackanetes.lock'),
      locked: true,
    });
    const again = await renderReference({
      reference: `${prefix}/regtest/meta:1.0.0`,
      namespace: 'demo',
      source: locked,
      cwd: project,
    });
    expect(again.packages.find((p) => p.name === 'regtest/db')?.version).toBe('1.1.0');

    // Offline: the registry address now goes nowhere, the locked blobs come from the cache.
    const closed = `127.0.0.1:${await freePort()}`;
    const lockPath = join(project, 'stackanetes.lock');
    writeFileSync(lockPath, readFileSync(lockPath, 'utf8').replaceAll(ociHost, closed));
    const offline = await createPackageSource({ cwd: project, env, lockfile: lockPath, locked: true });
    const replayed = await renderReference({
      reference: `${prefix.replace(ociHost, closed)}/regtest/meta:1.0.0`,
      namespace: 'demo',
      source: offline,
      cwd: project,
    });
    expect(replayed.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual([
      'regtest/db@1.1.0',
      'regtest/meta@1.0.0',
    ]);
  });
});

afterAll(() => removeTempDirs());
