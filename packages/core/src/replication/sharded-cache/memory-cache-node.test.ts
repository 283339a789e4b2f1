import { ManualClock } from '../../testing/manual-clock.js';
import { MemoryCacheNode } from './memory-cache-node.js';

async function keysOf(node: MemoryCacheNode): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of node.keys()) keys.push(key);
  return keys;
}

describe('MemoryCacheNode', () => {
  it('stores, reads and deletes strings', async () => {
    const node = new MemoryCacheNode();
    await expect(node.get('a')).resolves.toBeUndefined();
    await expect(node.set('a', '1')).resolves.toBe(true);
    await expect(node.get('a')).resolves.toBe('1');
    await expect(node.delete('a')).resolves.toBe(true);
    await expect(node.delete('a')).resolves.toBe(false);
    await expect(node.get('a')).resolves.toBeUndefined();
  });

  it('expires entries on the injected clock and reports what lifetime is left', async () => {
    const clock = new ManualClock(1000);
    const node = new MemoryCacheNode({ clock });
    await node.set('short', 's', { ttlMs: 100 });
    await node.set('forever', 'f');
    await expect(node.ttl('short')).resolves.toBe(100);
    await expect(node.ttl('forever')).resolves.toBe(Infinity);
    await expect(node.ttl('none')).resolves.toBeUndefined();
    clock.advance(99);
    await expect(node.get('short')).resolves.toBe('s');
    await expect(node.ttl('short')).resolves.toBe(1);
    clock.advance(1);
    await expect(node.get('short')).resolves.toBeUndefined();
    await expect(node.delete('short')).resolves.toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('writes only if absent when asked, counting an expired entry as absent', async () => {
    const clock = new ManualClock();
    const node = new MemoryCacheNode({ clock });
    await expect(node.set('k', '1', { ttlMs: 10, onlyIfAbsent: true })).resolves.toBe(true);
    await expect(node.set('k', '2', { onlyIfAbsent: true })).resolves.toBe(false);
    await expect(node.get('k')).resolves.toBe('1');
    clock.advance(10);
    await expect(node.set('k', '3', { onlyIfAbsent: true })).resolves.toBe(true);
    await expect(node.get('k')).resolves.toBe('3');
  });

  it('lists live keys only', async () => {
    const clock = new ManualClock();
    const node = new MemoryCacheNode({ clock });
    await node.set('a', '1');
    await node.set('b', '2', { ttlMs: 5 });
    await node.set('c', '3');
    clock.advance(5);
    expect(await keysOf(node)).toEqual(['a', 'c']);
    node.clear();
    expect(node.size).toBe(0);
  });

  it('evicts the least recently used entry past maxEntries', async () => {
    const node = new MemoryCacheNode({ maxEntries: 2 });
    await node.set('a', '1');
    await node.set('b', '2');
    await node.get('a'); // a is now the most recently used
    await node.set('c', '3');
    expect(await keysOf(node)).toEqual(['a', 'c']);
    expect(node.size).toBe(2);
  });

  it('rejects bad options and arguments, naming them', async () => {
    expect(() => new MemoryCacheNode({ maxEntries: 0 })).toThrow(new RangeError('MemoryCacheNode: options.maxEntries must be a positive integer, got 0'));
    expect(() => new MemoryCacheNode({ clock: 5 as unknown as ManualClock })).toThrow(TypeError);
    const node = new MemoryCacheNode();
    await expect(node.set('k', 'v', { ttlMs: 0 })).rejects.toThrow(new RangeError('MemoryCacheNode.set: options.ttlMs must be a positive finite number, got 0'));
    await expect(node.set('k', 7 as unknown as string)).rejects.toThrow(new TypeError('MemoryCacheNode.set: value must be a string, got 7'));
  });
});
