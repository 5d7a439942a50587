/**
 * Stops the shared test servers when the process that started them dies without running its
 * teardown (a killed or crashed jest run): PostgreSQL daemonizes through pg_ctl, so nothing else
 * would ever stop it. Runs detached; the normal teardown kills it first.
 *
 * argv: <watched pid> <state json>, where the state names the data directory, the pg_ctl command
 * prefix, the docker-registry pid and the temporary root to remove.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const watched = Number(process.argv[2]);
/** @type {{pgCtl: string[], pgData: string, ociPid: number, root: string}} */
const state = JSON.parse(process.argv[3] ?? '{}');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function reap() {
  try {
    process.kill(state.ociPid, 'SIGTERM');
  } catch {
    // already gone
  }
  try {
    const [cmd, ...args] = state.pgCtl;
    execFileSync(String(cmd), [...args, '-D', state.pgData, '-m', 'immediate', '-w', 'stop'], {
      stdio: 'ignore',
    });
  } catch {
    // not running any more
  }
  rmSync(state.root, { recursive: true, force: true });
  process.exit(0);
}

process.on('SIGTERM', () => process.exit(0));
setInterval(() => {
  if (!alive(watched)) reap();
}, 500);
