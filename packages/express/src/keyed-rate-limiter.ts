import { RateLimiterPolicy, rateLimiter, systemClock } from '@bulwark/core';
import type { ExecuteContext, ExecuteOptions, RateLimiterMetrics, RateLimiterOptions } from '@bulwark/core';
import { LruMap } from './lru-map.js';

/**
 * One rate limiter per client key, the most recently seen `maxKeys` of them (an LRU): a key
 * forgotten to make room starts again with a full quota when it comes back, so `maxKeys` should
 * exceed the clients active within one refill period.
 *
 * It is itself a `RateLimiterPolicy` so that it joins the registry as one instance and shows on
 * `/metrics` under one name, whatever the number of clients: `metrics()` sums the counters of
 * every key (those forgotten included), `queueLength` the calls waiting under every key, and
 * `availablePermits` is what a client not seen yet would find. Calls go through
 * `forKey(key).execute(fn)`; `execute` on the whole rejects with a `TypeError`.
 */
export class KeyedRateLimiter extends RateLimiterPolicy {
  /** The most keys remembered. */
  readonly maxKeys: number;
  private readonly limiterOptions: RateLimiterOptions;
  private readonly limiters: LruMap<string, RateLimiterPolicy>;
  private readonly summary: string;
  private retired = { permitted: 0, rejected: 0, queued: 0 };

  /**
   * @param options the options of each key's limiter (validated here, as `rateLimiter` does)
   * @param maxKeys the most keys remembered (a positive integer, checked by the caller)
   * @throws TypeError or RangeError for a bad limiter option
   */
  constructor(options: RateLimiterOptions, maxKeys: number) {
    const template = rateLimiter(options); // validates, with rateLimiter's messages
    super(options, options.maxWaitMs ?? 0, options.clock ?? systemClock);
    this.limiterOptions = options;
    this.maxKeys = maxKeys;
    this.summary = `${template.describe()} per key (maxKeys=${maxKeys})`;
    this.limiters = new LruMap(maxKeys, (_key, limiter) => {
      const m = limiter.metrics();
      this.retired = { permitted: this.retired.permitted + m.permitted, rejected: this.retired.rejected + m.rejected, queued: this.retired.queued + m.queued };
    });
  }

  /** How many keys are remembered now. */
  get keyCount(): number {
    return this.limiters.size;
  }

  /** The limiter of `key`, created with a full quota on first use (or after being forgotten). */
  forKey(key: string): RateLimiterPolicy {
    let limiter = this.limiters.get(key);
    if (limiter === undefined) {
      limiter = rateLimiter(this.limiterOptions);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Always rejects: a keyed limiter has no quota of its own. Use `forKey(key).execute(fn)`. */
  override execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    void fn; // never called
    void options;
    return Promise.reject(new TypeError(`${this.summary}: call forKey(key).execute(fn); the keyed limiter has no quota of its own`));
  }

  /** The counters of every key, summed (keys forgotten included). */
  override metrics(): RateLimiterMetrics {
    const total = { ...this.retired };
    for (const limiter of this.limiters.values()) {
      const m = limiter.metrics();
      total.permitted += m.permitted;
      total.rejected += m.rejected;
      total.queued += m.queued;
    }
    return total;
  }

  /** Calls waiting for a permit now, under every key. */
  override get queueLength(): number {
    let waiting = 0;
    for (const limiter of this.limiters.values()) waiting += limiter.queueLength;
    return waiting;
  }

  /** For example `rateLimiter(token-bucket, 10/1000ms, burst=10, maxWaitMs=0) per key (maxKeys=10000)`. */
  override describe(): string {
    return this.summary;
  }
}
