/**
 * The one duration grammar, shared by the client's `--timeout` and the registry server's
 * settings: one or more `<number><unit>` terms (`90s`, `1h30m`, `1.5h`, `500ms`, `30d`), units
 * ms, s, m, h and d, case-insensitive, blanks allowed between a number and its unit. Callers
 * word their own error (a flag or a setting) and decide whether a bare number means seconds.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const TERM = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/i;

export interface DurationOptions {
  /** Read a bare number (`30`, `1.5`) as seconds; otherwise a unit is required. */
  bareSeconds?: boolean;
}

/** Milliseconds (not rounded: `0.0001s` is not zero), or undefined when `value` is not a duration. */
export function parseDuration(value: string, options: DurationOptions = {}): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return options.bareSeconds ? Number(text) * 1000 : undefined;
  if (text.length === 0) return undefined;
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = TERM.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}
