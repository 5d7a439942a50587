/**
 * Finding the cluster the way kubectl does: `--kubeconfig`, else every file in `KUBECONFIG`
 * (merged; for each name the first file wins), else `~/.kube/config`, else the in-cluster
 * service account; then `--context` and the context's namespace.
 *
 * Static credentials (tokens, token files, client certificates, basic auth) are read here
 * directly. Credential plugins (`exec`, `auth-provider`) and the in-cluster service account go
 * through @kubernetes/client-node's KubeConfig, which implements them all; it is imported only
 * then, because loading it costs about a third of a second — more than a whole no-change deploy.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { ClusterError, InputError, describeCause } from '../errors.js';
import { parseYaml } from '../util/yaml.js';
import { isPlainObject } from './objects.js';
import { importExternal } from '../import-external.js';

/** Flags shared by every command that talks to a cluster. */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  env: NodeJS.ProcessEnv;
}

/** What the HTTP layer needs: where the API server is and how to authenticate to it. */
export interface ClusterTarget {
  server: string;
  context: string;
  /** `--namespace`, else the context's namespace, else `default`. */
  namespace: string;
  /** TLS material and the Authorization header; called again after a 401 (tokens expire). */
  authenticate(): Promise<AuthOptions>;
}

export interface AuthOptions {
  headers: Record<string, string>;
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

type Entry = Record<string, unknown>;

interface KubeconfigFile {
  path: string;
  doc: Entry;
}

interface Merged {
  files: KubeconfigFile[];
  source: string;
  currentContext?: string;
  clusters: Map<string, { entry: Entry; dir: string }>;
  users: Map<string, { entry: Entry; dir: string }>;
  contexts: Map<string, Entry>;
}

function readKubeconfig(path: string): KubeconfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`kubeconfig ${path} cannot be read: ${describeCause(err)}`, {
      cause: err,
      hint: 'pass --kubeconfig FILE or set KUBECONFIG',
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InputError(`kubeconfig ${path} is not valid YAML: ${describeCause(err).split('\n')[0]}`, {
      cause: err,
    });
  }
  return { path, doc: isPlainObject(doc) ? doc : {} };
}

function merge(files: KubeconfigFile[], source: string): Merged {
  const merged: Merged = { files, source, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const { path, doc } of files) {
    if (
      merged.currentContext === undefined &&
      typeof doc['current-context'] === 'string' &&
      doc['current-context']
    ) {
      merged.currentContext = doc['current-context'];
    }
    const named = (key: string): { name: string; value: Entry }[] =>
      (Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [])
        .filter(isPlainObject)
        .filter((e) => typeof e.name === 'string')
        .map((e) => {
          const inner = e[key.slice(0, -1)];
          return { name: e.name as string, value: isPlainObject(inner) ? inner : {} };
        });
    for (const { name, value } of named('clusters'))
      if (!merged.clusters.has(name)) merged.clusters.set(name, { entry: value, dir: dirname(path) });
    for (const { name, value } of named('users'))
      if (!merged.users.has(name)) merged.users.set(name, { entry: value, dir: dirname(path) });
    for (const { name, value } of named('contexts'))
      if (!merged.contexts.has(name)) merged.contexts.set(name, value);
  }
  return merged;
}

function locate(flags: ClusterFlags): Merged | 'in-cluster' {
  if (flags.kubeconfig) {
    if (!existsSync(flags.kubeconfig)) {
      throw new InputError(`kubeconfig ${flags.kubeconfig} does not exist`, {
        hint: 'pass --kubeconfig FILE or set KUBECONFIG',
      });
    }
    return merge([readKubeconfig(flags.kubeconfig)], flags.kubeconfig);
  }
  const fromEnv = (flags.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length > 0) {
    const present = fromEnv.filter((f) => existsSync(f)); // kubectl skips missing entries of KUBECONFIG
    if (present.length === 0) {
      throw new InputError(`none of the KUBECONFIG files exist (${fromEnv.join(delimiter)})`, {
        hint: 'fix KUBECONFIG or pass --kubeconfig FILE',
      });
    }
    return merge(present.map(readKubeconfig), `KUBECONFIG (${fromEnv.join(delimiter)})`);
  }
  const defaultFile = join(flags.env.HOME || homedir(), '.kube', 'config');
  if (existsSync(defaultFile)) return merge([readKubeconfig(defaultFile)], defaultFile);
  if (flags.env.KUBERNETES_SERVICE_HOST) return 'in-cluster';
  throw new InputError(
    'no kubeconfig found (no --kubeconfig, KUBECONFIG or ~/.kube/config, not running in a cluster)',
    {
      hint: 'pass --kubeconfig FILE or set KUBECONFIG to the cluster you want to use',
    },
  );
}

function str(entry: Entry, key: string): string | undefined {
  const v = entry[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A file path or inline base64 data, as kubeconfig fields come in pairs (`x` and `x-data`). */
function material(entry: Entry, key: string, dir: string, what: string): Buffer | undefined {
  const data = str(entry, `${key}-data`);
  if (data) return Buffer.from(data, 'base64');
  const file = str(entry, key);
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : join(dir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError(`${what} ${path} cannot be read: ${describeCause(err)}`, { cause: err });
  }
}

/** Loads the kubeconfig kubectl would use for the same flags and environment. */
export function loadClusterTarget(flags: ClusterFlags): ClusterTarget {
  if (flags.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(flags.namespace)) {
    throw new InputError(`--namespace ${JSON.stringify(flags.namespace)} is not a valid namespace name`, {
      hint: 'use at most 63 lower-case letters, digits and dashes, starting and ending with a letter or digit',
    });
  }
  const found = locate(flags);
  if (found === 'in-cluster') return inClusterTarget(flags);
  const contextName = flags.context ?? found.currentContext;
  if (!contextName) {
    throw new InputError(`${found.source} has no current-context`, {
      hint: 'pass --context NAME or set current-context in the kubeconfig',
    });
  }
  const context = found.contexts.get(contextName);
  if (!context) {
    const known = [...found.contexts.keys()];
    throw new InputError(`context ${JSON.stringify(contextName)} is not in ${found.source}`, {
      hint: known.length ? `use one of: ${known.join(', ')}` : 'add the context to the kubeconfig',
    });
  }
  const clusterName = str(context, 'cluster');
  const cluster = clusterName ? found.clusters.get(clusterName) : undefined;
  const server = cluster ? str(cluster.entry, 'server') : undefined;
  if (!cluster || !server) {
    throw new InputError(
      `context ${contextName} in ${found.source} names no cluster with a server (cluster: ${clusterName ?? 'none'})`,
      {
        hint: 'fix the context or the clusters entry of the kubeconfig',
      },
    );
  }
  const userName = str(context, 'user');
  const user = userName ? found.users.get(userName) : undefined;
  const plugin = user && (isPlainObject(user.entry.exec) || isPlainObject(user.entry['auth-provider']));

  const staticAuth = (): AuthOptions => {
    const auth: AuthOptions = { headers: {} };
    const ca = material(cluster.entry, 'certificate-authority', cluster.dir, 'certificate authority');
    if (ca) auth.ca = ca;
    if (cluster.entry['insecure-skip-tls-verify'] === true) auth.rejectUnauthorized = false;
    const servername = str(cluster.entry, 'tls-server-name');
    if (servername) auth.servername = servername;
    if (!user) return auth;
    const cert = material(user.entry, 'client-certificate', user.dir, 'client certificate');
    const key = material(user.entry, 'client-key', user.dir, 'client key');
    if (cert) auth.cert = cert;
    if (key) auth.key = key;
    let token = str(user.entry, 'token');
    const tokenFile = str(user.entry, 'tokenFile');
    if (!token && tokenFile) {
      const path = isAbsolute(tokenFile) ? tokenFile : join(user.dir, tokenFile);
      try {
        token = readFileSync(path, 'utf8').trim();
      } catch (err) {
        throw new InputError(`token file ${path} cannot be read: ${describeCause(err)}`, { cause: err });
      }
    }
    if (token) auth.headers.Authorization = `Bearer ${token}`;
    const username = str(user.entry, 'username');
    if (!token && username) {
      auth.headers.Authorization = `Basic ${Buffer.from(`${username}:${str(user.entry, 'password') ?? ''}`).toString('base64')}`;
    }
    return auth;
  };

  return {
    server: server.replace(/\/+$/, ''),
    context: contextName,
    namespace: flags.namespace || str(context, 'namespace') || 'default',
    authenticate: async () => {
      const auth = staticAuth();
      if (!plugin) return auth;
      const fromPlugin = await viaClientNode(
        found.files.map((f) => f.path),
        contextName,
      );
      return { ...auth, headers: { ...auth.headers, ...fromPlugin.headers } };
    },
  };
}

/** Credentials from client-node: exec plugins, auth providers (OIDC, cloud), in-cluster tokens. */
async function viaClientNode(files: string[] | 'in-cluster', contextName?: string): Promise<AuthOptions> {
  const { KubeConfig } =
    await importExternal<typeof import('@kubernetes/client-node')>('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (files === 'in-cluster') kc.loadFromCluster();
    else {
      kc.loadFromFile(files[0] as string);
      for (const file of files.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(file);
        kc.mergeConfig(other, true);
      }
      if (contextName) kc.setCurrentContext(contextName);
    }
    const opts: { headers?: Record<string, unknown>; ca?: Buffer; cert?: Buffer; key?: Buffer } = {
      headers: {},
    };
    // applyToHTTPSOptions also builds an agent and refuses plain-http servers that kubectl
    // accepts; applyOptions is the part we need (TLS material, the Authorization header).
    const internal = kc as unknown as { applyOptions?: (o: typeof opts) => Promise<void> };
    if (typeof internal.applyOptions === 'function') await internal.applyOptions.call(kc, opts);
    else await kc.applyToHTTPSOptions(opts);
    const auth: AuthOptions = { headers: {} };
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') auth.headers[k] = v;
    if (opts.ca) auth.ca = opts.ca;
    if (opts.cert) auth.cert = opts.cert;
    if (opts.key) auth.key = opts.key;
    return auth;
  } catch (err) {
    throw new ClusterError(
      `cannot obtain credentials for ${contextName ? `context ${contextName}` : 'the in-cluster service account'}: ${describeCause(err)}`,
      {
        cause: err,
        hint: 'check the user entry of the kubeconfig (token, certificate files, exec plugin)',
      },
    );
  }
}

function inClusterTarget(flags: ClusterFlags): ClusterTarget {
  const host = flags.env.KUBERNETES_SERVICE_HOST as string;
  const port = flags.env.KUBERNETES_SERVICE_PORT || '443';
  let namespace = flags.namespace;
  if (!namespace) {
    try {
      namespace = readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
    } catch {
      namespace = 'default';
    }
  }
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    context: 'in-cluster',
    namespace: namespace || 'default',
    authenticate: () => viaClientNode('in-cluster'),
  };
}
