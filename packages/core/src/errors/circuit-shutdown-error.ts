import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';

/** A call reached a circuit breaker after `shutdown()`. Same message and `code` as opossum's. */
export class CircuitShutdownError extends BulwarkError {
  readonly code = 'ESHUTDOWN' as const;
  constructor() {
    super('The circuit has been shutdown.');
  }
}
nameErrorClass(CircuitShutdownError, OPOSSUM_BRAND);

/** True when `value` is a {@link CircuitShutdownError} from any copy of Bulwark. */
export const isCircuitShutdownError = errorGuard<CircuitShutdownError>('ESHUTDOWN');
