/**
 * A JSON document on disk read through a cache that is revalidated with one stat per read: files
 * are only ever replaced by rename, so (inode, mtime, size) identifies a version and another
 * process's update is seen on the next read.
 */
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';

interface Entry<T> {
  ino: number;
  mtimeMs: number;
  size: number;
  value: T;
}

function same(a: Entry<unknown>, s: Stats): boolean {
  return a.ino === s.ino && a.mtimeMs === s.mtimeMs && a.size === s.size;
}

/** Caches parsed (and derived) values of JSON files keyed by path, bounded by entry count. */
export class JsonCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(
    private readonly derive: (raw: unknown) => T,
    private readonly maxEntries = 10000,
  ) {}

  /** The current value of the file, or undefined when it does not exist. */
  async read(path: string): Promise<T | undefined> {
    let info: Stats;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.entries.delete(path);
        return undefined;
      }
      throw err;
    }
    const cached = this.entries.get(path);
    if (cached && same(cached, info)) return cached.value;
    return this.load(path);
  }

  /** Records a value this process just wrote, identified by the written file's own stat. */
  prime(path: string, info: Stats, value: T): void {
    this.entries.delete(path);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(path, { ino: info.ino, mtimeMs: info.mtimeMs, size: info.size, value });
  }

  /** Reads bypassing the cache check (used under the write lock). */
  async load(path: string): Promise<T | undefined> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const info = await handle.stat();
      const cached = this.entries.get(path);
      if (cached && same(cached, info)) return cached.value;
      const text = await handle.readFile('utf8');
      const value = this.derive(JSON.parse(text));
      if (this.entries.size >= this.maxEntries)
        this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(path, { ino: info.ino, mtimeMs: info.mtimeMs, size: info.size, value });
      return value;
    } finally {
      await handle.close();
    }
  }
}
