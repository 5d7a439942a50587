/**
 * Renders one release preview off the server's event loop: a meta-package takes about a second of
 * CPU, and a hostile template could take longer, neither of which may stall pushes and pulls. The
 * parent resolves each dependency against storage and sends its verified blob; this thread only
 * parses and renders.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../../src/errors.js';
import { loadPackageTarball } from '../../src/package/load.js';
import type { PackageSource } from '../../src/package/source.js';
import type { LoadedPackage } from '../../src/package/types.js';
import { previewPackage } from './preview.js';
import type { PreviewBlob, PreviewReply, PreviewRequest } from './preview-run.js';

const port = parentPort;
if (!port) throw new Error('preview-worker runs only as a worker thread');

function load(blob: PreviewBlob): LoadedPackage {
  const pkg = loadPackageTarball(Buffer.from(blob.data), blob.location, 'registry');
  pkg.digest = blob.digest;
  return pkg;
}

const pending = new Map<number, (reply: PreviewReply) => void>();
let next = 0;
port.on('message', (reply: PreviewReply) => {
  pending.get(reply.id)?.(reply);
  pending.delete(reply.id);
});

const source: PackageSource = {
  open: async () => root,
  dependency: (_parent, entry) =>
    new Promise<LoadedPackage>((resolve, reject) => {
      const id = next++;
      pending.set(id, (reply) =>
        reply.blob ? resolve(load(reply.blob)) : reject(new InputError(reply.error ?? 'no blob')),
      );
      const request: PreviewRequest = { type: 'dependency', id, entry };
      port.postMessage(request);
    }),
};

const root = load(workerData as PreviewBlob);
const preview = await previewPackage(root, source);
port.postMessage({ type: 'done', preview });
