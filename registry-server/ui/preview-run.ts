/**
 * Runs release previews in a worker thread (preview-worker.ts), one at a time, each bounded in
 * time and memory: the server keeps answering while a preview renders, and a template that never
 * finishes costs one terminated thread, not the registry.
 */
import { Worker } from 'node:worker_threads';
import { describeCause } from '../../src/errors.js';
import type { DependencyEntry } from '../../src/package/types.js';
import type { ReleaseRecord } from '../storage/types.js';
import type { ReleasePreview, StoredPackages } from './preview.js';

/** A stored release's verified .tar.gz, as the worker loads it. */
export interface PreviewBlob {
  data: Uint8Array;
  location: string;
  digest: string;
}

/** Worker → parent: resolve this dependency entry. */
export interface PreviewRequest {
  type: 'dependency';
  id: number;
  entry: DependencyEntry;
}

/** Parent → worker: the dependency's blob, or why there is none. */
export interface PreviewReply {
  id: number;
  blob?: PreviewBlob;
  error?: string;
}

export interface PreviewLimits {
  timeoutMs: number;
  maxHeapMb: number;
}

const DEFAULT_LIMITS: PreviewLimits = { timeoutMs: 20_000, maxHeapMb: 256 };

function failed(error: string): ReleasePreview {
  return { objects: [], error, parameters: [], unread: [], warnings: [] };
}

async function blobOf(stored: StoredPackages, record: ReleaseRecord): Promise<PreviewBlob> {
  return {
    data: await stored.blob(record),
    location: `${record.namespace}/${record.name}@${record.release}`,
    digest: `sha256:${record.digest}`,
  };
}

let queue: Promise<unknown> = Promise.resolve();

/** Renders one release's preview in a fresh worker; previews run one after another. */
export function runPreview(
  stored: StoredPackages,
  record: ReleaseRecord,
  limits: PreviewLimits = DEFAULT_LIMITS,
): Promise<ReleasePreview> {
  const run = queue.then(() => runOne(stored, record, limits));
  queue = run.catch(() => undefined);
  return run;
}

async function runOne(
  stored: StoredPackages,
  record: ReleaseRecord,
  limits: PreviewLimits,
): Promise<ReleasePreview> {
  const root = await blobOf(stored, record);
  return new Promise<ReleasePreview>((resolve) => {
    const worker = new Worker(new URL('./preview-worker.js', import.meta.url), {
      workerData: root,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb },
    });
    // A preview never keeps a stopping server alive.
    worker.unref();
    let settled = false;
    const finish = (preview: ReleasePreview) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(preview);
      void worker.terminate();
    };
    const timer = setTimeout(
      () => finish(failed(`rendering took longer than ${limits.timeoutMs / 1000}s and was stopped`)),
      limits.timeoutMs,
    );
    worker.on('message', (message: PreviewRequest | { type: 'done'; preview: ReleasePreview }) => {
      if (message.type === 'done') {
        finish(message.preview);
        return;
      }
      const { id, entry } = message;
      stored
        .resolve(entry)
        .then((dep) => blobOf(stored, dep))
        .then(
          (blob) => worker.postMessage({ id, blob } satisfies PreviewReply),
          (err: unknown) => worker.postMessage({ id, error: describeCause(err) } satisfies PreviewReply),
        )
        .catch(() => undefined);
    });
    worker.on('error', (err) => finish(failed(`rendering failed: ${describeCause(err)}`)));
    worker.on('exit', (code) => finish(failed(`rendering stopped (worker exit code ${code})`)));
  });
}
