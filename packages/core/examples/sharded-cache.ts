// examples/sharded-cache.ts
import { MemoryCacheNode, createShardedCache } from '@bulwark/core';
import type { CacheNode, Clock } from '@bulwark/core';

export interface Product {
  sku: string;
  price: number;
}

/** Products cached over three nodes: one database load per key at a time, the database itself while a node is down. */
export function productCache(loadProduct: (sku: string) => Promise<Product>, clock?: Clock, nodes?: Record<string, CacheNode>) {
  const cache = createShardedCache<Product>({
    nodes: nodes ?? { a: new MemoryCacheNode({ clock }), b: new MemoryCacheNode({ clock }), c: new MemoryCacheNode({ clock }) },
    clock,
    ttlMs: 60_000, // entries live a minute
    timeoutMs: 100, // a node slower than this counts as a failure; 5 in a row open its breaker
  });
  return {
    cache,
    product: (sku: string) => cache.getOrLoad(`product:${sku}`, () => loadProduct(sku)),
    /** Call after writing the database: the next read loads the new row. */
    changed: (sku: string) => cache.delete(`product:${sku}`),
  };
}
