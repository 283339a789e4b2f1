import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';

/**
 * Policies composed by {@link wrap}: `policies[0]` runs outermost. It is itself a `Policy`, so
 * compositions nest.
 */
export class WrappedPolicy<P extends readonly Policy[]> implements Policy {
  constructor(
    /** The composed policies, outermost first, with their exact types. */
    readonly policies: P,
  ) {}

  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const policies = this.policies;
    const last = policies.length - 1;
    // Each layer hands the next one the context it was given: the signal of an outer timeout
    // and the attempt number of an outer retry reach `fn`.
    const run = (index: number, context: ExecuteContext): PromiseLike<T> | T =>
      index > last
        ? fn(context)
        : policies[index].execute((inner) => run(index + 1, inner), { signal: context.signal, attempt: context.attempt });
    return policies[0].execute((context) => run(1, context), options);
  }

  /** The composed order, outermost first: `fallback(…) → retry(…) → circuitBreaker(…)`. */
  describe(): string {
    return this.policies.map((policy) => policy.describe()).join(' → ');
  }
}

/**
 * Composes policies so that `policies[0]` runs outermost: `wrap(a, b, c).execute(fn)` is
 * `a.execute(() => b.execute(() => c.execute(fn)))`, with the signal and attempt number passed
 * down to `fn`.
 *
 * Recommended order for outbound calls, outermost first, and why:
 * 1. **fallback**: sees every failure that is left, including the ones below it raised;
 * 2. **bulkhead**: limits concurrency per dependency, so retries below it never multiply load;
 * 3. **total timeout**: bounds everything below, retries and waits included;
 * 4. **retry** (with a retry budget): retries the whole attempt below;
 * 5. **circuit breaker**: sees every attempt, so it opens on the real failure rate, and an open
 *    breaker's `retryAfterMs` tells the retry above how long to wait;
 * 6. **rate limiter**: spends permits only on attempts that will really be made;
 * 7. **attempt timeout**: bounds a single attempt, which the breaker then counts as a failure;
 * 8. **fn**.
 *
 * @throws TypeError when no policy is given or one is not a policy
 * @example
 * const outbound = wrap(fallback({ value: [] }), bulkhead({ maxConcurrent: 10 }), retry({ maxAttempts: 3 }), breaker);
 * outbound.describe(); // 'fallback(value) → bulkhead(10, queue 0) → retry(maxAttempts=3, …) → circuitBreaker(…)'
 * const rows = await outbound.execute(({ signal }) => fetchRows({ signal }));
 */
export function wrap<P extends readonly [Policy, ...Policy[]]>(...policies: P): WrappedPolicy<P> {
  if (policies.length === 0) throw new TypeError('wrap: pass at least one policy');
  policies.forEach((policy, i) => {
    if (typeof policy !== 'object' || policy === null || typeof policy.execute !== 'function' || typeof policy.describe !== 'function') {
      throw new TypeError(`wrap: argument ${i + 1} is not a policy (an object with execute() and describe())`);
    }
  });
  return new WrappedPolicy(policies);
}
