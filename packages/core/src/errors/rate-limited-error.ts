import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';

/**
 * A rate limiter refused a call: no permit was free, and none would be within the limiter's
 * `maxWaitMs`. `retryAfterMs` says when one will be (what an HTTP adapter puts in `Retry-After`).
 */
export class RateLimitedError extends BulwarkError {
  readonly code = 'ERATELIMITED' as const;
  /**
   * @param retryAfterMs milliseconds from the rejection until a permit is available to a new
   *   call, rounded up to a whole millisecond (a retry after this long finds one, unless other
   *   calls take it first)
   */
  constructor(readonly retryAfterMs: number) {
    super(`Rate limit exceeded; a permit is available in ${retryAfterMs}ms`);
  }
}
nameErrorClass(RateLimitedError);

/** True when `value` is a {@link RateLimitedError} from any copy of Bulwark. */
export const isRateLimitedError = errorGuard<RateLimitedError>('ERATELIMITED');
