// examples/registry.ts
import { createRegistry, exponentialBackoff } from '@bulwark/core';
import type { Clock } from '@bulwark/core';

type Charge = (orderId: string, signal: AbortSignal) => Promise<string>;

/** Named policies, configured once: every call site that says 'payments' shares these instances. */
export function paymentsClient(charge: Charge, clock?: Clock) {
  const registry = createRegistry({
    clock, // tests pass a ManualClock
    budgets: { outbound: { ratio: 0.2 } }, // retries stay under 20% of calls, across every name
    defaults: {
      // maxElapsedMs: give up at once rather than wait out an open breaker's retryAfterMs
      retry: { maxAttempts: 3, backoff: exponentialBackoff({ initialDelayMs: 100 }), maxElapsedMs: 2000, budget: 'outbound' },
      breaker: { timeout: false, slidingWindow: { kind: 'count', size: 20 }, volumeThreshold: 5 },
    },
    policies: {
      payments: {
        fallback: { value: 'queued' }, // charge later rather than fail the order
        bulkhead: { maxConcurrent: 10, maxQueued: 20 },
        timeout: { timeoutMs: 3000 }, // total, retries included
        retry: {}, // the defaults
        breaker: { resetTimeout: 10_000 },
        attemptTimeout: { timeoutMs: 1000 },
      },
    },
  });
  const payments = registry.pipeline('payments'); // composed in the recommended order
  return { registry, charge: (orderId: string) => payments.execute(({ signal }) => charge(orderId, signal)) };
}
