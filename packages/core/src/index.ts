export type { Clock, TimerHandle } from './time/clock.js';
export { systemClock } from './time/clock.js';
export type { Random } from './time/random.js';
export { systemRandom } from './time/random.js';

export { BulwarkError, isBulwarkError } from './errors/bulwark-error.js';
export { CircuitOpenError, isCircuitOpenError } from './errors/circuit-open-error.js';
export { CircuitShutdownError, isCircuitShutdownError } from './errors/circuit-shutdown-error.js';
export { SemaphoreLockedError, isSemaphoreLockedError } from './errors/semaphore-locked-error.js';
export { TimeoutError, isTimeoutError } from './errors/timeout-error.js';

export type { ExecuteContext, ExecuteOptions, Policy } from './policies/policy.js';

export { CircuitBreaker, MemoryCache, Semaphore, Status, circuitBreakerEvents } from './policies/circuit-breaker/index.js';
export type {
  Bucket,
  CacheTransport,
  CircuitBreakerEventMap,
  CircuitBreakerEventName,
  CircuitBreakerJSON,
  CircuitBreakerMetrics,
  CircuitBreakerOptions,
  CircuitBreakerState,
  CircuitState,
  CounterName,
  Isolation,
  OpenBackoff,
  ResolvedCircuitBreakerOptions,
  SlidingWindow,
  Stats,
  StatusOptions,
} from './policies/circuit-breaker/index.js';
