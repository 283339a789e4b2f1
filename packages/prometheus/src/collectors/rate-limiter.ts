import type { Collector, CollectorContext } from './collector.js';
import { instancesOf } from './collector.js';

/** Rate limiters: permits free now, and calls permitted and refused. All read at scrape time. */
export function rateLimiterCollector({ registry, metrics }: CollectorContext): Collector {
  const limiters = () => instancesOf(registry, 'rateLimiter');
  metrics.gauge({
    name: 'rate_limiter_available_permits',
    help: 'Permits a call made now would find free (0 while calls wait), computed from the clock at scrape time.',
    labelNames: ['name'],
    read(emit) {
      for (const [name, limiter] of limiters()) emit({ name }, limiter.availablePermits);
    },
  });
  metrics.counter({
    name: 'rate_limiter_permitted_calls_total',
    help: 'Calls that got a rate limiter permit, at once or after waiting.',
    labelNames: ['name'],
    read(emit) {
      for (const [name, limiter] of limiters()) emit({ name }, limiter.metrics().permitted);
    },
  });
  metrics.counter({
    name: 'rate_limiter_rejected_calls_total',
    help: 'Calls the rate limiter refused (RateLimitedError).',
    labelNames: ['name'],
    read(emit) {
      for (const [name, limiter] of limiters()) emit({ name }, limiter.metrics().rejected);
    },
  });
  return {};
}
