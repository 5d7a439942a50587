/**
 * What programs driving the built registry from outside share — the test suites and the
 * benchmark: the `serve` command line a child process runs, and throwaway PostgreSQL databases.
 * It lives under test/ so the published registry-server/ holds nothing but the server.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/** Arguments for `process.execPath`: `bin/stackanetes-registry serve` on 127.0.0.1:port with `storage`. */
export function serveArgv(
  repoRoot: string,
  port: number,
  storage: string,
  extraArgs: readonly string[] = [],
): string[] {
  return [
    join(repoRoot, 'bin', 'stackanetes-registry'),
    'serve',
    '--listen',
    `127.0.0.1:${port}`,
    '--storage',
    storage,
    ...extraArgs,
  ];
}

/** A database of its own, named `<prefix>_<random hex>`; `drop()` removes it even while connections remain. */
export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a fresh database on the server `adminUrl` points at (the URL's user must be allowed to create one). */
export async function createThrowawayDatabase(adminUrl: string, prefix: string): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
