/**
 * resource.Quantity as the API server reads and stores it: parsed exactly (to nano units,
 * rounded up as the server rounds), compared, and written back in canonical form (`0.5` →
 * `500m`, `1000000000` → `1G`, `1024Mi` → `1Gi`), keeping the suffix family the value came with.
 */

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity {
  /** The value in nano units (10^-9). */
  nanos: bigint;
  format: Format;
}

const decimalSuffix: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const binarySuffix: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

const pow10 = (n: number): bigint => 10n ** BigInt(n);

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a > 0n ? q + 1n : q;
}

/** Parses a quantity string or JSON number; undefined when it is not one. */
export function parseQuantity(input: string | number): Quantity | undefined {
  const text = typeof input === 'number' ? numberText(input) : input;
  const m = /^([+-]?)([0-9]+\.?[0-9]*|\.[0-9]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.exec(text);
  if (!m) return undefined;
  const [, sign, number, suffix] = m as unknown as [string, string, string, string];
  const [whole, frac = ''] = number.split('.');
  const digits = BigInt(`${whole ?? ''}${frac}` || '0');
  let num = digits;
  let exp10 = 9 - frac.length;
  let format: Format;
  if (suffix in binarySuffix) {
    num *= 2n ** BigInt(binarySuffix[suffix]!);
    format = 'BinarySI';
  } else if (suffix in decimalSuffix) {
    exp10 += decimalSuffix[suffix]!;
    format = 'DecimalSI';
  } else {
    const e = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
    if (!e) return undefined;
    exp10 += Number(e[1]);
    format = 'DecimalExponent';
  }
  const nanos = exp10 >= 0 ? num * pow10(exp10) : ceilDiv(num, pow10(-exp10));
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

function numberText(n: number): string {
  // Large or tiny JSON numbers print with an exponent in JS; the server reads their digits.
  if (Number.isInteger(n)) return BigInt(n).toString();
  return n.toString().includes('e') ? n.toFixed(9).replace(/0+$/, '') : n.toString();
}

const decimalNames: [number, string][] = [
  [18, 'E'],
  [15, 'P'],
  [12, 'T'],
  [9, 'G'],
  [6, 'M'],
  [3, 'k'],
  [0, ''],
  [-3, 'm'],
  [-6, 'u'],
  [-9, 'n'],
];

/** The canonical string the server stores for a quantity. */
export function formatQuantity(q: Quantity): string {
  const neg = q.nanos < 0n;
  const abs = neg ? -q.nanos : q.nanos;
  const sign = neg ? '-' : '';
  if (abs === 0n) return '0';
  if (q.format === 'BinarySI' && abs % pow10(9) === 0n && abs >= 1024n * pow10(9)) {
    const value = abs / pow10(9);
    for (const [suffix, bits] of Object.entries(binarySuffix).reverse()) {
      const unit = 2n ** BigInt(bits);
      if (value % unit === 0n) return `${sign}${value / unit}${suffix}`;
    }
    return `${sign}${value}`;
  }
  for (const [e, name] of decimalNames) {
    const unit = pow10(e + 9);
    if (abs % unit === 0n) {
      const mantissa = abs / unit;
      if (q.format === 'DecimalExponent') return `${sign}${mantissa}${e === 0 ? '' : `e${e}`}`;
      return `${sign}${mantissa}${name}`;
    }
  }
  return `${sign}${abs}n`;
}

/** The canonical form of a quantity value, or the input when it does not parse. */
export function canonicalQuantity(v: string | number): string | number {
  const q = parseQuantity(v);
  return q ? formatQuantity(q) : v;
}

/** Compares two quantities (-1, 0, 1); undefined when either does not parse. */
export function compareQuantities(a: string | number, b: string | number): number | undefined {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (!x || !y) return undefined;
  return x.nanos === y.nanos ? 0 : x.nanos < y.nanos ? -1 : 1;
}
