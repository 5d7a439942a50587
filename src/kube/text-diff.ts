/**
 * A unified line diff (as `diff -u` prints it) of two YAML texts. Objects differ in a few lines,
 * so the common prefix and suffix are trimmed and only the middle goes through an LCS table.
 */

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

function lcsLines(a: readonly string[], b: readonly string[]): DiffLine[] {
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
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ op: ' ', text }));
  if (midA.length * midB.length > 4_000_000 || midA.length === 0 || midB.length === 0) {
    for (const text of midA) out.push({ op: '-', text });
    for (const text of midB) out.push({ op: '+', text });
  } else {
    const n = midA.length;
    const m = midB.length;
    const table = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] =
          midA[i] === midB[j]
            ? (table[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
            : Math.max(table[(i + 1) * (m + 1) + j] ?? 0, table[i * (m + 1) + j + 1] ?? 0);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (midA[i] === midB[j]) {
        out.push({ op: ' ', text: midA[i] as string });
        i++;
        j++;
      } else if ((table[(i + 1) * (m + 1) + j] ?? 0) >= (table[i * (m + 1) + j + 1] ?? 0)) {
        out.push({ op: '-', text: midA[i++] as string });
      } else {
        out.push({ op: '+', text: midB[j++] as string });
      }
    }
    while (i < n) out.push({ op: '-', text: midA[i++] as string });
    while (j < m) out.push({ op: '+', text: midB[j++] as string });
  }
  for (const text of a.slice(endA)) out.push({ op: ' ', text });
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.replace(/\n$/, '').split('\n');
}

/** Hunks of `diff -u` with `context` lines around each change; empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string[] {
  const lines = lcsLines(splitLines(before), splitLines(after));
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
