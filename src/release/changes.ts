/**
 * What one revision changed against the one before it, in a few words for `history`: packages
 * added, removed or moved to another version, and the parameter keys whose values differ (never
 * the values: they hold passwords). Without it every revision of a release read the same.
 */
import { canonicalJson } from '../util/stable-json.js';
import type { ReleaseRecord } from './types.js';

const shortName = (name: string): string => name.slice(name.indexOf('/') + 1);

/** Leaf paths of a parameter tree with their canonical values. */
function leaves(value: unknown, prefix: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) leaves(child, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, canonicalJson(value));
  return out;
}

function listed(items: readonly string[], max = 4): string {
  return items.length > max
    ? `${items.slice(0, max).join(', ')} and ${items.length - max} more`
    : items.join(', ');
}

/**
 * "keystone 0.3.0→0.3.1; set memcached.memory_mb", "first revision (13 packages)", "same as
 * revision 2", against the revision before (`earlier` is the history up to it, oldest first).
 */
export function describeChanges(record: ReleaseRecord, earlier: readonly ReleaseRecord[]): string {
  const previous = earlier[earlier.length - 1];
  if (!previous)
    return `first revision (${record.packages.length} package${record.packages.length === 1 ? '' : 's'})`;
  const parts: string[] = [];
  const before = new Map(previous.packages.map((p) => [p.name, p]));
  const after = new Map(record.packages.map((p) => [p.name, p]));
  const added = record.packages
    .filter((p) => !before.has(p.name))
    .map((p) => `+${shortName(p.name)}@${p.version}`);
  const removed = previous.packages.filter((p) => !after.has(p.name)).map((p) => `-${shortName(p.name)}`);
  const moved = record.packages
    .filter((p) => before.has(p.name) && before.get(p.name)?.version !== p.version)
    .map((p) => `${shortName(p.name)} ${before.get(p.name)?.version ?? '?'}→${p.version}`);
  const packages = [...moved, ...added, ...removed];
  if (packages.length > 0) parts.push(listed(packages));
  const keys = new Set<string>();
  for (const name of new Set([
    ...Object.keys(previous.parameters ?? {}),
    ...Object.keys(record.parameters ?? {}),
  ])) {
    const a = leaves(previous.parameters?.[name], '', new Map());
    const b = leaves(record.parameters?.[name], '', new Map());
    for (const key of new Set([...a.keys(), ...b.keys()]))
      // By key alone: a parameter set at the root reaches every package, and is one change.
      if (a.get(key) !== b.get(key)) keys.add(key || shortName(name));
  }
  if (keys.size > 0) parts.push(`set ${listed([...keys].sort())}`);
  const same = [...earlier].reverse().find((r) => r.manifestDigest === record.manifestDigest);
  if (parts.length === 0 && !same) parts.push('templates changed');
  if (same) parts.push(`same as revision ${same.revision}`);
  return parts.join('; ');
}
