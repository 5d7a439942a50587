/**
 * Structured JSON logs, one object per line on stdout. Callers pass fields explicitly; nothing
 * here reads headers or bodies, so tokens and passwords cannot leak by accident.
 */

/** Severity, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The logger the server and storage use. */
export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

/** A logger writing JSON lines to `out` for levels at or above `min`. */
export function createLogger(
  min: LogLevel,
  out: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const threshold = RANK[min];
  return {
    enabled: (level) => RANK[level] >= threshold,
    log(level, msg, fields) {
      if (RANK[level] < threshold) return;
      out(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
    },
  };
}

/** Parses a level name, for flags and env. */
export function parseLogLevel(value: string): LogLevel {
  if (value in RANK) return value as LogLevel;
  throw new Error(`invalid log level ${JSON.stringify(value)}: use debug, info, warn or error`);
}
