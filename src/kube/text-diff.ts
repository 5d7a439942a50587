/**
 * A unified line diff (as `diff -u` prints it) of two YAML texts. The line alignment is jsdiff's
 * (Myers); only the hunk layout is ours, so `stackanetes diff` keeps its exact output format
 * (hunk headers, no "\ No newline" markers: both texts are whole YAML documents).
 */
import { diffArrays, type ChangeObject } from 'diff';

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/**
 * Beyond this many differing lines an alignment is no help to a reader (the object was
 * replaced) and Myers' cost grows with their square: the old lines are shown removed and the new
 * ones added, between the common ends.
 */
const MAX_EDITS = 1000;

/**
 * A floor under the number of differing lines: lines that occur on only one side (counted with
 * multiplicity) can never be aligned. It lets a replaced object skip the alignment at once.
 */
function unmatchedLines(a: readonly string[], b: readonly string[]): number {
  const counts = new Map<string, number>();
  for (const x of a) counts.set(x, (counts.get(x) ?? 0) + 1);
  let common = 0;
  for (const y of b) {
    const n = counts.get(y) ?? 0;
    if (n > 0) {
      common++;
      counts.set(y, n - 1);
    }
  }
  return a.length + b.length - 2 * common;
}

function alignLines(a: string[], b: string[]): DiffLine[] {
  // Objects differ in a few lines: the common ends are context and need no alignment.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const changes =
    midA.length > 0 &&
    midB.length > 0 &&
    (midA.length + midB.length <= MAX_EDITS || unmatchedLines(midA, midB) <= MAX_EDITS)
      ? diffArrays(midA, midB, { maxEditLength: MAX_EDITS })
      : undefined;
  const middle: DiffLine[] = changes
    ? alignedLines(changes)
    : [
        ...midA.map((text) => ({ op: '-' as const, text })),
        ...midB.map((text) => ({ op: '+' as const, text })),
      ];
  return [
    ...a.slice(0, start).map((text) => ({ op: ' ' as const, text })),
    ...middle,
    ...a.slice(endA).map((text) => ({ op: ' ' as const, text })),
  ];
}

/** jsdiff's changes as one line per entry. */
function alignedLines(changes: ChangeObject<string[]>[]): DiffLine[] {
  const out: DiffLine[] = [];
  for (const c of changes) {
    const op = c.added ? '+' : c.removed ? '-' : ' ';
    for (const text of c.value) out.push({ op, text });
  }
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** Hunks of `diff -u` with `context` lines around each change; empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string[] {
  const lines = alignLines(splitLines(before), splitLines(after));
  const changed = lines.map((l, i) => (l.op === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return [];
  const out: string[] = [];
  let index = 0;
  while (index < changed.length) {
    const first = changed[index] as number;
    let last = first;
    while (index + 1 < changed.length && (changed[index + 1] as number) - last <= context * 2 + 1) {
      last = changed[++index] as number;
    }
    index++;
    const from = Math.max(0, first - context);
    const to = Math.min(lines.length - 1, last + context);
    let oldStart = 1;
    let newStart = 1;
    for (let i = 0; i < from; i++) {
      if (lines[i]?.op !== '+') oldStart++;
      if (lines[i]?.op !== '-') newStart++;
    }
    const hunk = lines.slice(from, to + 1);
    const oldCount = hunk.filter((l) => l.op !== '+').length;
    const newCount = hunk.filter((l) => l.op !== '-').length;
    out.push(
      `@@ -${oldCount ? oldStart : oldStart - 1},${oldCount} +${newCount ? newStart : newStart - 1},${newCount} @@`,
    );
    for (const l of hunk) out.push(`${l.op}${l.text}`);
  }
  return out;
}
