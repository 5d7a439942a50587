/**
 * The one place that turns a thrown value into what the user sees and the exit code. Known errors
 * print one line that ends with the fix; unknown ones are internal errors, with the stack under --debug.
 */
import { ExitCode, isStackanetesError } from '../errors.js';
import type { Writer } from './output.js';

export function reportError(err: unknown, writer: Writer, debug: boolean): number {
  if (isStackanetesError(err)) {
    // One line, the fix included, so it survives log scrapers and `2>&1 | tail -1`.
    writer.err(err.hint ? `error: ${err.message}; fix: ${err.hint}` : `error: ${err.message}`);
    if (debug && err.stack) writer.err(stackWithCauses(err));
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  const line = `error: internal error: ${message.split('\n')[0]}`;
  writer.err(
    debug
      ? line
      : `${line}; fix: this is a bug in stackanetes, please report it with the output of the same command run with --debug`,
  );
  if (debug) writer.err(stackWithCauses(err));
  return ExitCode.internal;
}

function stackWithCauses(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current) parts.push('caused by:');
  }
  return parts.join('\n');
}
