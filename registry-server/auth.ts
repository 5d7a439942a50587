/**
 * Passwords and tokens. Passwords are hashed with scrypt (node:crypto, per-user salt, parameters
 * stored with the hash so they can be raised later). Tokens are 256 random bits shown to the
 * client once; only their sha256 is stored, which is enough for high-entropy secrets and keeps
 * the per-request check cheap.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../src/util/hash.js';
import { unauthorized } from './errors.js';
import type { Storage, TokenRecord } from './storage/types.js';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 128 * n * r * 2 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` with base64 salt and hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Constant-time comparison of a password with a stored hash; false for unknown formats. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash with which a login for an unknown user costs as much as one for a known user. */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEYLEN).toString('base64')}`;

/** sha256 hex of a token: what storage keeps. */
export function tokenHash(token: string): string {
  return sha256Hex(token);
}

/** Creates and stores a token for `username`; returns the secret the client must keep. */
export async function issueToken(
  storage: Storage,
  username: string,
  ttlMs: number,
  now = Date.now(),
): Promise<string> {
  const token = `stk_${randomBytes(32).toString('base64url')}`;
  const record: TokenRecord = {
    hash: tokenHash(token),
    username,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + ttlMs).toISOString(),
    revoked: false,
  };
  await storage.addToken(record);
  return token;
}

/** Extracts the token from `Authorization: <token>` or `Authorization: Bearer <token>`. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(value);
  const token = match ? match[1] : value;
  return token && token.length <= 256 && !/\s/.test(token) ? token : undefined;
}

/** The user a token belongs to; 401 when it is unknown, revoked or expired. */
export async function authenticate(
  storage: Storage,
  token: string,
  now = Date.now(),
): Promise<{ username: string; hash: string }> {
  const hash = tokenHash(token);
  const record = await storage.getToken(hash);
  if (!record) throw unauthorized('unknown token: log in again with `stackanetes login`');
  if (record.revoked) throw unauthorized('token was revoked: log in again with `stackanetes login`');
  if (Date.parse(record.expiresAt) <= now)
    throw unauthorized('token expired: log in again with `stackanetes login`');
  return { username: record.username, hash };
}
