/** `when:` conditions on resources and dependencies: a variable path, `!path` for its negation. */
import { InputError } from '../errors.js';
import { getPath } from './values.js';

/** Paths a condition reads (for lint's usage analysis). */
export function whenPath(condition: string): string[] {
  return condition.replace(/^!/, '').split('.');
}

/**
 * Evaluates a condition on merged variables. The path must exist (a typo would otherwise silently
 * drop a resource); its value is truthy unless false, null, 0, "" or an empty list.
 */
export function evaluateWhen(condition: string, variables: unknown, where: string): boolean {
  const negate = condition.startsWith('!');
  const { found, value } = getPath(variables, whenPath(condition));
  if (!found) {
    throw new InputError(
      `${where}: when: ${JSON.stringify(condition)} names no variable (${condition.replace(/^!/, '')} is not defined)`,
      {
        hint: 'fix the path or add a default for it under variables:',
      },
    );
  }
  const truthy = !(
    value === false ||
    value === null ||
    value === 0 ||
    value === '' ||
    (Array.isArray(value) && value.length === 0)
  );
  return negate ? !truthy : truthy;
}
