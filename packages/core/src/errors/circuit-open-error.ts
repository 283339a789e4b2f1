import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';

/**
 * A circuit breaker refused a call because it is open (or half-open with every trial call
 * already admitted). Same message and `code` as opossum's.
 */
export class CircuitOpenError extends BulwarkError {
  readonly code = 'EOPENBREAKER' as const;
  /**
   * @param retryAfterMs how long until the breaker lets a trial call through, when known
   * @param breakerName the breaker's name, when known
   */
  constructor(
    readonly retryAfterMs?: number,
    readonly breakerName?: string,
  ) {
    super('Breaker is open');
  }
}
nameErrorClass(CircuitOpenError, OPOSSUM_BRAND);

/** True when `value` is a {@link CircuitOpenError} from any copy of Bulwark. */
export const isCircuitOpenError = errorGuard<CircuitOpenError>('EOPENBREAKER');
