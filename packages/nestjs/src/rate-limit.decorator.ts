import type { RegistryRateLimiterOptions } from '@bulwark/core';
import { policyDecorator } from './policy-decorator.js';

/** Options of {@link RateLimit}: the registry's rate limiter options, and the instance's `name`. */
export type RateLimitDecoratorOptions = RegistryRateLimiterOptions & {
  /** The registry name to share (default: `Class.method`). */
  readonly name?: string;
};

/**
 * Limits the rate of calls with the module registry's rate limiter of that name
 * (`policies.<name>.rateLimiter`, options here overriding it; without a name, `Class.method`).
 * The limit is the instance's, shared by every caller: it protects what the method calls, it is
 * not a per-client quota. A refused call answers HTTP 429 with `Retry-After`.
 *
 * @param nameOrOptions a registry name, or options with an optional `name` (default: none)
 * @throws TypeError when the argument is neither a non-empty name nor an options object
 * @example
 * @RateLimit({ mode: 'token-bucket', limit: 10, intervalMs: 1000 })
 * async geocode(address: string): Promise<Point> { … }
 */
export function RateLimit(nameOrOptions?: string | RateLimitDecoratorOptions): ClassDecorator & MethodDecorator {
  return policyDecorator('rateLimiter', '@RateLimit', nameOrOptions);
}
