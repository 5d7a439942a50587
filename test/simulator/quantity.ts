/**
 * Resource quantities as numbers, for the scheduler's fit checks (`100m` CPU, `512Mi` memory).
 * Malformed quantities count as zero: rejecting them is validation's job, not the scheduler's.
 */
const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity (`"250m"` → 0.25, `"1Gi"` → 1073741824), 0 when malformed. */
export function quantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return 0;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(value.trim());
  if (!m) return 0;
  const factor = suffixes[m[2] ?? ''];
  return factor === undefined ? 0 : Number(m[1]) * factor;
}
