import { isCircuitOpenError } from '../../errors/circuit-open-error.js';
import { isCircuitShutdownError } from '../../errors/circuit-shutdown-error.js';
import { isTimeoutError } from '../../errors/timeout-error.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { HashRing } from '../hashing/hash-ring.js';
import type { CacheNode } from './cache-node.js';
import type { NodeErrorEvent } from './sharded-cache-options.js';
import { createShardedCache } from './sharded-cache.js';
import { ControlledNode } from './test-nodes.js';

function setup(ids: readonly string[] = ['a', 'b', 'c'], extra: Partial<Parameters<typeof createShardedCache>[0]> = {}) {
  const clock = new ManualClock(0);
  const nodes = Object.fromEntries(ids.map((id) => [id, new ControlledNode(clock)]));
  const cache = createShardedCache<unknown>({ nodes, clock, ...extra });
  const errors: NodeErrorEvent[] = [];
  cache.onNodeError((event) => errors.push(event));
  return { clock, nodes, cache, errors };
}

describe('createShardedCache', () => {
  it('validates its options, naming the option and the value', () => {
    const node = new ControlledNode(new ManualClock());
    const make = (options: object) => () => createShardedCache(options as Parameters<typeof createShardedCache>[0]);
    expect(make({})).toThrow(new TypeError('createShardedCache: options.nodes must be an object, got undefined'));
    expect(make({ nodes: { a: { get: () => undefined } } })).toThrow(
      new TypeError('createShardedCache: options.nodes.a must be a CacheNode with a set() method, got {}'),
    );
    expect(make({ nodes: { a: node }, timeoutMs: 0 })).toThrow(new RangeError('createShardedCache: options.timeoutMs must be a positive finite number, got 0'));
    expect(make({ nodes: { a: node }, ttlMs: -1 })).toThrow(new RangeError('createShardedCache: options.ttlMs must be a positive finite number, got -1'));
    expect(make({ nodes: { a: node }, rebalance: 'copy' })).toThrow(new RangeError("createShardedCache: options.rebalance must be one of 'move', 'none', got \"copy\""));
    expect(make({ nodes: { a: node }, rebalanceConcurrency: 0 })).toThrow(RangeError);
    expect(make({ nodes: { a: node }, codec: { encode: String } })).toThrow(new TypeError('createShardedCache: options.codec.decode must be a function, got undefined'));
    expect(make({ nodes: { a: node }, virtualNodes: 0 })).toThrow(new RangeError('createShardedCache: options.virtualNodes must be a positive integer up to 1048576, got 0'));
    expect(make({ nodes: { a: node }, weights: { a: -2 } })).toThrow(RangeError);
    expect(make({ nodes: { a: node }, weights: { b: 2 } })).toThrow(new RangeError('createShardedCache: options.weights names "b", which is not in options.nodes'));
    expect(make({ nodes: { a: node }, breaker: 'fast' })).toThrow(TypeError);
    expect(make(null as unknown as object)).toThrow(TypeError);
  });

  it('routes every key to the node its ring names, and stores it only there', async () => {
    const { cache, nodes } = setup(['a', 'b', 'c'], { virtualNodes: 64 });
    const ring = new HashRing({ virtualNodes: 64 }).add('a').add('b').add('c');
    expect(cache.nodes()).toEqual(['a', 'b', 'c']);
    for (let i = 0; i < 60; i++) {
      const key = `user:${i}`;
      expect(cache.nodeFor(key)).toBe(ring.get(key));
      await expect(cache.set(key, { id: i })).resolves.toBe(true);
    }
    for (const [id, node] of Object.entries(nodes)) {
      for await (const key of node.store.keys()) expect(ring.get(key)).toBe(id);
    }
    await expect(cache.get('user:7')).resolves.toEqual({ id: 7 });
  });

  it('honours weights', () => {
    const { cache } = setup(['small', 'big'], { weights: { big: 3 } });
    let big = 0;
    for (let i = 0; i < 4000; i++) if (cache.nodeFor(`k${i}`) === 'big') big++;
    expect(big / 4000).toBeGreaterThan(0.68);
    expect(big / 4000).toBeLessThan(0.82);
  });

  it('gets, sets and deletes through the codec, with the default and per-call TTL on the clock', async () => {
    const { cache, clock } = setup(['a'], { ttlMs: 1000 });
    await cache.set('plain', [1, 'two']);
    await cache.set('short', 'x', { ttlMs: 10 });
    await expect(cache.get('plain')).resolves.toEqual([1, 'two']);
    clock.advance(10);
    await expect(cache.get('short')).resolves.toBeUndefined();
    clock.advance(990);
    await expect(cache.get('plain')).resolves.toBeUndefined();
    await cache.set('gone', 1);
    await expect(cache.delete('gone')).resolves.toBe(true);
    await expect(cache.delete('never')).resolves.toBe(true); // confirmed by the node, though absent
    await expect(cache.get('gone')).resolves.toBeUndefined();
    expect(cache.metrics()).toMatchObject({ hits: 1, misses: 3 });
  });

  it('uses the codec it is given, and refuses values it encodes to something else than a string', async () => {
    const clock = new ManualClock();
    const node = new ControlledNode(clock);
    const cache = createShardedCache<Date>({ nodes: { a: node }, clock, codec: { encode: (d) => d.toISOString(), decode: (s) => new Date(s) } });
    await cache.set('when', new Date(0));
    expect(node.calls).toEqual(['set when=1970-01-01T00:00:00.000Z']);
    await expect(cache.get('when')).resolves.toEqual(new Date(0));
    const odd = createShardedCache<unknown>({ nodes: { a: node }, clock, codec: { encode: () => 42 as unknown as string, decode: String } });
    await expect(odd.set('k', 1)).rejects.toThrow(new TypeError('ShardedCache.set: the codec encoded the value as 42, not a string'));
    await expect(createShardedCache({ nodes: { a: node }, clock }).set('k', undefined)).rejects.toThrow(TypeError);
  });

  it('with no nodes, misses and reports writes as not stored', async () => {
    const cache = createShardedCache({ nodes: {} });
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.set('k', 1)).resolves.toBe(false);
    await expect(cache.delete('k')).resolves.toBe(false);
    expect(cache.nodeFor('k')).toBeUndefined();
  });

  it('reads a failing node as a miss and reports every failed operation', async () => {
    const { cache, nodes, errors } = setup(['a']);
    nodes.a.mode = 'down';
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.set('k', 1)).resolves.toBe(false);
    await expect(cache.delete('k')).resolves.toBe(false);
    expect(errors.map(({ node, operation, key }) => `${node} ${operation} ${key}`)).toEqual(['a get k', 'a set k', 'a delete k']);
    expect((errors[0].error as Error).message).toBe('ECONNREFUSED');
    expect(cache.metrics()).toMatchObject({ nodeErrors: 3, hits: 0, misses: 0 });
  });

  it('abandons a call that outlives timeoutMs on the injected clock, and aborts its signal', async () => {
    const { cache, nodes, errors, clock } = setup(['a'], { timeoutMs: 100 });
    nodes.a.mode = 'hang';
    let result: unknown = 'pending';
    void cache.get('k').then((value) => (result = value));
    await clock.advanceAsync(99);
    expect(result).toBe('pending');
    await clock.advanceAsync(1);
    expect(result).toBeUndefined();
    expect(isTimeoutError(errors[0].error)).toBe(true);
    expect(nodes.a.signals[0].aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('opens a node’s breaker after 5 failures in a row, skips the node while open, and closes after a good trial', async () => {
    const { cache, nodes, errors, clock } = setup(['a']);
    nodes.a.mode = 'down';
    for (let i = 0; i < 5; i++) await cache.get(`k${i}`);
    expect(cache.breaker('a')?.opened).toBe(true);
    const before = nodes.a.calls.length;
    await expect(cache.get('k9')).resolves.toBeUndefined();
    expect(nodes.a.calls.length).toBe(before);
    expect(isCircuitOpenError(errors.at(-1)?.error)).toBe(true);
    nodes.a.mode = 'up';
    await clock.advanceAsync(10_000);
    await cache.set('k', 1);
    expect(cache.breaker('a')?.closed).toBe(true);
    await expect(cache.get('k')).resolves.toBe(1);
    await cache.close();
  });

  it('takes breaker options over the defaults', async () => {
    const { cache, nodes } = setup(['a'], { breaker: { slidingWindow: { kind: 'consecutive', failures: 2 }, name: 'edge' } });
    nodes.a.mode = 'down';
    await cache.get('x');
    await cache.get('y');
    expect(cache.breaker('a')?.opened).toBe(true);
    expect(cache.breaker('a')?.name).toBe('edge');
    expect(cache.breaker('zzz')).toBeUndefined();
    await cache.close();
  });

  it("rejects with the caller's abort reason, leaving the node call to finish", async () => {
    const { cache, nodes, clock } = setup(['a']);
    nodes.a.mode = 'hang';
    const controller = new AbortController();
    const pending = cache.get('k', { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(pending).rejects.toThrow('gave up');
    await expect(cache.set('k', 1, { signal: controller.signal })).rejects.toThrow('gave up');
    await expect(cache.delete('k', { signal: 'no' as unknown as AbortSignal })).rejects.toThrow(
      new TypeError('ShardedCache: options.signal must be an AbortSignal, got "no"'),
    );
    await clock.advanceAsync(250);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps working when a listener throws', async () => {
    const { cache, nodes } = setup(['a']);
    cache.onNodeError(() => {
      throw new Error('listener bug');
    });
    nodes.a.mode = 'down';
    await expect(cache.get('k')).resolves.toBeUndefined();
  });

  it('rejects bad keys and TTLs', async () => {
    const { cache } = setup(['a']);
    await expect(cache.get(1 as unknown as string)).rejects.toThrow(new TypeError('ShardedCache.get: key must be a string, got 1'));
    await expect(cache.set('k', 1, { ttlMs: 0 })).rejects.toThrow(new RangeError('ShardedCache.set: options.ttlMs must be a positive finite number, got 0'));
    await expect(cache.delete(null as unknown as string)).rejects.toThrow(TypeError);
  });

  it('close waits for background writes, then shuts every breaker: later calls miss', async () => {
    const { cache, nodes, errors } = setup(['a']);
    const loaded = await cache.getOrLoad('k', () => 'v');
    expect(loaded).toBe('v');
    await cache.close();
    expect(nodes.a.calls).toEqual(['get k', 'set k="v"']);
    expect(cache.breaker('a')?.isShutdown).toBe(true);
    await expect(cache.get('k')).resolves.toBeUndefined();
    expect(isCircuitShutdownError(errors.at(-1)?.error)).toBe(true);
    await flushPromises();
  });

  it('accepts any object with get, set and delete as a node', async () => {
    const store = new Map<string, string>();
    const node: CacheNode = {
      get: async (key) => store.get(key),
      set: async (key, value) => (store.set(key, value), true),
      delete: async (key) => store.delete(key),
    };
    const cache = createShardedCache({ nodes: { only: node } });
    await cache.set('k', { ok: true });
    expect(store.get('k')).toBe('{"ok":true}');
    await cache.close();
  });
});
