/** Wording shared by messages and progress lines. */

/** `1 package`, `2 packages`, `0 objects`: a number with its noun in the right number. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
