// examples/catalog-client.ts
import { createFetch } from '@bulwark/fetch';
import type { CreateFetchOptions } from '@bulwark/fetch';

export interface Product {
  sku: string;
  price: number;
}

/** A catalog API client: GETs are retried (Retry-After honoured), each origin has a breaker and a bulkhead. */
export function catalogClient(baseUrl: string, options: CreateFetchOptions = {}) {
  const api = createFetch({
    retry: { maxAttempts: 3 }, // idempotent requests only, on network errors, 408, 429, 500, 502-504
    attemptTimeoutMs: 2_000, // each try
    timeoutMs: 5_000, // the whole call, retries included
    bulkhead: { maxConcurrent: 10 }, // per origin, beside the default breaker
    ...options, // tests pass a clock and a registry
  });
  return async function product(sku: string, signal?: AbortSignal): Promise<Product> {
    const response = await api(new URL(`/products/${encodeURIComponent(sku)}`, baseUrl), { signal });
    if (!response.ok) throw new Error(`catalog answered ${response.status} for ${sku}`); // after the retries
    return (await response.json()) as Product;
  };
}
