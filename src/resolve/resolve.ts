/**
 * Dependency resolution, pure: given what is known about packages (an index of releases with
 * digests, channels and — once loaded — their dependencies), choose one release per package for a
 * set of root requirements. No I/O happens here; when the index lacks something the answer says
 * what to fetch, the caller fetches it and asks again. That keeps resolution testable from object
 * literals and fast enough to bench on thousands of packages.
 */
import semver from 'semver';
import { ConflictError, InputError, NotFoundError, StackanetesError } from '../errors.js';
import { describeConstraint } from './reference.js';

/** One constraint on a package: a range (or exact version), a channel or a digest; none = highest stable. */
export interface Requirement {
  name: string;
  version?: string;
  channel?: string;
  digest?: string;
  /** Who asks, for messages: `ns/meta@1.0.0` or `the command line`. */
  requiredBy: string;
}

export interface IndexedRelease {
  version: string;
  /** appr digest, `sha256:<hex>`. */
  digest?: string;
  /** The release's own dependencies; `undefined` until its manifest has been loaded. */
  dependencies?: readonly Omit<Requirement, 'requiredBy'>[];
}

export interface IndexedChannel {
  current?: string;
  releases: readonly string[];
}

export interface IndexedPackage {
  name: string;
  releases: readonly IndexedRelease[];
  /** Channel name → channel. `undefined` when the channels were not fetched (locked replays). */
  channels?: Readonly<Record<string, IndexedChannel>>;
}

/** What resolution knows: package name → releases. */
export type ResolutionIndex = ReadonlyMap<string, IndexedPackage>;

export interface ResolveOptions {
  /** Consider pre-releases for ranges and for "highest" even when no comparator names one. */
  includePrerelease?: boolean;
  /** Preferred versions (from a lockfile): used whenever they satisfy every requirement. */
  pins?: ReadonlyMap<string, { version: string; digest?: string }>;
  /** `--locked`: every package must resolve to its pin; channels are not re-checked (the lock already chose). */
  locked?: boolean;
  /** Where the pins come from, for messages. */
  lockfile?: string;
}

export interface ResolvedRelease {
  name: string;
  version: string;
  digest?: string;
  requiredBy: string[];
}

/** Something the index must gain before resolution can finish. */
export type Need =
  | { kind: 'package'; name: string; requiredBy: string }
  | { kind: 'dependencies'; name: string; version: string };

export type Resolution =
  | {
      complete: true;
      packages: Map<string, ResolvedRelease>;
      /** names in first-visit (breadth-first) order */ order: string[];
    }
  | { complete: false; needs: Need[] };

const MAX_RECHOICES = 100;

interface Prepared {
  pkg: IndexedPackage;
  /** Releases sorted highest first, with parsed versions. */
  sorted: { release: IndexedRelease; parsed: semver.SemVer }[];
  /** Constraint key → which of `sorted` satisfy it (bit i = sorted[i]); computed once per constraint. */
  masks: Map<string, Uint32Array>;
}

/** Resolves `roots` against `index`; throws a typed error when no consistent choice exists. */
export function resolveGraph(
  roots: readonly Requirement[],
  index: ResolutionIndex,
  options: ResolveOptions = {},
): Resolution {
  const prepared = new Map<string, Prepared>();
  const prepare = (name: string): Prepared | undefined => {
    let p = prepared.get(name);
    if (p) return p;
    const pkg = index.get(name);
    if (!pkg) return undefined;
    const sorted = pkg.releases
      .map((release) => ({ release, parsed: new semver.SemVer(release.version) }))
      .sort((a, b) => semver.rcompare(a.parsed, b.parsed));
    p = { pkg, sorted, masks: new Map() };
    prepared.set(name, p);
    return p;
  };

  // Worklist: a package is (re)chosen when its requirements change; when its choice changes, the
  // requirements it put on its dependencies are retracted and replaced. Only what a change touches
  // is recomputed, which keeps large graphs fast.
  const ROOT = '\u0000root';
  const requirements = new Map<string, Map<string, Requirement[]>>();
  const choices = new Map<string, IndexedRelease>();
  const needs = new Map<string, Need>();
  const dirty = new Set<string>();
  const require = (req: Requirement, from: string): void => {
    let byRequirer = requirements.get(req.name);
    if (!byRequirer) requirements.set(req.name, (byRequirer = new Map()));
    const list = byRequirer.get(from);
    if (list) list.push(req);
    else byRequirer.set(from, [req]);
    dirty.add(req.name);
  };
  for (const root of roots) require(root, ROOT);

  let steps = 0;
  while (dirty.size > 0) {
    // Each package may be re-chosen a bounded number of times; beyond that the constraints oscillate.
    if (++steps > 1000 + MAX_RECHOICES * requirements.size) {
      throw new ConflictError(
        `dependency resolution did not settle (requirements keep changing each other)`,
        { hint: 'pin the packages involved to exact versions' },
      );
    }
    const name = dirty.values().next().value as string;
    dirty.delete(name);
    const reqs = [...(requirements.get(name)?.values() ?? [])].flat();
    const previous = choices.get(name);
    let next: IndexedRelease | undefined;
    if (reqs.length > 0) {
      const p = prepare(name);
      if (!p) {
        needs.set(`p ${name}`, { kind: 'package', name, requiredBy: (reqs[0] as Requirement).requiredBy });
        continue;
      }
      next = choose(p, reqs, options);
    }
    if (next === previous) {
      if (next && next.dependencies === undefined)
        needs.set(`d ${name}`, { kind: 'dependencies', name, version: next.version });
      continue;
    }
    if (previous) {
      for (const dep of previous.dependencies ?? []) {
        if (requirements.get(dep.name)?.delete(name)) dirty.add(dep.name);
      }
      needs.delete(`d ${name}`);
    }
    if (!next) {
      choices.delete(name);
      continue;
    }
    choices.set(name, next);
    if (next.dependencies === undefined) {
      needs.set(`d ${name}`, { kind: 'dependencies', name, version: next.version });
      continue;
    }
    const requiredBy = `${name}@${next.version}`;
    for (const dep of next.dependencies) require({ ...dep, requiredBy }, name);
  }
  if (needs.size > 0) return { complete: false, needs: [...needs.values()] };

  checkCycles(roots, choices);
  // Report in breadth-first order from the roots, which is the order a deploy meets them.
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = roots.map((r) => r.name);
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i] as string;
    if (seen.has(name)) continue;
    seen.add(name);
    order.push(name);
    for (const dep of choices.get(name)?.dependencies ?? []) queue.push(dep.name);
  }
  const packages = new Map<string, ResolvedRelease>();
  for (const name of order) {
    const chosen = choices.get(name) as IndexedRelease;
    const by = [...(requirements.get(name)?.values() ?? [])].flat().map((r) => r.requiredBy);
    const resolved: ResolvedRelease = { name, version: chosen.version, requiredBy: [...new Set(by)] };
    if (chosen.digest) resolved.digest = chosen.digest;
    packages.set(name, resolved);
  }
  return { complete: true, packages, order };
}

/** Whether `release` meets one requirement. `channels` undefined means they were not fetched. */
function satisfies(
  p: Prepared,
  entry: { release: IndexedRelease; parsed: semver.SemVer },
  req: Requirement,
  options: ResolveOptions,
): boolean {
  if (req.digest) return entry.release.digest === req.digest;
  if (req.channel) {
    if (options.locked && p.pkg.channels === undefined) return true;
    const channel = p.pkg.channels?.[req.channel];
    return channel !== undefined && channel.releases.includes(entry.release.version);
  }
  if (req.version)
    return semver.satisfies(entry.parsed, rangeOf(req.version), {
      includePrerelease: options.includePrerelease === true,
    });
  return options.includePrerelease === true || entry.parsed.prerelease.length === 0;
}

const ranges = new Map<string, semver.Range>();
function rangeOf(text: string): semver.Range {
  let range = ranges.get(text);
  if (!range) {
    try {
      range = new semver.Range(text);
    } catch {
      throw new InputError(`version constraint ${JSON.stringify(text)} is not a semver range`, {
        hint: 'write e.g. 1.2.0, ^1.2.0 or ">=1.2.0 <2.0.0"',
      });
    }
    ranges.set(text, range);
  }
  return range;
}

/** Picks the release for a package given all its requirements, or explains why none fits. */
function constraintKey(req: Requirement): string {
  return req.digest
    ? `d${req.digest}`
    : req.channel
      ? `c${req.channel}`
      : req.version
        ? `v${req.version}`
        : '*';
}

/** The releases meeting one requirement, as a bit set over `p.sorted`; memoised per constraint. */
function maskOf(p: Prepared, req: Requirement, options: ResolveOptions): Uint32Array {
  const key = constraintKey(req);
  let mask = p.masks.get(key);
  if (!mask) {
    mask = new Uint32Array(Math.ceil(p.sorted.length / 32) || 1);
    for (let i = 0; i < p.sorted.length; i++) {
      if (satisfies(p, p.sorted[i] as Prepared['sorted'][number], req, options))
        (mask[i >>> 5] as number) |= 1 << (i & 31);
    }
    p.masks.set(key, mask);
  }
  return mask;
}

function choose(p: Prepared, reqs: readonly Requirement[], options: ResolveOptions): IndexedRelease {
  // Satisfaction is a property of (constraint, release) only, so the intersection of memoised bit
  // sets replaces re-evaluating semver ranges in every round.
  const all = new Uint32Array(Math.ceil(p.sorted.length / 32) || 1).fill(0xffffffff);
  const seen = new Set<string>();
  for (const r of reqs) {
    const key = constraintKey(r);
    if (seen.has(key)) continue;
    seen.add(key);
    const mask = maskOf(p, r, options);
    for (let w = 0; w < all.length; w++) (all[w] as number) &= mask[w] as number;
  }
  const bit = (i: number): boolean =>
    i >= 0 && i < p.sorted.length && (((all[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  const fits = (e: Prepared['sorted'][number]): boolean => bit(p.sorted.indexOf(e));
  const pin = options.pins?.get(p.pkg.name);
  if (pin) {
    const pinned = p.sorted.find((e) => e.release.version === pin.version);
    if (
      pinned &&
      fits(pinned) &&
      (!pin.digest || !pinned.release.digest || pinned.release.digest === pin.digest)
    )
      return pinned.release;
    if (options.locked) throw lockedMismatch(p, pin, pinned, reqs, options);
  } else if (options.locked) {
    throw new ConflictError(
      `--locked: ${p.pkg.name} is not in ${options.lockfile ?? 'the lockfile'} (required by ${reqs.map((r) => r.requiredBy).join(', ')})`,
      {
        hint: 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked',
      },
    );
  }
  // A channel alone means its current release, as kpm pulled `pkg:channel`.
  const onlyChannel = reqs.every((r) => r.channel && !r.version && !r.digest) ? reqs[0]?.channel : undefined;
  if (onlyChannel && reqs.every((r) => r.channel === onlyChannel)) {
    const current = p.pkg.channels?.[onlyChannel]?.current;
    const entry = p.sorted.find((e) => e.release.version === current);
    if (entry && fits(entry)) return entry.release;
  }
  for (let i = 0; i < p.sorted.length; i++)
    if (bit(i)) return (p.sorted[i] as Prepared['sorted'][number]).release;
  throw noneFits(p, reqs, options);
}

function lockedMismatch(
  p: Prepared,
  pin: { version: string; digest?: string },
  pinned: Prepared['sorted'][number] | undefined,
  reqs: readonly Requirement[],
  options: ResolveOptions,
): StackanetesError {
  const where = options.lockfile ?? 'the lockfile';
  const hint = 'run `stackanetes update` to re-resolve and rewrite the lockfile, or drop --locked';
  if (!pinned)
    return new ConflictError(
      `--locked: ${where} pins ${p.pkg.name}@${pin.version}, which the registry no longer has`,
      { hint },
    );
  if (pin.digest && pinned.release.digest && pinned.release.digest !== pin.digest) {
    return new ConflictError(
      `--locked: ${p.pkg.name}@${pin.version} now has digest ${pinned.release.digest}, but ${where} records ${pin.digest} (the release was re-pushed)`,
      { hint },
    );
  }
  const failing = reqs.filter((r) => !satisfies(p, pinned, r, options));
  return new ConflictError(
    `--locked: ${where} pins ${p.pkg.name}@${pin.version}, which does not satisfy ${failing.map((r) => `${describeConstraint(r)} (from ${r.requiredBy})`).join(', ')}`,
    { hint },
  );
}

function noneFits(p: Prepared, reqs: readonly Requirement[], options: ResolveOptions): StackanetesError {
  const available = p.sorted.map((e) => e.release.version);
  const listing = available.length > 0 ? available.join(', ') : 'none';
  const distinct = [...new Map(reqs.map((r) => [`${describeConstraint(r)} ${r.requiredBy}`, r])).values()];
  if (distinct.length > 1) {
    // Each requirement alone may fit; together they do not: a diamond with incompatible constraints.
    const alone = distinct.filter((r) => p.sorted.some((e) => satisfies(p, e, r, options)));
    if (alone.length === distinct.length) {
      return new ConflictError(
        `incompatible requirements on ${p.pkg.name}: ${distinct.map((r) => `${r.requiredBy} needs ${describeConstraint(r)}`).join(', ')}; no release satisfies all (available: ${listing})`,
        { hint: 'align the version constraints of the packages that depend on it' },
      );
    }
  }
  const req = distinct.find((r) => !p.sorted.some((e) => satisfies(p, e, r, options))) ?? distinct[0];
  const what = req ? describeConstraint(req) : '(highest stable)';
  const by = req ? ` (required by ${req.requiredBy})` : '';
  if (req?.channel && !p.pkg.channels?.[req.channel]) {
    const channels = Object.keys(p.pkg.channels ?? {});
    return new NotFoundError(
      `${p.pkg.name} has no channel ${JSON.stringify(req.channel)}${by}; channels: ${channels.length > 0 ? channels.join(', ') : 'none'}`,
    );
  }
  const pre =
    !options.includePrerelease && available.some((v) => semver.prerelease(v))
      ? ' (pre-releases are only chosen when the constraint names one)'
      : '';
  return new NotFoundError(`no release of ${p.pkg.name} satisfies ${what}${by}; available: ${listing}${pre}`);
}

/** Cycles make a deploy order impossible: report the first one found, as a path. */
function checkCycles(roots: readonly Requirement[], choices: ReadonlyMap<string, IndexedRelease>): void {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'active') {
      const path = [...stack.slice(stack.indexOf(name)), name].map(
        (n) => `${n}@${choices.get(n)?.version ?? '?'}`,
      );
      throw new InputError(`dependency cycle: ${path.join(' -> ')}`, {
        hint: 'remove one of these dependencies; a package cannot (indirectly) depend on itself',
      });
    }
    state.set(name, 'active');
    stack.push(name);
    for (const dep of choices.get(name)?.dependencies ?? []) visit(dep.name);
    stack.pop();
    state.set(name, 'done');
  };
  for (const root of roots) visit(root.name);
}
