/**
 * Resource quantities as numbers, for the scheduler's fit checks (`100m` CPU, `512Mi` memory),
 * parsed as the client parses them. Malformed quantities count as zero: rejecting them is
 * validation's job, not the scheduler's.
 */
import { quantityValue } from '../../src/apply/normalize.js';

/** The value of a quantity (`"250m"` → 0.25, `"1Gi"` → 1073741824), 0 when malformed. */
export function quantity(value: unknown): number {
  return quantityValue(value) ?? 0;
}
