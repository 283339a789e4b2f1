import { CircuitBreaker } from '../../policies/circuit-breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../../policies/circuit-breaker/options.js';
import type { Policy } from '../../policies/policy.js';
import { timeout } from '../../policies/timeout.js';
import { wrap } from '../../policies/wrap.js';
import type { Clock } from '../../time/clock.js';

/**
 * The breaker defaults for a cache node: open after 5 failures in a row (a cache sees steady
 * traffic, so a run of failures is the clearest sign of a dead node), try again after 10 s. No
 * breaker timeout: the per-node timeout policy inside the breaker bounds each call.
 */
const defaults: CircuitBreakerOptions = { timeout: false, resetTimeout: 10_000, slidingWindow: { kind: 'consecutive', failures: 5 } };
export const CACHE_BREAKER_DEFAULTS: Readonly<CircuitBreakerOptions> = Object.freeze(defaults);

/** A node's protection: its breaker (for state and metrics) and the composed policy calls go through. */
export interface NodePolicy {
  readonly breaker: CircuitBreaker;
  readonly policy: Policy;
}

/**
 * `wrap(breaker, timeout)`: the breaker outside, so a timed-out call counts as a failure, and
 * the timeout aggressive, so a node that never answers (a Redis client queueing commands while
 * disconnected) costs the caller `timeoutMs` and no more.
 */
export function nodePolicy(id: string, options: { readonly clock: Clock; readonly timeoutMs: number; readonly breaker: CircuitBreakerOptions | undefined }): NodePolicy {
  const breaker = new CircuitBreaker(() => undefined, {
    ...CACHE_BREAKER_DEFAULTS,
    ...options.breaker,
    name: options.breaker?.name ?? `cache:${id}`,
    clock: options.clock,
  });
  const limit = timeout({ timeoutMs: options.timeoutMs, strategy: 'aggressive', clock: options.clock });
  return { breaker, policy: wrap(breaker, limit) };
}
