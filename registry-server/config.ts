/**
 * Server configuration from flags and environment variables (flags win). Every value is checked
 * here, so a typo fails at start with one line naming the flag or variable, not at first use.
 */
import { PACKAGE_LIMITS } from '../src/package/limits.js';
import { parseDuration as parseDurationText } from '../src/util/duration.js';

/** Everything `serve` needs. */
export interface ServerConfig {
  host: string;
  port: number;
  /** A directory (filesystem back end) or a postgres:// URL. */
  storage: string;
  maxBodyBytes: number;
  maxUnpackedBytes: number;
  maxEntries: number;
  tokenTtlMs: number;
  allowSignup: boolean;
  anonymousReads: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  shutdownTimeoutMs: number;
  /** How long a request body may take to arrive in full (a slow or lying Content-Length gets 408). */
  bodyTimeoutMs: number;
  blobCacheBytes: number;
  lockStaleMs: number;
  pgPoolSize: number;
}

/** Environment variable of each setting, documented in docs/registry.md. */
export const ENV = {
  listen: 'STACKANETES_REGISTRY_LISTEN',
  storage: 'STACKANETES_REGISTRY_STORAGE',
  maxBody: 'STACKANETES_REGISTRY_MAX_BODY',
  maxUnpacked: 'STACKANETES_REGISTRY_MAX_UNPACKED',
  tokenTtl: 'STACKANETES_REGISTRY_TOKEN_TTL',
  allowSignup: 'STACKANETES_REGISTRY_ALLOW_SIGNUP',
  anonymousReads: 'STACKANETES_REGISTRY_ANONYMOUS_READS',
  logLevel: 'STACKANETES_REGISTRY_LOG_LEVEL',
  shutdownTimeout: 'STACKANETES_REGISTRY_SHUTDOWN_TIMEOUT',
  bodyTimeout: 'STACKANETES_REGISTRY_BODY_TIMEOUT',
  blobCache: 'STACKANETES_REGISTRY_BLOB_CACHE',
  lockStale: 'STACKANETES_REGISTRY_LOCK_STALE',
  pgPool: 'STACKANETES_REGISTRY_PG_POOL',
} as const;

/** A configuration problem, reported as one line by the CLI. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/** `20MiB`, `512k`, `1048576`. */
export function parseSize(value: string, what: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0)
    throw new ConfigError(
      `invalid size for ${what}: ${JSON.stringify(value)} (use e.g. 20MiB, 512KiB or a byte count)`,
    );
  return Number(m[1]) * unit;
}

/** `30d`, `12h`, `500ms`, `90s`, `1h30m`. */
export function parseDuration(value: string, what: string): number {
  const ms = parseDurationText(value);
  if (ms === undefined)
    throw new ConfigError(
      `invalid duration for ${what}: ${JSON.stringify(value)} (use e.g. 30d, 12h, 90s or 500ms)`,
    );
  return Math.round(ms);
}

/** `true/false/1/0/yes/no`. */
export function parseBool(value: string, what: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`invalid boolean for ${what}: ${JSON.stringify(value)} (use true or false)`);
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (all interfaces). */
export function parseListen(value: string, what: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new ConfigError(
      `invalid listen address for ${what}: ${JSON.stringify(value)} (use HOST:PORT such as 127.0.0.1:8080)`,
    );
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Raw option values as commander hands them over (strings or booleans). */
export interface RawServeOptions {
  listen?: string;
  storage?: string;
  database?: string;
  maxBody?: string;
  maxUnpacked?: string;
  tokenTtl?: string;
  allowSignup?: boolean;
  anonymousReads?: string;
  requireAuthReads?: boolean;
  logLevel?: string;
  shutdownTimeout?: string;
  bodyTimeout?: string;
  blobCache?: string;
  lockStale?: string;
  pgPool?: string;
}

/** Merges flags over env over defaults. */
export function resolveConfig(raw: RawServeOptions, env: NodeJS.ProcessEnv): ServerConfig {
  const pick = (flag: string | undefined, name: keyof typeof ENV): [string | undefined, string] =>
    flag !== undefined
      ? [flag, `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`]
      : [env[ENV[name]], ENV[name]];
  const [listen, listenWhat] = pick(raw.listen, 'listen');
  const { host, port } = parseListen(listen ?? '127.0.0.1:8080', listenWhat);
  const storage = raw.storage ?? raw.database ?? env[ENV.storage];
  if (!storage)
    throw new ConfigError(
      `no storage given: pass --storage DIR or --storage postgres://USER@HOST/DB (or set ${ENV.storage})`,
    );
  const size = (name: keyof typeof ENV, flag: string | undefined, dflt: string) => {
    const [v, what] = pick(flag, name);
    return parseSize(v ?? dflt, what);
  };
  const duration = (name: keyof typeof ENV, flag: string | undefined, dflt: string) => {
    const [v, what] = pick(flag, name);
    return parseDuration(v ?? dflt, what);
  };
  const [logLevel, logWhat] = pick(raw.logLevel, 'logLevel');
  const level = logLevel ?? 'info';
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw new ConfigError(
      `invalid log level for ${logWhat}: ${JSON.stringify(level)} (use debug, info, warn or error)`,
    );
  const signupEnv = env[ENV.allowSignup];
  const allowSignup =
    raw.allowSignup ?? (signupEnv !== undefined ? parseBool(signupEnv, ENV.allowSignup) : false);
  const anonEnv = env[ENV.anonymousReads];
  let anonymousReads = anonEnv !== undefined ? parseBool(anonEnv, ENV.anonymousReads) : true;
  if (raw.anonymousReads !== undefined) anonymousReads = parseBool(raw.anonymousReads, '--anonymous-reads');
  if (raw.requireAuthReads) anonymousReads = false;
  const [pool, poolWhat] = pick(raw.pgPool, 'pgPool');
  const pgPoolSize = Number(pool ?? '10');
  if (!Number.isInteger(pgPoolSize) || pgPoolSize < 1 || pgPoolSize > 500)
    throw new ConfigError(`invalid pool size for ${poolWhat}: ${JSON.stringify(pool)} (use 1 to 500)`);
  const lockStaleMs = duration('lockStale', raw.lockStale, '10s');
  if (lockStaleMs < 2000)
    throw new ConfigError(
      'lock stale time must be at least 2s (proper-lockfile refreshes locks every stale/2)',
    );
  const maxUnpackedBytes = size('maxUnpacked', raw.maxUnpacked, `${PACKAGE_LIMITS.maxTarBytes}`);
  if (maxUnpackedBytes > PACKAGE_LIMITS.maxTarBytes)
    throw new ConfigError(
      `largest unpacked package ${maxUnpackedBytes} bytes is more than clients accept (${PACKAGE_LIMITS.maxTarBytes}): packages that size could be pushed but never pulled`,
    );
  return {
    host,
    port,
    storage,
    maxBodyBytes: size('maxBody', raw.maxBody, '20MiB'),
    maxUnpackedBytes,
    maxEntries: PACKAGE_LIMITS.maxMembers,
    tokenTtlMs: duration('tokenTtl', raw.tokenTtl, '30d'),
    allowSignup,
    anonymousReads,
    logLevel: level as ServerConfig['logLevel'],
    shutdownTimeoutMs: duration('shutdownTimeout', raw.shutdownTimeout, '30s'),
    bodyTimeoutMs: duration('bodyTimeout', raw.bodyTimeout, '30s'),
    blobCacheBytes: size('blobCache', raw.blobCache, '64MiB'),
    lockStaleMs,
    pgPoolSize,
  };
}
