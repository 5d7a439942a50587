/**
 * Writes a kubeconfig pointing at the simulator, so kubectl and @kubernetes/client-node connect
 * to it the ordinary way (`--kubeconfig`, `KUBECONFIG`).
 */
import { chmod, rename, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** What goes into the written kubeconfig. */
export interface KubeconfigOptions {
  /** The context's default namespace. */
  namespace?: string;
  /** A bearer token for the user (defaults to the simulator's token, if it has one). */
  token?: string;
}

/** The context, cluster and user name used in written kubeconfigs. */
export const contextName = 'stackanetes-simulator';

/** Writes the kubeconfig atomically with mode 0600 (it may hold a token). */
export async function writeKubeconfigFile(
  path: string,
  server: string,
  caPem: string | undefined,
  options: KubeconfigOptions,
): Promise<void> {
  const cluster: Record<string, string> = { server };
  if (caPem) cluster['certificate-authority-data'] = Buffer.from(caPem).toString('base64');
  const user: Record<string, string> = {};
  if (options.token) user.token = options.token;
  const context: Record<string, string> = { cluster: contextName, user: contextName };
  if (options.namespace) context.namespace = options.namespace;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: contextName, cluster }],
    users: [{ name: contextName, user }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
  };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, stringify(doc), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
