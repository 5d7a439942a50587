/**
 * Resolution speed on a synthetic graph: 1,000 packages × 20 releases, every release depending on
 * up to three later packages through caret and bounded ranges, all reached from one meta-package.
 * Compared with a naive peer in the same run (semver.maxSatisfying per requirement, no graph
 * consistency), so the figure reads as "what consistency costs". Run: `node dist/bench/resolve.js`.
 */
import semver from 'semver';
import { resolveGraph, type IndexedPackage, type Requirement } from '../src/resolve/resolve.js';
import { median } from './stats.js';

const PACKAGES = 1000;
const RELEASES = 20;
const RUNS = 15;

/** Deterministic PRNG (mulberry32) so every run builds the same graph. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function buildIndex(): Map<string, IndexedPackage> {
  const rnd = random(42);
  const name = (i: number): string => `bench/pkg-${String(i).padStart(4, '0')}`;
  const index = new Map<string, IndexedPackage>();
  for (let i = 0; i < PACKAGES; i++) {
    const releases = [];
    for (let r = 0; r < RELEASES; r++) {
      const version = `${1 + Math.floor(r / 10)}.${r % 10}.0`;
      const dependencies = [];
      for (let d = 0; d < 3 && i + 1 < PACKAGES; d++) {
        const target = i + 1 + Math.floor(rnd() * Math.min(50, PACKAGES - i - 1));
        const min = Math.floor(rnd() * 6);
        dependencies.push({
          name: name(target),
          version: rnd() < 0.5 ? `^1.${min}.0` : `>=1.${min}.0 <1.8.0`,
        });
      }
      releases.push({
        version,
        digest: `sha256:${(i * RELEASES + r).toString(16).padStart(64, '0')}`,
        dependencies,
      });
    }
    index.set(name(i), { name: name(i), releases });
  }
  const rootDeps = Array.from({ length: PACKAGES }, (_, i) => ({ name: name(i), version: '^1.0.0' }));
  index.set('bench/meta', { name: 'bench/meta', releases: [{ version: '1.0.0', dependencies: rootDeps }] });
  return index;
}

/** The naive peer: highest match per requirement, visiting each package once, no re-checks. */
function naive(index: Map<string, IndexedPackage>, root: string): number {
  const chosen = new Map<string, string>();
  const queue: { name: string; version?: string }[] = [{ name: root }];
  for (let i = 0; i < queue.length; i++) {
    const req = queue[i] as { name: string; version?: string };
    if (chosen.has(req.name)) continue;
    const pkg = index.get(req.name) as IndexedPackage;
    const version = semver.maxSatisfying(
      pkg.releases.map((r) => r.version),
      req.version ?? '*',
    ) as string;
    chosen.set(req.name, version);
    for (const dep of pkg.releases.find((r) => r.version === version)?.dependencies ?? []) queue.push(dep);
  }
  return chosen.size;
}

const index = buildIndex();
const roots: Requirement[] = [{ name: 'bench/meta', requiredBy: 'bench' }];
const ours: number[] = [];
const peer: number[] = [];
let resolvedCount = 0;
for (let run = 0; run < RUNS; run++) {
  let start = performance.now();
  const result = resolveGraph(roots, index);
  ours.push(performance.now() - start);
  if (!result.complete) throw new Error('synthetic index is complete; resolution asked for more');
  resolvedCount = result.packages.size;
  start = performance.now();
  naive(index, 'bench/meta');
  peer.push(performance.now() - start);
}
const ourMedian = median(ours);
const peerMedian = median(peer);
console.log(
  `resolve: ${PACKAGES} packages x ${RELEASES} releases (${resolvedCount} resolved, ranges, diamonds)`,
);
console.log(
  `  stackanetes resolveGraph  median ${ourMedian.toFixed(1)} ms  (first run ${ours[0]?.toFixed(1)} ms, ${RUNS} runs)`,
);
console.log(`  naive maxSatisfying peer  median ${peerMedian.toFixed(1)} ms`);
console.log(
  `  ratio ours/peer           ${(ourMedian / peerMedian).toFixed(2)}x  (target: well under 200 ms)`,
);
