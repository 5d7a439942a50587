/**
 * A byte-bounded LRU of blobs. Blobs are immutable and named by their sha256, so a cached copy
 * can never be stale, whatever other replicas do; pulls of hot packages then cost no storage I/O.
 */

/** LRU keyed by gzip digest, bounded by total bytes. */
export class BlobCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, value: Buffer): void {
    if (value.length > this.maxBytes / 4 || this.entries.has(key)) return;
    this.entries.set(key, value);
    this.bytes += value.length;
    while (this.bytes > this.maxBytes) {
      const [oldest, buf] = this.entries.entries().next().value as [string, Buffer];
      this.entries.delete(oldest);
      this.bytes -= buf.length;
    }
  }
}
