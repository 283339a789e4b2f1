import type { Clock } from '../../time/clock.js';
import { MemoryCache } from './memory-cache.js';
import type { CircuitBreakerOptions } from './options.js';

type Defaulted =
  | 'timeout'
  | 'resetTimeout'
  | 'errorThresholdPercentage'
  | 'rollingCountTimeout'
  | 'rollingCountBuckets'
  | 'rollingPercentilesEnabled'
  | 'capacity'
  | 'errorFilter'
  | 'cacheTTL'
  | 'cacheGetKey'
  | 'enableSnapshots'
  | 'coalesce'
  | 'coalesceTTL'
  | 'coalesceResetOn';

/** `breaker.options`: the caller's object with opossum's defaults written in. */
export type ResolvedCircuitBreakerOptions<TI extends unknown[]> = CircuitBreakerOptions<TI> &
  Required<Pick<CircuitBreakerOptions<TI>, Defaulted>> & { coalesceCache?: MemoryCache };

// Shared defaults: two closures per breaker would be a tenth of an idle breaker's heap.
/** The default `errorFilter` (filters nothing); the breaker skips calling it. */
export const NEVER_FILTERED = (): boolean => false;
const argumentsKey = (...args: unknown[]): string => JSON.stringify(args);

/**
 * Writes opossum's defaults into the caller's `options` object, as opossum does (code reads
 * `breaker.options.timeout` and friends back), creates the caches, and returns the same object.
 * @throws TypeError for a `cacheTransport` without `get`, `set` and `flush` (opossum's message)
 */
export function applyOpossumDefaults<TI extends unknown[]>(options: CircuitBreakerOptions<TI>, clock: Clock): ResolvedCircuitBreakerOptions<TI> {
  const o = options as ResolvedCircuitBreakerOptions<TI>;
  o.timeout = options.timeout ?? 10000;
  o.resetTimeout = options.resetTimeout ?? 30000;
  o.errorThresholdPercentage = options.errorThresholdPercentage ?? 50;
  o.rollingCountTimeout = options.rollingCountTimeout ?? 10000;
  o.rollingCountBuckets = options.rollingCountBuckets ?? 10;
  o.rollingPercentilesEnabled = options.rollingPercentilesEnabled !== false;
  o.capacity = Number.isInteger(options.capacity) ? (options.capacity as number) : Number.MAX_SAFE_INTEGER;
  o.errorFilter = options.errorFilter || NEVER_FILTERED;
  o.cacheTTL = options.cacheTTL ?? 0;
  o.cacheGetKey = options.cacheGetKey ?? (argumentsKey as (...args: TI) => string);
  o.enableSnapshots = options.enableSnapshots !== false;
  o.rotateBucketController = options.rotateBucketController;
  o.coalesce = !!options.coalesce;
  o.coalesceTTL = options.coalesceTTL ?? o.timeout;
  o.coalesceResetOn = options.coalesceResetOn?.filter((e) => e === 'error' || e === 'success' || e === 'timeout') || [];
  if (o.cache) {
    if (o.cacheTransport === undefined) {
      o.cacheTransport = new MemoryCache(options.cacheSize, clock);
    } else if (typeof o.cacheTransport !== 'object' || !o.cacheTransport.get || !o.cacheTransport.set || !o.cacheTransport.flush) {
      throw new TypeError('options.cacheTransport should be an object with `get`, `set` and `flush` methods');
    }
  }
  if (o.coalesce) o.coalesceCache = new MemoryCache(options.coalesceSize, clock);
  return o;
}
