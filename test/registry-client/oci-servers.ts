/**
 * Debian's docker-registry (the CNCF distribution registry) started per test file in one of the
 * three ways the distribution spec authenticates: anonymous, htpasswd Basic, or behind a Bearer
 * token realm served by a small token server in the test. Everything binds 127.0.0.1 on free
 * ports and lives in a temp dir removed on stop.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../services/ports.mjs';

export type OciAuthMode = 'anonymous' | 'basic' | 'bearer';

export interface OciTestRegistry {
  mode: OciAuthMode;
  /** `127.0.0.1:port`. */
  host: string;
  /** The registry's storage root (for tampering with blobs). */
  storage: string;
  user: string;
  password: string;
  /** Token requests the token server answered, with the scopes asked for. */
  tokenRequests: { user: string | undefined; scopes: string[] }[];
  /** The file holding a blob's bytes in the registry's filesystem storage. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

const SERVICE = 'stackanetes-test-registry';
const ISSUER = 'stackanetes-test-token-issuer';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A token server: checks Basic credentials, grants every scope asked for, signs RS256 with x5c. */
async function startTokenServer(
  dir: string,
  user: string,
  password: string,
  log: OciTestRegistry['tokenRequests'],
): Promise<{ server: Server; realm: string; cert: string }> {
  const key = join(dir, 'token.key');
  const cert = join(dir, 'token.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=stackanetes-test-token',
    ],
    { stdio: 'ignore' },
  );
  const keyPem = readFileSync(key, 'utf8');
  const der = Buffer.from(
    readFileSync(cert, 'utf8')
      .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization;
    const given = auth?.startsWith('Basic ')
      ? Buffer.from(auth.slice(6), 'base64').toString('utf8')
      : undefined;
    const scopes = url.searchParams.getAll('scope');
    log.push({ user: given?.split(':')[0], scopes });
    if (given !== `${user}:${password}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid user name or password' }] }),
      );
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((scope) => {
      const [type = '', ...rest] = scope.split(':');
      const actions = (rest.pop() ?? '').split(',');
      return { type, name: rest.join(':'), actions };
    });
    const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = {
      iss: ISSUER,
      sub: user,
      aud: url.searchParams.get('service') ?? '',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(keyPem);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, realm: `http://127.0.0.1:${port}/token`, cert };
}

export async function startOciRegistry(mode: OciAuthMode): Promise<OciTestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `stackanetes-oci-${mode}-`));
  const storage = join(dir, 'storage');
  const user = 'alice';
  const password = 'placeholder-password';
  const tokenRequests: OciTestRegistry['tokenRequests'] = [];
  let tokenServer: Server | undefined;
  const auth: string[] = [];
  if (mode === 'basic') {
    const htpasswd = execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), htpasswd);
    auth.push('auth:', '  htpasswd:', '    realm: stackanetes-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (mode === 'bearer') {
    const token = await startTokenServer(dir, user, password, tokenRequests);
    tokenServer = token.server;
    auth.push(
      'auth:',
      '  token:',
      `    realm: ${token.realm}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${token.cert}`,
    );
  }
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: {level: error}',
      'storage:',
      `  filesystem: {rootdirectory: ${storage}}`,
      '  delete: {enabled: true}',
      '  cache: {blobdescriptor: ""}',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      ...auth,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const host = `127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`http://${host}/v2/`)).status > 0,
    20000,
    `docker-registry (${stderr})`,
  );
  return {
    mode,
    host,
    storage,
    user,
    password,
    tokenRequests,
    blobPath: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      if (tokenServer) await new Promise((resolve) => tokenServer?.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
