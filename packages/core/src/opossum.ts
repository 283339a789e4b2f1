/**
 * The opossum-compatible entry point: `import CircuitBreaker from '@bulwark/core/opossum'` (or
 * `require('@bulwark/core/opossum')` from CommonJS, through Node's require(esm)) in place of
 * `import CircuitBreaker from 'opossum'`.
 */
import { CircuitBreaker } from './policies/circuit-breaker/circuit-breaker.js';

export default CircuitBreaker;
export { CircuitBreaker };
export type {
  Bucket,
  CacheTransport,
  CircuitBreakerJSON,
  CircuitBreakerOptions as Options,
  CircuitBreakerState as State,
  Stats,
  StatusOptions,
} from './policies/circuit-breaker/index.js';
export { MemoryCache, Semaphore, Status } from './policies/circuit-breaker/index.js';
// What `require('@bulwark/core/opossum')` returns (Node's require(esm)): the class itself, as
// `require('opossum')` does, instead of the module namespace.
export { CircuitBreaker as 'module.exports' };
