import { jest } from '@jest/globals';
import { isCircuitOpenError } from '../../errors/circuit-open-error.js';
import { deferred } from '../../testing/deferred.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import type { CacheNode } from './cache-node.js';
import { MemoryCacheNode } from './memory-cache-node.js';
import type { NodeErrorEvent } from './sharded-cache-options.js';
import { createShardedCache } from './sharded-cache.js';
import { ControlledNode } from './test-nodes.js';

function setup(options: { ttlMs?: number; timeoutMs?: number } = {}) {
  const clock = new ManualClock(0);
  const node = new ControlledNode(clock);
  const cache = createShardedCache<string>({ nodes: { a: node }, clock, ...options });
  const errors: NodeErrorEvent[] = [];
  cache.onNodeError((event) => errors.push(event));
  return { clock, node, cache, errors };
}

describe('ShardedCache.getOrLoad', () => {
  it('loads on a miss, writes the value with its TTL, and answers from the node after', async () => {
    const { cache, node } = setup({ ttlMs: 5000 });
    const loader = jest.fn((key: string) => Promise.resolve(`value of ${key}`));
    await expect(cache.getOrLoad('k', loader, { ttlMs: 100 })).resolves.toBe('value of k');
    await flushPromises();
    expect(node.calls).toEqual(['get k', 'set k="value of k" ttl=100']);
    await expect(cache.getOrLoad('k', loader)).resolves.toBe('value of k');
    expect(loader).toHaveBeenCalledTimes(1);
    expect(cache.metrics()).toMatchObject({ hits: 1, misses: 1, loads: 1, coalesced: 0 });
    await cache.getOrLoad('other', loader);
    await flushPromises();
    expect(node.calls.at(-1)).toBe('set other="value of other" ttl=5000');
  });

  it('collapses concurrent loads of one key into one node read, one load and one write', async () => {
    const { cache, node } = setup();
    const gate = deferred<string>();
    const loader = jest.fn(() => gate.promise);
    const callers = Array.from({ length: 5 }, () => cache.getOrLoad('hot', loader));
    await flushPromises();
    gate.resolve('v');
    await expect(Promise.all(callers)).resolves.toEqual(['v', 'v', 'v', 'v', 'v']);
    await flushPromises();
    expect(loader).toHaveBeenCalledTimes(1);
    expect(node.calls).toEqual(['get hot', 'set hot="v"']);
    expect(cache.metrics()).toMatchObject({ loads: 1, coalesced: 4 });
    // Other keys are separate flights.
    await Promise.all([cache.getOrLoad('x', () => 'x'), cache.getOrLoad('y', () => 'y')]);
    expect(cache.metrics().loads).toBe(3);
  });

  it("shares the loader's error with every caller of the flight, and does not cache it", async () => {
    const { cache, node } = setup();
    const gate = deferred<string>();
    const callers = [cache.getOrLoad('k', () => gate.promise), cache.getOrLoad('k', () => 'never called')];
    await flushPromises();
    const failure = new Error('db down');
    gate.reject(failure);
    for (const caller of callers) await expect(caller).rejects.toBe(failure);
    expect(node.calls).toEqual(['get k']);
    await expect(cache.getOrLoad('k', () => 'fresh')).resolves.toBe('fresh');
    expect(cache.metrics()).toMatchObject({ loads: 2, loadErrors: 1, coalesced: 1 });
    await expect(
      cache.getOrLoad('sync', () => {
        throw new Error('sync throw');
      }),
    ).rejects.toThrow('sync throw');
  });

  it('keeps the flight joinable until its write has landed', async () => {
    const clock = new ManualClock();
    const store = new MemoryCacheNode({ clock });
    const landed = deferred<boolean>();
    const node: CacheNode = { get: (k) => store.get(k), set: () => landed.promise, delete: (k) => store.delete(k) };
    const cache = createShardedCache<string>({ nodes: { a: node }, clock });
    const loader = jest.fn(() => 'v');
    await expect(cache.getOrLoad('k', loader)).resolves.toBe('v');
    await expect(cache.getOrLoad('k', loader)).resolves.toBe('v'); // the write is still in flight
    expect(loader).toHaveBeenCalledTimes(1);
    landed.resolve(true);
    await flushPromises();
    await cache.getOrLoad('k', loader); // a new flight: the node still has nothing (set was faked)
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it.each(['set', 'delete'] as const)('does not write a value loaded before a %s of the key, and starts afresh after it', async (write) => {
    const { cache, node } = setup();
    const gate = deferred<string>();
    const first = cache.getOrLoad('k', () => gate.promise);
    await flushPromises();
    if (write === 'set') await cache.set('k', 'newer');
    else await cache.delete('k');
    const loader = jest.fn(() => 'reloaded');
    const second = cache.getOrLoad('k', loader);
    gate.resolve('older');
    await expect(first).resolves.toBe('older');
    await expect(second).resolves.toBe(write === 'set' ? 'newer' : 'reloaded');
    await flushPromises();
    expect(node.calls.filter((call) => call.includes('older'))).toEqual([]);
    await expect(cache.get('k')).resolves.toBe(write === 'set' ? 'newer' : 'reloaded');
  });

  it('degrades to the loader when the node fails, without throwing', async () => {
    const { cache, node, errors } = setup();
    node.mode = 'down';
    await expect(cache.getOrLoad('k', () => 'from db')).resolves.toBe('from db');
    await flushPromises();
    expect(errors.map((e) => e.operation)).toEqual(['get', 'set']);
    expect(cache.metrics()).toMatchObject({ degraded: 1, loads: 1, nodeErrors: 2 });
  });

  it('degrades to the loader after timeoutMs when the node hangs', async () => {
    const { cache, node, clock } = setup({ timeoutMs: 50 });
    node.mode = 'hang';
    let answer: string | undefined;
    void cache.getOrLoad('k', () => 'from db').then((value) => (answer = value));
    await clock.advanceAsync(49);
    expect(answer).toBeUndefined();
    await clock.advanceAsync(1);
    expect(answer).toBe('from db');
    await clock.advanceAsync(50); // the write times out too
    expect(clock.pendingTimers).toBe(0);
  });

  it('goes straight to the loader while the breaker is open', async () => {
    const { cache, node, errors } = setup();
    node.mode = 'down';
    for (let i = 0; i < 3; i++) await cache.getOrLoad(`k${i}`, () => 'v'); // 3 gets + 3 sets fail: open
    await flushPromises();
    expect(cache.breaker('a')?.opened).toBe(true);
    const before = node.calls.length;
    await expect(cache.getOrLoad('k9', () => 'still served')).resolves.toBe('still served');
    await flushPromises();
    expect(node.calls.length).toBe(before);
    expect(isCircuitOpenError(errors.at(-1)?.error)).toBe(true);
    await cache.close();
  });

  it('returns undefined values without writing them', async () => {
    const { cache, node } = setup();
    await expect(cache.getOrLoad('k', () => undefined as unknown as string)).resolves.toBeUndefined();
    await flushPromises();
    expect(node.calls).toEqual(['get k']);
  });

  it('returns values the codec cannot encode without writing them', async () => {
    const clock = new ManualClock();
    const node = new ControlledNode(clock);
    const cache = createShardedCache<bigint>({ nodes: { a: node }, clock });
    await expect(cache.getOrLoad('big', () => 10n)).resolves.toBe(10n); // JSON cannot encode a bigint
    await flushPromises();
    expect(node.calls).toEqual(['get big']);
  });

  it('reads a corrupt entry as a miss, reports it, and replaces it', async () => {
    const { cache, node, errors } = setup();
    await node.store.set('k', '{not json');
    await expect(cache.getOrLoad('k', () => 'repaired')).resolves.toBe('repaired');
    await flushPromises();
    expect(errors[0]).toMatchObject({ node: 'a', operation: 'get', key: 'k' });
    expect(errors[0].error).toBeInstanceOf(SyntaxError);
    await expect(node.store.get('k')).resolves.toBe('"repaired"');
  });

  it("rejects only the aborting caller; the flight goes on for the others", async () => {
    const { cache } = setup();
    const gate = deferred<string>();
    const controller = new AbortController();
    const leaving = cache.getOrLoad('k', () => gate.promise, { signal: controller.signal });
    const staying = cache.getOrLoad('k', () => 'unused');
    controller.abort(new Error('client went away'));
    await expect(leaving).rejects.toThrow('client went away');
    gate.resolve('v');
    await expect(staying).resolves.toBe('v');
    const aborted = new AbortController();
    aborted.abort(new Error('already'));
    await expect(cache.getOrLoad('k', () => 'x', { signal: aborted.signal })).rejects.toThrow('already');
  });

  it('rejects a bad loader, key or TTL', async () => {
    const { cache } = setup();
    await expect(cache.getOrLoad('k', 'nope' as unknown as () => string)).rejects.toThrow(
      new TypeError('ShardedCache.getOrLoad: options.loader must be a function, got "nope"'),
    );
    await expect(cache.getOrLoad(3 as unknown as string, () => 'v')).rejects.toThrow(TypeError);
    await expect(cache.getOrLoad('k', () => 'v', { ttlMs: -5 })).rejects.toThrow(RangeError);
  });

  it('with no nodes, just loads', async () => {
    const cache = createShardedCache<number>({ nodes: {} });
    await expect(cache.getOrLoad('k', () => 7)).resolves.toBe(7);
    expect(cache.metrics()).toMatchObject({ loads: 1, degraded: 0 });
  });
});
