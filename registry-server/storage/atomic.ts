/**
 * Filesystem primitives for the embedded back end: durable atomic replacement (temp file in the
 * same filesystem, fsync, rename, fsync of the directory) and an inter-process lock
 * (proper-lockfile's mkdir lock, refreshed while held and broken when its holder died).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

/**
 * Writes `data` to `path` so that readers see either the old or the new content, never a mix.
 * Returns the identity (inode, mtime, size) of the new file, taken before the rename (which keeps
 * all three), so a cache can be primed without a stat that might see another writer's file.
 */
export async function writeAtomic(
  tmpDir: string,
  path: string,
  data: Buffer | string,
  mode = 0o644,
): Promise<Stats> {
  const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  let info: Stats;
  try {
    // open()'s mode is filtered by the umask; chmod makes the private files private whatever it is.
    if (mode !== 0o644) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    info = await handle.stat();
  } finally {
    await handle.close();
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dirname(path));
  return info;
}

/** fsync of a directory makes a rename durable across power loss. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temp files left by crashed writers (older than `maxAgeMs`, so live writers are safe). */
export async function sweepTemp(tmpDir: string, maxAgeMs: number): Promise<void> {
  const now = Date.now();
  for (const entry of await readdir(tmpDir).catch(() => [] as string[])) {
    const path = join(tmpDir, entry);
    const info = await stat(path).catch(() => undefined);
    if (info && now - info.mtimeMs > maxAgeMs) await rm(path, { force: true });
  }
}

/** Serialises critical sections by key, within this process (a promise chain) and across processes (a lock dir). */
export class KeyedLock {
  private readonly chains = new Map<string, Promise<unknown>>();
  constructor(
    private readonly lockDir: string,
    private readonly staleMs: number,
    private readonly onCompromised: (key: string, err: Error) => void,
  ) {}

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.runLocked(key, fn));
    this.chains.set(key, next);
    try {
      return await next;
    } finally {
      if (this.chains.get(key) === next) this.chains.delete(key);
    }
  }

  private async runLocked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const target = join(this.lockDir, key);
    const release = await lockfile.lock(target, {
      realpath: false,
      lockfilePath: `${target}.lock`,
      stale: this.staleMs,
      retries: { retries: 2000, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true },
      onCompromised: (err) => this.onCompromised(key, err),
    });
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
