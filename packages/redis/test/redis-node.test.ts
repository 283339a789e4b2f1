import { createClient } from 'redis';
import { createRedisNode } from '../src/index.js';
import { startRedisServer } from './support/redis-server.js';
import type { RedisServer } from './support/redis-server.js';

type Client = ReturnType<typeof createClient>;

describe('createRedisNode against a real redis-server', () => {
  let server: RedisServer;
  let client: Client;

  beforeAll(async () => {
    server = await startRedisServer();
    client = createClient({ url: server.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  beforeEach(() => client.flushAll());

  it('stores, reads and deletes, under its prefix', async () => {
    const node = createRedisNode({ client, prefix: 'test:' });
    await expect(node.get('a')).resolves.toBeUndefined();
    await expect(node.set('a', 'é 1')).resolves.toBe(true);
    await expect(node.get('a')).resolves.toBe('é 1');
    await expect(client.get('test:a')).resolves.toBe('é 1');
    await expect(node.delete('a')).resolves.toBe(true);
    await expect(node.delete('a')).resolves.toBe(false);
    await expect(node.get('a')).resolves.toBeUndefined();
  });

  it('sets a TTL in ms, reports it, and writes only if absent when asked', async () => {
    const node = createRedisNode({ client });
    await node.set('short', 's', { ttlMs: 60_000 });
    const left = await node.ttl?.('short');
    expect(left).toBeGreaterThan(55_000);
    expect(left).toBeLessThanOrEqual(60_000);
    await node.set('forever', 'f');
    await expect(node.ttl?.('forever')).resolves.toBe(Infinity);
    await expect(node.ttl?.('none')).resolves.toBeUndefined();
    await expect(node.set('forever', 'g', { onlyIfAbsent: true })).resolves.toBe(false);
    await expect(node.get('forever')).resolves.toBe('f');
    await expect(node.set('fresh', 'h', { onlyIfAbsent: true, ttlMs: 1000 })).resolves.toBe(true);
  });

  it('lists exactly its own keys over many SCAN steps, even with glob characters in the prefix', async () => {
    const node = createRedisNode({ client, prefix: 'c*[1]:', scanCount: 7 });
    const mine = Array.from({ length: 60 }, (_, i) => `k${i}`);
    for (const key of mine) await node.set(key, 'v');
    await client.set('c1:other', 'x'); // would match an unescaped c*[1]:*
    await client.set('unrelated', 'y');
    const listed = new Set<string>();
    for await (const key of node.keys?.() ?? []) listed.add(key);
    expect([...listed].sort()).toEqual(mine.slice().sort());
  });

  it('rejects a command whose signal is already aborted', async () => {
    const node = createRedisNode({ client });
    const controller = new AbortController();
    controller.abort();
    await expect(node.get('k', { signal: controller.signal })).rejects.toThrow();
  });
});
