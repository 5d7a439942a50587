/**
 * The `--namespace` flag, checked once for every verb before anything is read or sent: an empty
 * value used to fall back silently to the context's namespace (usually `default`), and an invalid
 * one ended with exit 2 in one verb and 3 in another.
 */
import { UsageError } from '../errors.js';

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Returns the namespace when it is a valid name; a usage error (exit 2) otherwise. */
export function checkNamespaceFlag(value: string): string {
  if (value === '')
    throw new UsageError('--namespace "" is empty', {
      hint: "name the namespace, or leave the flag out to use the context's",
    });
  if (!NAMESPACE.test(value))
    throw new UsageError(`--namespace ${JSON.stringify(value)} is not a valid namespace name`, {
      hint: 'use at most 63 lower-case letters, digits and dashes, starting and ending with a letter or digit',
    });
  return value;
}
