/**
 * Resource quantities as numbers, for the scheduler's fit checks (`100m` CPU, `512Mi` memory),
 * read with the server's own parser rather than the client's: the simulator stands in for the
 * API server, so it must not share code with the client it checks. Malformed quantities count as
 * zero: rejecting them is validation's job, not the scheduler's.
 */
import { parseQuantity } from './quantity-canonical.js';

/** The value of a quantity (`"250m"` → 0.25, `"1Gi"` → 1073741824), 0 when malformed. */
export function quantity(value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number') return 0;
  const parsed = parseQuantity(typeof value === 'string' ? value.trim() : value);
  return parsed === undefined ? 0 : Number(parsed.nanos) / 1e9;
}
