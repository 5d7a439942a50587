/**
 * Release ordering and resolution (`default`, exact, range). A package may hold 100,000
 * releases, so the sorted list is built once per index change (cached by the back ends) with a
 * pre-parsed comparator instead of re-parsing strings inside sort().
 */
import semver from 'semver';
import { unprocessable } from './errors.js';
import { isExactRelease } from './validate.js';

interface Parsed {
  raw: string;
  nums: [number, number, number];
  pre: (string | number)[];
}

function parse(raw: string): Parsed {
  const v = new semver.SemVer(raw);
  return { raw, nums: [v.major, v.minor, v.patch], pre: v.prerelease.slice() };
}

function comparePre(a: (string | number)[], b: (string | number)[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length; // a release outranks its pre-releases
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function compare(a: Parsed, b: Parsed): number {
  return a.nums[0] - b.nums[0] || a.nums[1] - b.nums[1] || a.nums[2] - b.nums[2] || comparePre(a.pre, b.pre);
}

/** A package's releases sorted newest first, with the highest stable one precomputed. */
export interface ReleaseOrder {
  /** semver descending. */
  readonly desc: readonly string[];
  /** The highest release without a pre-release part, else the highest release, else undefined. */
  readonly defaultRelease: string | undefined;
}

/** Sorts release strings (already valid semver) newest first. */
export function orderReleases(releases: Iterable<string>): ReleaseOrder {
  const parsed = Array.from(new Set(releases), parse).sort((a, b) => compare(b, a));
  const desc = parsed.map((p) => p.raw);
  const stable = parsed.find((p) => p.pre.length === 0);
  return { desc, defaultRelease: stable?.raw ?? desc[0] };
}

/** Sorts release strings newest first (convenience for small lists). */
export function sortDesc(releases: Iterable<string>): string[] {
  return [...orderReleases(releases).desc];
}

/** The highest remaining release, used when a channel loses its current release. */
export function highest(releases: Iterable<string>): string | undefined {
  return orderReleases(releases).desc[0];
}

/**
 * Resolves what a client asked for (`default`, an exact release or a range like `>=1.5,<2.0`)
 * to one existing release, or undefined when nothing matches. Pre-releases only match a range
 * that names one (node-semver's rule, which is appr's).
 */
export function resolveRelease(order: ReleaseOrder, wanted: string): string | undefined {
  if (wanted === 'default' || wanted === 'latest') return order.defaultRelease;
  if (isExactRelease(wanted)) return order.desc.includes(wanted) ? wanted : undefined;
  const range = parseRange(wanted);
  for (const release of order.desc) if (range.test(release)) return release;
  return undefined;
}

/** Parses a client range; appr clients separate comparators with commas, node-semver with spaces. */
export function parseRange(wanted: string): semver.Range {
  const text = wanted.replace(/,/g, ' ').trim();
  if (text.length === 0 || text.length > 256 || /^v/i.test(text)) throw invalid(wanted);
  try {
    return new semver.Range(text);
  } catch {
    throw invalid(wanted);
  }
}

function invalid(wanted: string) {
  return unprocessable(
    'invalid-release',
    `invalid release ${JSON.stringify(wanted)}: use a semver release (1.2.0), a range (>=1.5,<2.0) or default`,
    { release: wanted },
  );
}
