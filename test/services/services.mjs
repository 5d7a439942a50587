/**
 * Real servers the integration tests share: PostgreSQL 15 (run as an unprivileged user, since it
 * refuses root) and Debian's docker-registry (the CNCF distribution registry). Both bind
 * 127.0.0.1 on free ports, keep their data in a temporary folder and are stopped at the end, or by
 * a detached reaper when the jest process dies without its teardown.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from './ports.mjs';

/** @typedef {{postgresUrl: string, ociUrl: string, stop(): Promise<void>}} RunningServices */

/** @param {string} tool */
function postgresBin(tool) {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort().reverse() : [];
  for (const v of versions) {
    const candidate = join(root, v, 'bin', tool);
    if (existsSync(candidate)) return candidate;
  }
  return tool;
}

/** @returns {string[]} */
function asPostgresUser() {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'stackanetes-pg', '--'] : [];
}

/** @param {string[]} argv */
function run(argv) {
  const [cmd, ...args] = argv;
  execFileSync(String(cmd), args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** @param {number} port @returns {Promise<boolean>} */
async function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** @returns {Promise<RunningServices>} */
export async function startServices() {
  const root = mkdtempSync(join(tmpdir(), 'stackanetes-services-'));
  chmodSync(root, 0o777);
  const pgData = join(root, 'pgdata');
  const pgPort = await freePort();
  const wrap = asPostgresUser();
  run([
    ...wrap,
    postgresBin('initdb'),
    '-D',
    pgData,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  run([
    ...wrap,
    postgresBin('pg_ctl'),
    '-D',
    pgData,
    '-l',
    join(root, 'postgres.log'),
    '-w',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${pgPort} -k ${root} -c fsync=off -c max_connections=300`,
    'start',
  ]);
  const postgresUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;

  const ociPort = await freePort();
  const ociConfig = join(root, 'oci.yml');
  writeFileSync(
    ociConfig,
    [
      'version: 0.1',
      'log: {level: error}',
      'storage:',
      `  filesystem: {rootdirectory: ${join(root, 'oci')}}`,
      '  delete: {enabled: true}',
      'http:',
      `  addr: 127.0.0.1:${ociPort}`,
      '',
    ].join('\n'),
  );
  const oci = spawn('docker-registry', ['serve', ociConfig], { stdio: 'ignore' });
  await waitFor(() => portOpen(ociPort), 20000, 'docker-registry to listen');
  const ociUrl = `http://127.0.0.1:${ociPort}`;
  const reaper = spawn(
    process.execPath,
    [
      join(dirname(fileURLToPath(import.meta.url)), 'reaper.mjs'),
      String(process.pid),
      JSON.stringify({ pgCtl: [...wrap, postgresBin('pg_ctl')], pgData, ociPid: oci.pid, root }),
    ],
    { stdio: 'ignore', detached: true },
  );
  reaper.unref();

  return {
    postgresUrl,
    ociUrl,
    async stop() {
      reaper.kill('SIGTERM');
      oci.kill('SIGTERM');
      try {
        run([...wrap, postgresBin('pg_ctl'), '-D', pgData, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
