/**
 * Credentials from the user's Docker client configuration (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), so registries the user already logged in to with `docker login` work
 * without a second login. Only plain `auths` entries are read; credential helpers are programs
 * this client does not run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return env.HOME ? join(env.HOME, '.docker', 'config.json') : undefined;
}

/** `host[:port]` of an `auths` key, which docker writes as a host, a URL, or `https://index.docker.io/v1/`. */
function keyHost(key: string): string {
  return (
    key
      .replace(/^[a-z]+:\/\//i, '')
      .split('/')[0]
      ?.toLowerCase() ?? ''
  );
}

/** `user:password` for `host` from the Docker config, or undefined when it has none. */
export async function dockerCredential(env: NodeJS.ProcessEnv, host: string): Promise<string | undefined> {
  const path = dockerConfigPath(env);
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let doc: DockerConfig;
  try {
    doc = JSON.parse(text) as DockerConfig;
  } catch {
    throw new InputError(`${path} is not valid JSON`, {
      hint: 'fix the Docker client configuration, or set DOCKER_CONFIG to another directory',
    });
  }
  const wanted = host.toLowerCase();
  for (const [key, entry] of Object.entries(doc.auths ?? {})) {
    if (keyHost(key) !== wanted || typeof entry !== 'object' || entry === null) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      if (!decoded.includes(':'))
        throw new InputError(`${path}: auths.${key}.auth is not base64 of user:password`, {
          hint: `log in again: docker login ${host}, or stackanetes login oci://${host} -u USER`,
        });
      return decoded;
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string')
      return `${entry.username}:${entry.password}`;
  }
  return undefined;
}
