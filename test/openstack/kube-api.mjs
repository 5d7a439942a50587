// Stand-in for the part of the Kubernetes API that Jobs of the stack call: Secrets of one
// namespace (get, create, replace), kept as JSON files so the test lays them out as volumes
// for the pods that mount them, as the kubelet does with Secrets created in the cluster.
// Usage: node kube-api.mjs ADDRESS PORT DIR
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [address, port, dir] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let version = 1;
const send = (res, code, body) =>
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const status = (code, reason, message) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  reason,
  message,
  code,
});

http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/?]+))?/.exec(req.url ?? '');
      if (!m) return send(res, 404, status(404, 'NotFound', `no route ${req.url}`));
      if (!/^Bearer .+/.test(req.headers.authorization ?? ''))
        return send(res, 401, status(401, 'Unauthorized', 'no token'));
      const [, namespace, name] = m;
      const file = (n) => join(dir, `${n}.json`);
      if (req.method === 'GET' && name) {
        if (!existsSync(file(name)))
          return send(res, 404, status(404, 'NotFound', `secrets "${name}" not found`));
        return send(res, 200, JSON.parse(readFileSync(file(name), 'utf8')));
      }
      const obj = JSON.parse(body || '{}');
      if (req.method === 'POST' && !name) {
        const n = obj.metadata?.name;
        if (existsSync(file(n)))
          return send(res, 409, status(409, 'AlreadyExists', `secrets "${n}" already exists`));
        obj.metadata = { ...obj.metadata, namespace, resourceVersion: String(version++) };
        writeFileSync(file(n), JSON.stringify(obj));
        return send(res, 201, obj);
      }
      if (req.method === 'PUT' && name) {
        if (!existsSync(file(name)))
          return send(res, 404, status(404, 'NotFound', `secrets "${name}" not found`));
        const current = JSON.parse(readFileSync(file(name), 'utf8'));
        if (
          obj.metadata?.resourceVersion &&
          obj.metadata.resourceVersion !== current.metadata.resourceVersion
        )
          return send(res, 409, status(409, 'Conflict', 'the object has been modified'));
        obj.metadata = { ...obj.metadata, namespace, resourceVersion: String(version++) };
        writeFileSync(file(name), JSON.stringify(obj));
        return send(res, 200, obj);
      }
      return send(res, 405, status(405, 'MethodNotAllowed', `${req.method} ${req.url}`));
    });
  })
  .listen(Number(port), address, () =>
    console.log(`Kubernetes API stand-in (Secrets) on ${address}:${port}`),
  );
