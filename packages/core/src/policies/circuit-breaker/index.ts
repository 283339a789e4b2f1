export { CircuitBreaker, circuitBreakerEvents } from './circuit-breaker.js';
export type { CircuitBreakerEventMap, CircuitBreakerEventName, CircuitBreakerMetrics, CircuitState, Isolation, ResolvedCircuitBreakerOptions } from './circuit-breaker.js';
export type { CircuitBreakerJSON, CircuitBreakerOptions, CircuitBreakerState, OpenBackoff, SlidingWindow } from './options.js';
export { Status } from './status.js';
export type { Bucket, CounterName, Stats, StatusOptions } from './status.js';
export { MemoryCache } from './memory-cache.js';
export type { CacheTransport } from './memory-cache.js';
export { Semaphore } from './semaphore.js';
