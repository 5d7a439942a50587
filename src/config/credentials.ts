/**
 * Login tokens, one per scope: `host:ns/pkg`, `host:ns`, `host` or `*`. The most specific scope
 * that matches a request wins, so a CI token for one namespace can sit beside a personal one.
 * Stored in credentials.json with mode 0600.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { configHome, readConfigFile, writeFileAtomic } from './config.js';

export interface Credential {
  /** An appr token, or `user:password` for OCI registries that take Basic credentials. */
  token: string;
  /** `token` (appr, sent verbatim) or `basic` (OCI). */
  kind?: 'token' | 'basic';
  username?: string;
}

interface CredentialsFile {
  auths: Record<string, Credential>;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  return join(configHome(env), 'credentials.json');
}

async function readCredentials(env: NodeJS.ProcessEnv): Promise<CredentialsFile> {
  const path = credentialsPath(env);
  const text = await readConfigFile(path);
  if (text === undefined) return { auths: {} };
  try {
    const doc = JSON.parse(text) as CredentialsFile;
    if (typeof doc !== 'object' || doc === null || typeof doc.auths !== 'object' || doc.auths === null)
      throw new Error('no auths');
    return doc;
  } catch {
    throw new InputError(`${path} is not a valid credentials file`, { hint: 'delete it and log in again' });
  }
}

/** Candidate scopes for a request, most specific first. */
export function scopesFor(host: string, packageName?: string): string[] {
  const scopes: string[] = [];
  if (packageName) {
    scopes.push(`${host}:${packageName}`);
    const ns = packageName.split('/')[0];
    if (ns) scopes.push(`${host}:${ns}`);
  }
  scopes.push(host, '*');
  return scopes;
}

/** The token for a request to `host` about `packageName`, by the most specific matching scope. */
export async function findCredential(
  env: NodeJS.ProcessEnv,
  host: string,
  packageName?: string,
): Promise<Credential | undefined> {
  const file = await readCredentials(env);
  for (const scope of scopesFor(host, packageName)) {
    const found = file.auths[scope];
    if (found) return found;
  }
  return undefined;
}

/** The token stored under exactly `scope` (no fallback to wider scopes), so logout can revoke it. */
export async function storedCredential(
  env: NodeJS.ProcessEnv,
  scope: string,
): Promise<Credential | undefined> {
  const file = await readCredentials(env);
  return Object.hasOwn(file.auths, scope) ? file.auths[scope] : undefined;
}

/** Stores a token under a scope (mode 0600, atomically). */
export async function saveCredential(
  env: NodeJS.ProcessEnv,
  scope: string,
  credential: Credential,
): Promise<string> {
  const file = await readCredentials(env);
  file.auths[scope] = credential;
  const path = credentialsPath(env);
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  return path;
}

/** Removes a scope's token; returns whether there was one. */
export async function removeCredential(env: NodeJS.ProcessEnv, scope: string): Promise<boolean> {
  const file = await readCredentials(env);
  if (!(scope in file.auths)) return false;
  delete file.auths[scope];
  await writeFileAtomic(credentialsPath(env), `${JSON.stringify(file, null, 2)}\n`, 0o600);
  return true;
}

/** The file mode, so tests and `login` can check that tokens are private. */
export async function credentialsMode(env: NodeJS.ProcessEnv): Promise<number | undefined> {
  try {
    return (await stat(credentialsPath(env))).mode & 0o777;
  } catch {
    return undefined;
  }
}
