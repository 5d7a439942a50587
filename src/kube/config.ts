/**
 * Finding the cluster the way kubectl does: `--kubeconfig`, else every file in `KUBECONFIG`
 * (merged, first wins), else `~/.kube/config`, else the in-cluster service account; then
 * `--context` and the context's namespace. client-node's KubeConfig parses the files and produces
 * the TLS material and credentials (tokens, client certificates, exec plugins), so every auth
 * method kubectl supports works here too.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { ClusterError, InputError, describeCause } from '../errors.js';

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
  /** Fills TLS options and the Authorization header; called again after a 401 (tokens expire). */
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

/** Loads the kubeconfig kubectl would use for the same flags and environment. */
export function loadClusterTarget(flags: ClusterFlags): ClusterTarget {
  const kc = new KubeConfig();
  const source = loadInto(kc, flags);
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new InputError(`context ${JSON.stringify(flags.context)} is not in ${source}`, {
        hint: known.length ? `use one of: ${known.join(', ')}` : 'add the context to the kubeconfig',
      });
    }
    kc.setCurrentContext(flags.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    throw new InputError(`${source} has no current context with a cluster server`, {
      hint: 'pass --context NAME or set current-context in the kubeconfig',
    });
  }
  const contextName = kc.getCurrentContext();
  const contextNamespace = kc.getContextObject(contextName)?.namespace;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    context: contextName,
    namespace: flags.namespace || contextNamespace || 'default',
    authenticate: async () => {
      const opts: {
        headers?: Record<string, unknown>;
        auth?: string;
        ca?: Buffer | string;
        cert?: Buffer | string;
        key?: Buffer | string;
        rejectUnauthorized?: boolean;
        servername?: string;
      } = { headers: {} };
      try {
        // applyToHTTPSOptions also builds an agent and refuses plain-http servers that kubectl
        // accepts (a local API server, the simulator); applyOptions is the part we need: TLS
        // material and the Authorization header from tokens, auth providers and exec plugins.
        const internal = kc as unknown as { applyOptions?: (o: typeof opts) => Promise<void> };
        if (typeof internal.applyOptions === 'function') await internal.applyOptions.call(kc, opts);
        else await kc.applyToHTTPSOptions(opts);
        const user = kc.getCurrentUser();
        if (user?.username) opts.auth = `${user.username}:${user.password ?? ''}`;
      } catch (err) {
        throw new ClusterError(`cannot obtain credentials for context ${contextName}: ${describeCause(err)}`, {
          cause: err,
          hint: 'check the user entry of the kubeconfig (token, certificate files, exec plugin)',
        });
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v;
      if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      const auth: AuthOptions = { headers };
      if (opts.ca) auth.ca = opts.ca;
      if (opts.cert) auth.cert = opts.cert;
      if (opts.key) auth.key = opts.key;
      if (cluster.skipTLSVerify) auth.rejectUnauthorized = false;
      if (cluster.tlsServerName) auth.servername = cluster.tlsServerName;
      return auth;
    },
  };
}

function loadInto(kc: KubeConfig, flags: ClusterFlags): string {
  const load = (file: string, into: KubeConfig): void => {
    if (!existsSync(file)) {
      throw new InputError(`kubeconfig ${file} does not exist`, { hint: 'pass --kubeconfig FILE or set KUBECONFIG' });
    }
    try {
      into.loadFromFile(file);
    } catch (err) {
      throw new InputError(`kubeconfig ${file} cannot be read: ${describeCause(err)}`, { cause: err });
    }
  };
  if (flags.kubeconfig) {
    load(flags.kubeconfig, kc);
    return flags.kubeconfig;
  }
  const fromEnv = (flags.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length > 0) {
    const [first, ...rest] = fromEnv as [string, ...string[]];
    load(first, kc);
    for (const file of rest) {
      if (!existsSync(file)) continue; // kubectl skips missing entries of KUBECONFIG
      const other = new KubeConfig();
      load(file, other);
      kc.mergeConfig(other, true);
    }
    return `KUBECONFIG (${fromEnv.join(delimiter)})`;
  }
  const home = flags.env.HOME || homedir();
  const defaultFile = join(home, '.kube', 'config');
  if (existsSync(defaultFile)) {
    load(defaultFile, kc);
    return defaultFile;
  }
  if (flags.env.KUBERNETES_SERVICE_HOST) {
    try {
      kc.loadFromCluster();
    } catch (err) {
      throw new ClusterError(`in-cluster configuration cannot be loaded: ${describeCause(err)}`, { cause: err });
    }
    return 'the in-cluster service account';
  }
  throw new InputError('no kubeconfig found (no --kubeconfig, KUBECONFIG or ~/.kube/config, not running in a cluster)', {
    hint: 'pass --kubeconfig FILE or set KUBECONFIG to the cluster you want to use',
  });
}
