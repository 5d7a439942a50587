// Stand-in for the Traefik ingress: routes each rendered Ingress host to its Service and port,
// the way Traefik's NodePort does, resolving Service names like a pod (the node's /etc/hosts).
// Usage: node ingress.mjs ADDRESS PORT host=service:port ...
import http from 'node:http';

const [address, port, ...rules] = process.argv.slice(2);
const routes = new Map(rules.map((r) => r.split('=')));
http
  .createServer((req, res) => {
    const host = (req.headers.host ?? '').split(':')[0];
    const target = routes.get(host);
    if (!target) {
      res.writeHead(404).end(`no Ingress rule for host ${host}\n`);
      return;
    }
    const [name, targetPort] = target.split(':');
    const upstream = http.request(
      { host: name, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => res.writeHead(502).end(`${host}: ${e.message}\n`));
    req.pipe(upstream);
  })
  .listen(Number(port), address, () => console.log(`ingress stand-in on ${address}:${port}`));
