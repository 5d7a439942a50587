/**
 * A throw-away "node" for the rendered stack: one Linux mount, network, PID and UTS namespace
 * whose root is a copy-on-write overlay of this machine's root. Everything the test writes
 * (Service names in /etc/hosts, Kolla's image layout, daemons' state) lands in the overlay's
 * upper directory under the test's temp folder, so the machine itself is never changed; the
 * network namespace has only its own loopback, so real ports never collide with anything else on
 * the machine; and killing the namespace's first process makes the kernel end every process the
 * test started in it, even after a crash of the test itself.
 *
 * Each container gets one more namespace on top: a mount and UTS namespace whose root is an
 * overlay of the node's root (its image stand-in), with its volumes bind-mounted where its pod
 * spec mounts them, and the pod's name as its host name.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const NODE_SCRIPT = `set -eu
S="$1"
R="$S/node/root"
mkdir -p "$S/node/upper" "$S/node/work" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$S/node/upper,workdir=$S/node/work" "$R"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mount --bind "$S" "$R$S"
cp "$S/hosts" "$R/etc/hosts"
ip link set lo up
hostname node-1
touch "$S/node.ready"
exec chroot "$R" /bin/sleep infinity
`;

const CONTAINER_SCRIPT = `set -eu
C="$1"
R="$C/root"
mkdir -p "$C/upper" "$C/work" "$R"
mount -t overlay overlay -o "lowerdir=/,upperdir=$C/upper,workdir=$C/work" "$R"
mount --rbind /dev "$R/dev"
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/run"
while IFS="$(printf '\\t')" read -r src dst mode; do
  if [ -d "$src" ]; then mkdir -p "$R$dst"; else mkdir -p "$(dirname "$R$dst")"; [ -e "$R$dst" ] || : > "$R$dst"; fi
  mount --bind "$src" "$R$dst"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$R$dst"; fi
done < "$C/mounts"
hostname "$(cat "$C/hostname")"
exec chroot "$R" /bin/bash /kolla-test/start
`;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class Node {
  private constructor(
    readonly state: string,
    private readonly holder: ChildProcess,
    readonly pid: number,
  ) {}

  /** Starts the node namespace with `hosts` as its /etc/hosts. */
  static async start(state: string, hosts: string): Promise<Node> {
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'hosts'), hosts);
    writeFileSync(join(state, 'node.sh'), NODE_SCRIPT);
    writeFileSync(join(state, 'container.sh'), CONTAINER_SCRIPT);
    const log = openSync(join(state, 'node.log'), 'a');
    const holder = spawn(
      'unshare',
      [
        '--mount',
        '--net',
        '--pid',
        '--uts',
        '--fork',
        '--propagation',
        'private',
        'sh',
        join(state, 'node.sh'),
        state,
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
    const deadline = Date.now() + 15000;
    while (!existsSync(join(state, 'node.ready'))) {
      if (holder.exitCode !== null || Date.now() > deadline)
        throw new Error(`node namespace did not start: ${readFileSync(join(state, 'node.log'), 'utf8')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // unshare --fork: the namespace's first process is unshare's only child.
    const children = readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim();
    const pid = Number(children.split(/\s+/)[0]);
    if (!pid) throw new Error('node namespace: no init process');
    return new Node(state, holder, pid);
  }

  private enter(): string[] {
    return ['nsenter', '-t', String(this.pid), '-m', '-n', '-p', '-u', '-r', '-w'];
  }

  /** Runs a command as root in the node (not in a container), waiting for it. */
  run(argv: string[], env: Record<string, string> = {}, timeoutMs = 600000, input?: string): RunResult {
    const r = spawnSync(
      'nsenter',
      [
        ...this.enter().slice(1),
        '--',
        'env',
        '-i',
        `PATH=${PATH}`,
        'HOME=/root',
        ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
        ...argv,
      ],
      {
        encoding: 'utf8',
        timeout: timeoutMs,
        input,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    return {
      code: r.status ?? -1,
      stdout: r.stdout ?? '',
      stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''),
    };
  }

  /** Runs `bash -c script` in the node. */
  sh(script: string, env: Record<string, string> = {}, timeoutMs = 600000): RunResult {
    return this.run(['/bin/bash', '-c', script], env, timeoutMs);
  }

  /** Starts a prepared container directory (see container.ts); output goes to its log file. */
  startContainer(dir: string, logFile: string): ChildProcess {
    const log = openSync(logFile, 'a');
    return spawn(
      'nsenter',
      [
        ...this.enter().slice(1),
        '--',
        'unshare',
        '--mount',
        '--uts',
        '--propagation',
        'private',
        'sh',
        join(this.state, 'container.sh'),
        dir,
      ],
      { stdio: ['ignore', log, log], detached: true },
    );
  }

  /** Starts the ingress stand-in in the node. */
  startIngress(
    script: string,
    address: string,
    port: number,
    rules: string[],
    logFile: string,
  ): ChildProcess {
    mkdirSync(join(this.state, 'logs'), { recursive: true });
    const log = openSync(logFile, 'a');
    return spawn(
      'nsenter',
      [...this.enter().slice(1), '--', process.execPath, script, address, String(port), ...rules],
      {
        stdio: ['ignore', log, log],
        detached: true,
      },
    );
  }

  /** Ends every process in the node: killing a PID namespace's init kills all of its members. */
  stop(): void {
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    try {
      process.kill(-this.holder.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
