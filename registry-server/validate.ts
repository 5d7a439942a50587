/**
 * Central validation of every value that comes from a path, query or body: package names,
 * releases, channels, media types, user names. Handlers call these once, so storage never sees
 * a value that could escape a directory or confuse a SQL pattern.
 */
import semver from 'semver';
import { unprocessable } from './errors.js';

const NAME_PART = /^[a-z0-9][a-z0-9_-]{1,62}$/;
const CHANNEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const USER = /^[a-z0-9][a-z0-9._-]{1,62}$/;

/** Our own package format; other media types are stored without interpreting their content. */
export const OWN_MEDIA_TYPE = 'stackanetes';

/** Checks one half of `namespace/name`. */
export function checkNamePart(value: string, field: 'namespace' | 'package'): string {
  if (!NAME_PART.test(value)) {
    throw unprocessable(
      'invalid-package',
      `invalid ${field} name ${JSON.stringify(value)}: use 2-63 characters [a-z0-9_-], starting with a letter or digit`,
      { [field]: value },
    );
  }
  return value;
}

/** A release on push or exact lookup: strict semver 2.0, no leading `v`, no build-metadata tricks. */
export function checkRelease(value: unknown): string {
  if (typeof value !== 'string' || value.length > 128 || semver.valid(value) !== value) {
    throw unprocessable(
      'invalid-release',
      `invalid release ${JSON.stringify(value)}: use strict semver such as 1.2.0 or 1.3.0-beta.1 (no leading v)`,
      { release: value },
    );
  }
  return value;
}

/** True when `value` is an exact semver release (as opposed to `default` or a range). */
export function isExactRelease(value: string): boolean {
  return value.length <= 128 && semver.valid(value) === value;
}

/** Channel names become keys and (on the filesystem) JSON fields: no `/`, no `..`, short. */
export function checkChannel(value: string): string {
  if (!CHANNEL.test(value) || value.includes('..')) {
    throw unprocessable(
      'invalid-parameters',
      `invalid channel name ${JSON.stringify(value)}: use 1-63 characters [A-Za-z0-9._-] without '..'`,
      { channel: value },
    );
  }
  return value;
}

/** A short media-type word (`stackanetes`, `kpm`, `helm`). */
export function checkMediaType(value: unknown): string {
  if (typeof value !== 'string' || !MEDIA_TYPE.test(value)) {
    throw unprocessable(
      'invalid-parameters',
      `invalid media type ${JSON.stringify(value)}: use a short word such as ${OWN_MEDIA_TYPE}`,
      { media_type: value },
    );
  }
  return value;
}

/** User names (also used as namespace owners). */
export function checkUserName(value: unknown): string {
  if (typeof value !== 'string' || !USER.test(value)) {
    throw unprocessable(
      'invalid-parameters',
      `invalid user name ${JSON.stringify(value)}: use 2-63 characters [a-z0-9._-], starting with a letter or digit`,
      { username: value },
    );
  }
  return value;
}

/** Throws unless `value` is a boolean-free, reasonable password. */
export function checkPassword(value: unknown): string {
  if (typeof value !== 'string' || value.length < 8 || value.length > 1024) {
    throw unprocessable('invalid-parameters', 'invalid password: use 8 to 1024 characters');
  }
  return value;
}

/** appr digests are hex sha256, accepted with or without a `sha256:` prefix. */
export function checkDigest(value: string): string {
  const hex = value.startsWith('sha256:') ? value.slice(7) : value;
  if (!/^[a-f0-9]{64}$/.test(hex)) {
    throw unprocessable(
      'invalid-parameters',
      `invalid digest ${JSON.stringify(value)}: use 64 lowercase hex digits`,
      { digest: value },
    );
  }
  return hex;
}
