import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';

/**
 * A circuit breaker's `capacity` (its limit on calls in flight) was reached. Same message and
 * `code` as opossum's; it counts as a failure, as in opossum.
 */
export class SemaphoreLockedError extends BulwarkError {
  readonly code = 'ESEMLOCKED' as const;
  constructor() {
    super('Semaphore locked');
  }
}
nameErrorClass(SemaphoreLockedError, OPOSSUM_BRAND);

/** True when `value` is a {@link SemaphoreLockedError} from any copy of Bulwark. */
export const isSemaphoreLockedError = errorGuard<SemaphoreLockedError>('ESEMLOCKED');
