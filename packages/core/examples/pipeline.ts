// examples/pipeline.ts
import { CircuitBreaker, bulkhead, exponentialBackoff, fallback, retry, retryBudget, timeout, wrap } from '@bulwark/core';

/** An outbound pipeline in the recommended order, outermost first. */
export function inventoryPipeline(fetchStock: (sku: string, signal: AbortSignal) => Promise<number>) {
  const breaker = new CircuitBreaker(fetchStock, { name: 'inventory', timeout: false });
  const pipeline = wrap(
    fallback({ value: 0 }), // unknown stock reads as none
    bulkhead({ maxConcurrent: 10, maxQueued: 20 }),
    timeout({ timeoutMs: 3000 }), // total, retries included
    retry({ maxAttempts: 3, backoff: exponentialBackoff({ initialDelayMs: 100 }), budget: retryBudget() }),
    breaker,
    timeout({ timeoutMs: 1000 }), // per attempt
  );
  const stock = (sku: string): Promise<number> => pipeline.execute(({ signal }) => fetchStock(sku, signal));
  return { stock, pipeline };
}
