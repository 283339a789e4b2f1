import { createShardedCache } from '@bulwark/core';
import type { NodeErrorEvent } from '@bulwark/core';
import { ManualClock, flushPromises } from '@bulwark/core/testing';
import { createClient } from 'redis';
import { createRedisNode } from '../src/index.js';
import { startRedisServer } from './support/redis-server.js';
import type { RedisServer } from './support/redis-server.js';

type Client = ReturnType<typeof createClient>;

interface Backend {
  server: RedisServer;
  client: Client;
}

async function backend(): Promise<Backend> {
  const server = await startRedisServer();
  // No offline queue: while the server is gone, commands fail at once instead of waiting.
  const client = createClient({ url: server.url, disableOfflineQueue: true, socket: { reconnectStrategy: 50 } });
  client.on('error', () => undefined);
  await client.connect();
  return { server, client };
}

async function release({ server, client }: Backend): Promise<void> {
  client.destroy();
  await server.stop();
}

const keys = Array.from({ length: 60 }, (_, i) => `user:${i}`);

describe('a sharded cache over real redis-server processes', () => {
  const backends: Backend[] = [];
  afterEach(async () => {
    await Promise.all(backends.splice(0).map(release));
  });

  it('loads each key once, serves it from its Redis after, and keeps the TTL', async () => {
    backends.push(await backend(), await backend());
    const [a, b] = backends;
    const cache = createShardedCache<{ id: string }>({
      nodes: { a: createRedisNode({ client: a.client, prefix: 'c:' }), b: createRedisNode({ client: b.client, prefix: 'c:' }) },
      ttlMs: 60_000,
    });
    let loads = 0;
    const loader = async (key: string) => (loads++, { id: key });
    await Promise.all(keys.map((key) => Promise.all([cache.getOrLoad(key, loader), cache.getOrLoad(key, loader)])));
    expect(loads).toBe(keys.length);
    await cache.close();
    const onA = (await a.client.keys('c:*')).length;
    const onB = (await b.client.keys('c:*')).length;
    expect(onA + onB).toBe(keys.length);
    expect(Math.min(onA, onB)).toBeGreaterThan(10);
    for (const key of keys) await expect(cache.nodeFor(key) === 'a' ? a.client.pTTL(`c:${key}`) : b.client.pTTL(`c:${key}`)).resolves.toBeGreaterThan(55_000);
    const again = createShardedCache<{ id: string }>({
      nodes: { a: createRedisNode({ client: a.client, prefix: 'c:' }), b: createRedisNode({ client: b.client, prefix: 'c:' }) },
    });
    for (const key of keys) await expect(again.getOrLoad(key, loader)).resolves.toEqual({ id: key });
    expect(loads).toBe(keys.length); // another client of the same nodes finds them all
    await again.close();
  });

  it('moves entries with their TTL when a Redis joins and when one leaves', async () => {
    backends.push(await backend(), await backend(), await backend());
    const [a, b, c] = backends;
    const node = (x: Backend) => createRedisNode({ client: x.client, prefix: 'c:' });
    const cache = createShardedCache<string>({ nodes: { a: node(a), b: node(b) }, ttlMs: 60_000 });
    for (const key of keys) await cache.set(key, `v-${key}`);
    const joined = await cache.addNode('c', node(c));
    const onC = await c.client.keys('c:*');
    expect(joined).toMatchObject({ scanned: keys.length, moved: onC.length, failed: 0, unswept: [] });
    expect(onC.length).toBeGreaterThan(5);
    for (const key of onC) await expect(c.client.pTTL(key)).resolves.toBeGreaterThan(50_000);
    const left = await cache.removeNode('a');
    expect(left).toMatchObject({ failed: 0, unswept: [] });
    await expect(a.client.keys('c:*')).resolves.toEqual([]);
    for (const key of keys) await expect(cache.get(key)).resolves.toBe(`v-${key}`);
    await cache.close();
  });

  it('degrades to the loader when a Redis dies mid-run, opens its breaker, and recovers when it is back', async () => {
    backends.push(await backend(), await backend());
    const [a, b] = backends;
    const clock = new ManualClock(Date.now());
    const errors: NodeErrorEvent[] = [];
    const cache = createShardedCache<string>({
      nodes: { a: createRedisNode({ client: a.client }), b: createRedisNode({ client: b.client }) },
      clock,
      timeoutMs: 5000,
    });
    cache.onNodeError((event) => errors.push(event));
    let loads = 0;
    const loader = async (key: string) => (loads++, `db-${key}`);
    for (const key of keys) await cache.getOrLoad(key, loader);
    await flushPromises();
    expect(loads).toBe(keys.length);

    const port = a.server.port;
    await a.server.kill(); // SIGKILL mid-run
    const onA = keys.filter((key) => cache.nodeFor(key) === 'a');
    const onB = keys.filter((key) => cache.nodeFor(key) === 'b');
    loads = 0;
    // Every read still answers: from b's cache, or from the loader for a's keys.
    for (const key of keys) await expect(cache.getOrLoad(key, loader)).resolves.toBe(`db-${key}`);
    await flushPromises();
    expect(loads).toBe(onA.length);
    expect(cache.breaker('a')?.opened).toBe(true);
    expect(cache.breaker('b')?.closed).toBe(true);
    expect(errors.some((e) => e.node === 'a')).toBe(true);
    expect(errors.every((e) => e.node === 'a')).toBe(true);
    expect(cache.metrics().degraded).toBeGreaterThanOrEqual(5);

    // The server comes back (empty) on the same port; the client reconnects by itself.
    a.server = await startRedisServer(port);
    if (!a.client.isReady) await new Promise((resolve) => a.client.once('ready', resolve));
    await clock.advanceAsync(10_000); // the breaker's resetTimeout: half-open
    await expect(cache.getOrLoad(onA[0], loader)).resolves.toBe(`db-${onA[0]}`);
    await flushPromises();
    expect(cache.breaker('a')?.closed).toBe(true);
    await expect(a.client.get(onA[0])).resolves.toBe(JSON.stringify(`db-${onA[0]}`));
    expect(onB.length).toBeGreaterThan(0);
    await cache.close();
  });
});
