/**
 * Where OCI credentials go: a registry may hand out an upload Location on another origin (a
 * storage front end, or a hostile server); Basic credentials and Bearer tokens stay with the
 * registry they were given for.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OciClient } from '../../src/registry/oci.js';
import { createTransport } from '../../src/registry/http.js';

function listen(handler: (req: IncomingMessage, body: Buffer) => [number, Record<string, string>, string]) {
  return new Promise<{ server: Server; port: number }>((resolve) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [status, headers, body] = handler(req, Buffer.concat(chunks));
        res.writeHead(status, headers);
        res.end(body);
      });
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port }));
  });
}

describe('OCI credentials', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('never sends the registry credentials to an upload Location on another origin', async () => {
    const seenElsewhere: (string | undefined)[] = [];
    const elsewhere = await listen((req) => {
      seenElsewhere.push(req.headers.authorization);
      return [201, {}, ''];
    });
    servers.push(elsewhere.server);
    const registry = await listen((req) => {
      if (req.method === 'HEAD') return [404, {}, ''];
      if (req.method === 'POST' && req.url?.includes('/blobs/uploads/'))
        return [202, { location: `http://127.0.0.1:${elsewhere.port}/upload/1` }, ''];
      if (req.method === 'PUT' && req.url?.includes('/manifests/')) return [201, {}, ''];
      return [404, {}, ''];
    });
    servers.push(registry.server);
    const client = new OciClient({
      host: `127.0.0.1:${registry.port}`,
      transport: createTransport({ retries: 0 }),
      basic: async () => 'alice:password',
    });
    await client.pushPackage('team/app', '1.0.0', Buffer.from('layer'), { name: 'team/app' });
    expect(seenElsewhere).toHaveLength(2);
    expect(seenElsewhere).toEqual([undefined, undefined]);
  });
});
