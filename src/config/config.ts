/**
 * The user's stackanetes directory (`~/.stackanetes`, or `$STACKANETES_HOME`): config.yaml names
 * registries and the default one; credentials.json holds login tokens (mode 0600); cache/ keeps
 * pulled blobs by digest. Everything is read per invocation and written atomically.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
// `yaml` only writes the file, in the layout users already have; parsing is src/util/yaml.ts.
import { stringify } from 'yaml';
import { parseYaml } from '../util/yaml.js';
import { InputError, UsageError } from '../errors.js';

/** Where the user's config lives. */
export function configHome(env: NodeJS.ProcessEnv): string {
  return env.STACKANETES_HOME && env.STACKANETES_HOME !== ''
    ? env.STACKANETES_HOME
    : join(homedir(), '.stackanetes');
}

export interface UserConfig {
  /** Registry used when neither --registry nor STACKANETES_REGISTRY is given: a name from `registries` or a URL. */
  default?: string;
  /** Short names for registries: `name: {url: https://…}`. */
  registries: Record<string, { url: string }>;
}

/**
 * The text of a file under the config home, or undefined when it does not exist (an absent
 * config or credentials file means "nothing configured"); any other read failure is one line.
 */
export async function readConfigFile(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Reads config.yaml; an absent file is an empty config. */
export async function readUserConfig(env: NodeJS.ProcessEnv): Promise<UserConfig> {
  const path = join(configHome(env), 'config.yaml');
  const text = await readConfigFile(path);
  if (text === undefined) return { registries: {} };
  let doc: unknown;
  try {
    doc = parseYaml(text) ?? {};
  } catch (err) {
    throw new InputError(`${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new InputError(`${path}: expected a mapping with default and registries`);
  const record = doc as Record<string, unknown>;
  const config: UserConfig = { registries: {} };
  if (record.default !== undefined) {
    if (typeof record.default !== 'string')
      throw new InputError(
        `${path}: default must be a registry name or URL, got ${JSON.stringify(record.default)}`,
      );
    config.default = record.default;
  }
  if (record.registries !== undefined) {
    if (typeof record.registries !== 'object' || record.registries === null)
      throw new InputError(`${path}: registries must be a mapping name → {url}`);
    for (const [name, value] of Object.entries(record.registries as Record<string, unknown>)) {
      const url = typeof value === 'string' ? value : (value as { url?: unknown } | null)?.url;
      if (typeof url !== 'string')
        throw new InputError(`${path}: registries.${name}.url must be a URL string`);
      config.registries[name] = { url };
    }
  }
  return config;
}

/**
 * Normalises what a user writes for a registry to a base URL without trailing slash. No scheme
 * means https, except for loopback hosts, which local test and development registries serve on
 * plain http.
 */
export function normaliseRegistryUrl(value: string): string {
  let text = value.trim().replace(/\/+$/, '');
  if (text === '')
    throw new UsageError('empty registry address', {
      hint: 'give a host (registry.example.com) or a URL (https://registry.example.com)',
    });
  if (/^https?:$/i.test(text))
    throw new UsageError(`registry address ${JSON.stringify(value)} has no host`, {
      hint: 'give a host (registry.example.com) or a URL (https://registry.example.com)',
    });
  if (!/^https?:\/\//.test(text)) {
    const host = text.split('/')[0] ?? '';
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(host);
    text = `${loopback ? 'http' : 'https'}://${text}`;
  }
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    throw new UsageError(`registry address ${JSON.stringify(value)} is not a host or URL`);
  }
}

/** The `host[:port]` a registry URL is known by in credentials and messages. */
export function registryHost(url: string): string {
  return new URL(url).host;
}

/** Resolves the registry to use: explicit (reference or --registry) > STACKANETES_REGISTRY > config default. */
export function chooseRegistry(
  config: UserConfig,
  env: NodeJS.ProcessEnv,
  explicit?: string,
): string | undefined {
  const value = explicit ?? (env.STACKANETES_REGISTRY || undefined) ?? config.default;
  if (value === undefined) return undefined;
  const named = config.registries[value];
  return normaliseRegistryUrl(named ? named.url : value);
}

/** Writes a file atomically with the given mode (the temp file is created with it, so no window exposes a token). */
export async function writeFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, text, { encoding: 'utf8', mode });
  await chmod(tmp, mode);
  await rename(tmp, path);
}

/** The path of config.yaml under the config home. */
export function userConfigPath(env: NodeJS.ProcessEnv): string {
  return join(configHome(env), 'config.yaml');
}

/** Writes config.yaml (0600 in a 0700 home, like the credentials beside it). */
export async function writeUserConfig(env: NodeJS.ProcessEnv, config: UserConfig): Promise<string> {
  const path = userConfigPath(env);
  const doc: Record<string, unknown> = {};
  if (config.default !== undefined) doc.default = config.default;
  doc.registries = config.registries;
  await writeFileAtomic(path, stringify(doc), 0o600);
  return path;
}

/** The keys `stackanetes config get|set|unset` accept. */
const CONFIG_KEY = /^(default|registries\.([A-Za-z0-9][A-Za-z0-9_-]{0,62})(\.url)?)$/;

function parseConfigKey(key: string): { kind: 'default' } | { kind: 'registry'; name: string } {
  const m = CONFIG_KEY.exec(key);
  if (!m)
    throw new UsageError(`unknown config key ${JSON.stringify(key)}`, {
      hint: 'use default or registries.NAME.url',
    });
  return m[2] === undefined ? { kind: 'default' } : { kind: 'registry', name: m[2] };
}

/** A config value by key (`default`, `registries.NAME.url`), or undefined when unset. */
export function getConfigValue(config: UserConfig, key: string): string | undefined {
  const k = parseConfigKey(key);
  return k.kind === 'default' ? config.default : config.registries[k.name]?.url;
}

/** A copy of `config` with `key` set (value undefined: removed). Registry URLs are checked here. */
export function setConfigValue(config: UserConfig, key: string, value: string | undefined): UserConfig {
  const k = parseConfigKey(key);
  const next: UserConfig = { ...config, registries: { ...config.registries } };
  if (k.kind === 'default') {
    if (value === undefined) delete next.default;
    else {
      if (!config.registries[value]) normaliseRegistryUrl(value);
      next.default = value;
    }
  } else if (value === undefined) delete next.registries[k.name];
  else next.registries[k.name] = { url: normaliseRegistryUrl(value) };
  return next;
}
