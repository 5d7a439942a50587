/**
 * Starts the built registry (`bin/stackanetes-registry serve`, as users run it) as a child
 * process on a free loopback port, and talks to it over HTTP. Also creates throwaway PostgreSQL
 * databases on the server jest's globalSetup started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createThrowawayDatabase,
  serveArgv,
  type ThrowawayDatabase,
} from '../../helpers/registry-process.js';
import { repoRoot, runCli } from '../../helpers/cli.js';
import { freePort, waitFor } from '../../services/ports.mjs';

/** Deterministic PRNG (mulberry32) so randomised tests replay exactly; the simulator's, shared. */
export { seededRandom } from '../../../simulator/src/faults.js';

/** A registry child process. */
export interface RunningRegistry {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote (JSON log lines on stdout, errors on stderr). */
  output(): string;
  /** Resolves the exit code once the process exits on its own (e.g. after a signal the test sent). */
  exited: Promise<number | null>;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** Starts `serve` with `--storage storage` plus extra flags; waits until /healthz answers. */
export async function startRegistry(
  storage: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<RunningRegistry> {
  const port = await freePort();
  const args = serveArgv(repoRoot, port, storage, ['--log-level', 'warn', ...extraArgs]);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitFor(async () => !dead && (await fetch(`${url}/healthz`)).ok, 30000, `registry on port ${port}`),
      exited.then((code) => {
        throw new Error(`registry exited with code ${code} before answering /healthz`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return {
    url,
    port,
    child,
    exited,
    output: () => out,
    async stop() {
      if (!dead) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!dead) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates a user with the admin CLI (password on stdin). */
export async function addUser(storage: string, name: string, password = 'password'): Promise<void> {
  const r = await runCli(['user', 'add', name, '--storage', storage], {
    bin: 'stackanetes-registry',
    input: `${password}\n`,
  });
  if (r.code !== 0) throw new Error(`user add ${name} failed: ${r.stderr}`);
}

/** Logs in and returns the token. */
export async function login(url: string, username: string, password = 'password'): Promise<string> {
  const r = await fetch(`${url}/api/v1/users/login`, {
    method: 'POST',
    body: JSON.stringify({ user: { username, password } }),
  });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { token: string }).token;
}

/** The push body of the wire protocol. */
export function pushBody(
  blob: Buffer,
  release: string,
  mediaType = 'stackanetes',
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({ blob: blob.toString('base64'), release, media_type: mediaType, ...extra });
}

/** POSTs a push; returns status and parsed body. */
export async function push(
  url: string,
  token: string | undefined,
  pkg: string,
  blob: Buffer,
  release: string,
  options: { mediaType?: string; force?: boolean } = {},
) {
  const headers: Record<string, string> = token ? { authorization: token } : {};
  const r = await fetch(`${url}/api/v1/packages/${pkg}${options.force ? '?force=true' : ''}`, {
    method: 'POST',
    headers,
    body: pushBody(blob, release, options.mediaType),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** A request returning status and JSON (or the text when it is not JSON). */
export async function call(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: string | Buffer } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes; tests assert on them structurally
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = options.token ? { authorization: options.token } : {};
  const r = await fetch(`${url}${path}`, { method, headers, body: options.body });
  const text = await r.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: r.status, body };
}

/** A fresh database on the test PostgreSQL; `drop()` removes it. */
export async function createDatabase(): Promise<ThrowawayDatabase> {
  const admin = process.env.STACKANETES_TEST_POSTGRES_URL;
  if (!admin)
    throw new Error('STACKANETES_TEST_POSTGRES_URL is not set (jest globalSetup starts PostgreSQL)');
  return createThrowawayDatabase(admin, 'registry');
}
