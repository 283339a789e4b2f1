// examples/pipeline.ts
import { CircuitBreaker, bulkhead, exponentialBackoff, fallback, retry, retryBudget, timeout, wrap } from '@bulwark/core';
import type { Clock } from '@bulwark/core';

/** An outbound pipeline in the recommended order, outermost first. */
export function inventoryPipeline(fetchStock: (sku: string, signal: AbortSignal) => Promise<number>, clock?: Clock) {
  const breaker = new CircuitBreaker(fetchStock, { name: 'inventory', timeout: false, clock });
  const pipeline = wrap(
    fallback({ value: 0 }), // unknown stock reads as none
    bulkhead({ maxConcurrent: 10, maxQueued: 20, clock }),
    timeout({ timeoutMs: 3000, clock }), // total, retries included
    retry({ maxAttempts: 3, backoff: exponentialBackoff({ initialDelayMs: 100 }), budget: retryBudget({ clock }), clock }),
    breaker,
    timeout({ timeoutMs: 1000, clock }), // per attempt
  );
  const stock = (sku: string): Promise<number> => pipeline.execute(({ signal }) => fetchStock(sku, signal));
  return { stock, pipeline };
}
