/**
 * Typed errors. Every failure a user can cause or fix is a StackanetesError carrying a one-line
 * message (naming the file, field or value) and, where there is one, the fix. The CLI prints
 * `error: <message>` (and `  fix: <hint>`) and exits with `exitCode`; anything else is an
 * internal error, reported with a stack only under --debug.
 */

/** Process exit codes. All failures are >= 2 so `diff` can keep 0 = no changes, 1 = changes. */
export const ExitCode = {
  ok: 0,
  changes: 1,
  usage: 2,
  invalidInput: 3,
  notFound: 4,
  conflict: 5,
  registry: 6,
  cluster: 7,
  notReady: 8,
  internal: 70,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorOptions {
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

export class StackanetesError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.invalidInput;
    this.hint = options.hint;
  }
}

/** Wrong flags or arguments on the command line. */
export class UsageError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.usage, ...options });
  }
}

/** A file, manifest, parameter, template or value the user supplied is wrong. */
export class InputError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.invalidInput, ...options });
  }
}

/** A package, release, channel, revision or object does not exist. */
export class NotFoundError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.notFound, ...options });
  }
}

/** The operation collides with existing state (duplicate release, object owned by another release, …). */
export class ConflictError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.conflict, ...options });
  }
}

/** The registry could not be reached, refused the credentials, or answered something unusable. */
export class RegistryError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.registry, ...options });
  }
}

/** The Kubernetes API could not be reached, refused us, or rejected a request. */
export class ClusterError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.cluster, ...options });
  }
}

/** A deploy applied its objects but some did not become ready in time, or failed. */
export class NotReadyError extends StackanetesError {
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { exitCode: ExitCode.notReady, ...options });
  }
}

export function isStackanetesError(err: unknown): err is StackanetesError {
  return err instanceof StackanetesError;
}

/** A short description of any thrown value, for wrapping low-level causes into our messages. */
export function describeCause(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
