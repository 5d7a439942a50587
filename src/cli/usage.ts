/**
 * commander's usage errors, reshaped into our one-line form: the problem, then the fix. commander
 * prints its suggestion on a second line and names allowed choices in prose; a log scraper or
 * `2>&1 | tail -1` would lose one or the other.
 */
export function usageErrorLine(message: string, helpCommand: string): string {
  const lines = message
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  let problem = (lines[0] ?? 'invalid usage').replace(/^error:\s*/, '');
  if (/; fix: /.test(problem)) return `error: ${problem}`;
  const suggestion = lines
    .slice(1)
    .join(' ')
    .match(/^\(Did you mean (.+)\?\)$/);
  let fix = `see ${helpCommand}`;
  const choices = problem.match(/^(.*?)\.? Allowed choices are (.+?)\.?$/);
  if (choices) {
    problem = choices[1] as string;
    fix = `use one of ${choices[2]}`;
  } else if (suggestion) {
    fix = `did you mean ${suggestion[1]}? (${helpCommand} lists them)`;
  }
  return `error: ${problem}; fix: ${fix}`;
}
