/**
 * What the registry client tests share: a real registry-server on a free loopback port with its
 * own storage, a fault-injecting loopback proxy in front of it, and fixture packages copied to a
 * temp dir with the version rewritten.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser, startRegistry as startRegistryProcess } from '../registry-server/helpers/registry.js';
import { repoRoot, type CliResult } from '../helpers/cli.js';
import { freePort } from '../services/ports.mjs';

export const fixtures = join(repoRoot, 'test', 'fixtures', 'registry-client');

export interface RunningRegistry {
  url: string;
  host: string;
  port: number;
  storage: string;
  stop(): Promise<void>;
}

/** Starts `stackanetes-registry serve` with a fresh storage dir and a user `alice` / `password`. */
export async function startRegistry(extraArgs: string[] = []): Promise<RunningRegistry> {
  const storage = mkdtempSync(join(tmpdir(), 'stackanetes-regclient-store-'));
  await addUser(storage, 'alice');
  const server = await startRegistryProcess(storage, extraArgs);
  return {
    url: server.url,
    host: `127.0.0.1:${server.port}`,
    port: server.port,
    storage,
    async stop() {
      await server.stop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

/** A loopback proxy that can fail the next N matching requests or replace matching response bodies. */
export interface FaultProxy {
  url: string;
  host: string;
  /** Answer the next `count` requests whose path matches with HTTP `status`. */
  failNext(count: number, path: RegExp, status?: number): void;
  /** Replace the body of responses whose path matches (e.g. serve another blob). */
  replaceBody(path: RegExp, body: Buffer | undefined): void;
  /** Requests seen, by path. */
  seen: string[];
  stop(): Promise<void>;
}

export async function startProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let failures: { count: number; path: RegExp; status: number } | undefined;
  let replacement: { path: RegExp; body: Buffer } | undefined;
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    seen.push(path);
    if (failures && failures.count > 0 && failures.path.test(path)) {
      failures.count--;
      res.writeHead(failures.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'injected failure' } }));
      req.resume();
      return;
    }
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          let body: Buffer = Buffer.concat(chunks);
          if (replacement && replacement.path.test(path) && up.statusCode === 200) body = replacement.body;
          const headers = { ...up.headers, 'content-length': String(body.length) };
          delete headers['transfer-encoding'];
          res.writeHead(up.statusCode ?? 502, headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    failNext(count, path, status = 500) {
      failures = { count, path, status };
    },
    replaceBody(path, body) {
      replacement = body ? { path, body } : undefined;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Copies a fixture package into `root/<name>-<version>/<name>` with its version (and greeting) rewritten to `version`. */
export function fixturePackage(
  root: string,
  name: string,
  version = '1.0.0',
  rewrite: (text: string) => string = (t) => t,
): string {
  const dir = join(root, `${name}-${version}`, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  const manifest = join(dir, 'manifest.yaml');
  writeFileSync(
    manifest,
    rewrite(
      readFileSync(manifest, 'utf8').replace(/(^ {2}version: |hello from \w+ )1\.0\.0$/gm, `$1${version}`),
    ),
  );
  return dir;
}

const created: string[] = [];

/** A fresh temp dir, removed by removeTempDirs(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `stackanetes-${prefix}-`));
  created.push(dir);
  return dir;
}

/** Removes every dir tempDir() made in this test file. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The error output is one `error:` line (the fix, if any, on the same line) and no stack trace. */
export function expectOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  expect(result.code).toBe(code);
  const lines = result.stderr.trim().split('\n');
  expect(lines[0]).toMatch(pattern);
  expect(lines).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}
