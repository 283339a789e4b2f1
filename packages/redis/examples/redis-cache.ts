// examples/redis-cache.ts
import { createShardedCache } from '@bulwark/core';
import type { Clock } from '@bulwark/core';
import { createRedisNode } from '@bulwark/redis';
import { createClient } from 'redis';

/** A cache sharded over Redis servers (id → URL); `close()` waits for its writes, then disconnects. */
export async function redisCache<V>(servers: Record<string, string>, options: { ttlMs?: number; clock?: Clock } = {}) {
  const clients = Object.entries(servers).map(([id, url]) => {
    // Fail at once while disconnected (the cache reads it as a miss) and keep reconnecting.
    const client = createClient({ url, disableOfflineQueue: true });
    client.on('error', (error: Error) => console.warn(`cache ${id}: ${error.message}`));
    return [id, client] as const;
  });
  await Promise.all(clients.map(([, client]) => client.connect()));
  const cache = createShardedCache<V>({
    nodes: Object.fromEntries(clients.map(([id, client]) => [id, createRedisNode({ client, prefix: 'cache:' })])),
    ttlMs: options.ttlMs ?? 300_000,
    clock: options.clock,
  });
  const close = async (): Promise<void> => {
    await cache.close();
    await Promise.all(clients.map(([, client]) => client.close()));
  };
  return { cache, close };
}
