import { createRedisNode } from './redis-cache-node.js';
import type { RedisCommandClient } from './redis-cache-node.js';

/** A client that records commands and answers from a script. */
function fakeClient(answer: (args: readonly string[]) => unknown) {
  const sent: Array<{ args: readonly string[]; signal: AbortSignal | undefined }> = [];
  const client: RedisCommandClient = {
    sendCommand: <T>(args: readonly string[], options?: { abortSignal?: AbortSignal }) => {
      sent.push({ args, signal: options?.abortSignal });
      return Promise.resolve(answer(args) as T);
    },
  };
  return { client, sent, commands: () => sent.map(({ args }) => args.join(' ')) };
}

describe('createRedisNode', () => {
  it('sends GET, SET with PX and NX, DEL and PTTL under the prefix', async () => {
    const replies: Record<string, unknown> = { GET: 'v', SET: 'OK', DEL: 1, PTTL: 1234 };
    const { client, commands } = fakeClient((args) => replies[args[0]]);
    const node = createRedisNode({ client, prefix: 'app:' });
    await expect(node.get('k')).resolves.toBe('v');
    await expect(node.set('k', 'v')).resolves.toBe(true);
    await expect(node.set('k', 'v', { ttlMs: 1500.2, onlyIfAbsent: true })).resolves.toBe(true);
    await expect(node.set('k', 'v', { ttlMs: 0.3 })).resolves.toBe(true);
    await expect(node.delete('k')).resolves.toBe(true);
    await expect(node.ttl?.('k')).resolves.toBe(1234);
    expect(commands()).toEqual(['GET app:k', 'SET app:k v', 'SET app:k v PX 1501 NX', 'SET app:k v PX 1', 'DEL app:k', 'PTTL app:k']);
  });

  it('maps Redis replies: nil to undefined and false, 0 to false, PTTL -2 and -1 to undefined and Infinity', async () => {
    let pttl = -2;
    const { client } = fakeClient((args) => ({ GET: null, SET: null, DEL: 0, PTTL: pttl })[args[0]]);
    const node = createRedisNode({ client });
    await expect(node.get('k')).resolves.toBeUndefined();
    await expect(node.set('k', 'v', { onlyIfAbsent: true })).resolves.toBe(false);
    await expect(node.delete('k')).resolves.toBe(false);
    await expect(node.ttl?.('k')).resolves.toBeUndefined();
    pttl = -1;
    await expect(node.ttl?.('k')).resolves.toBe(Infinity);
  });

  it('lists keys with SCAN over every cursor, matching only the escaped prefix, and strips it', async () => {
    const pages: Record<string, [string, string[]]> = { '0': ['7', ['a*[1]?\\:x', 'a*[1]?\\:y']], '7': ['0', ['a*[1]?\\:z']] };
    const { client, commands } = fakeClient((args) => pages[args[1]]);
    const node = createRedisNode({ client, prefix: 'a*[1]?\\:', scanCount: 2 });
    const keys: string[] = [];
    for await (const key of node.keys?.() ?? []) keys.push(key);
    expect(keys).toEqual(['x', 'y', 'z']);
    expect(commands()).toEqual(['SCAN 0 MATCH a\\*\\[1\\]\\?\\\\:* COUNT 2', 'SCAN 7 MATCH a\\*\\[1\\]\\?\\\\:* COUNT 2']);
  });

  it("passes the cache's signal on as the command's abortSignal", async () => {
    const { client, sent } = fakeClient(() => 'OK');
    const node = createRedisNode({ client });
    const { signal } = new AbortController();
    await node.set('k', 'v', { signal });
    await node.get('k');
    expect(sent.map((s) => s.signal)).toEqual([signal, undefined]);
  });

  it('passes Redis errors on as rejections', async () => {
    const client: RedisCommandClient = { sendCommand: () => Promise.reject(new Error('WRONGTYPE')) };
    await expect(createRedisNode({ client }).get('k')).rejects.toThrow('WRONGTYPE');
  });

  it('validates its options, naming them', () => {
    const { client } = fakeClient(() => null);
    expect(() => createRedisNode(undefined as unknown as { client: RedisCommandClient })).toThrow(new TypeError('createRedisNode: options must be an object, got undefined'));
    expect(() => createRedisNode({ client: {} as RedisCommandClient })).toThrow(
      new TypeError('createRedisNode: options.client must be a node-redis client with sendCommand(), got [object Object]'),
    );
    expect(() => createRedisNode({ client, prefix: 3 as unknown as string })).toThrow(new TypeError('createRedisNode: options.prefix must be a string, got 3'));
    expect(() => createRedisNode({ client, scanCount: 0 })).toThrow(new RangeError('createRedisNode: options.scanCount must be a positive integer, got 0'));
    expect(() => createRedisNode({ client, scanCount: '9' as unknown as number })).toThrow(TypeError);
  });
});
