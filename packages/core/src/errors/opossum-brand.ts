/**
 * The mark that `CircuitBreaker.isOurError()` looks for: set on the prototypes of the errors a
 * circuit breaker raises itself (open, timeout, semaphore locked, shutdown), as opossum marks its
 * own. `Symbol.for` so that it survives two copies of the package.
 */
export const OPOSSUM_BRAND: unique symbol = Symbol.for('@bulwark/core/circuit-breaker-error') as never;
