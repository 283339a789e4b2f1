// examples/composed.ts
import { CircuitBreaker, isCircuitOpenError, isTimeoutError } from '@bulwark/core';
import type { Clock } from '@bulwark/core';

type FetchPrice = (sku: string, signal?: AbortSignal) => Promise<number>;

/** Prices with a per-call signal, a 2 s limit, and the last known price while the service is down. */
export function priceClient(fetchPrice: FetchPrice, clock?: Clock, log = console.log) {
  const lastKnown = new Map<string, number>();
  const breaker = new CircuitBreaker(fetchPrice, {
    name: 'prices',
    timeout: 2000, // aborts the call's signal too
    resetTimeout: 10_000,
    slidingWindow: { kind: 'count', size: 20 }, // judge the last 20 calls
    volumeThreshold: 5,
    clock, // tests pass a ManualClock
  });
  breaker.on('open', () => log('prices: open'));
  breaker.on('halfOpen', (waitedMs) => log(`prices: trying again after ${waitedMs} ms`));
  breaker.on('close', () => log('prices: closed'));

  async function price(sku: string, signal?: AbortSignal): Promise<number | undefined> {
    try {
      const value = await breaker.execute((call) => fetchPrice(sku, call.signal), { signal });
      lastKnown.set(sku, value);
      return value;
    } catch (error) {
      if (isCircuitOpenError(error) || isTimeoutError(error)) return lastKnown.get(sku); // the fallback
      throw error; // the service's own errors, and the caller's abort reason
    }
  }
  return { price, breaker };
}
