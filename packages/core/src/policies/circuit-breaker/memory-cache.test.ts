import { ManualClock } from '../../testing/manual-clock.js';
import { MemoryCache } from './memory-cache.js';

describe('MemoryCache (opossum cache.js)', () => {
  it('returns a value until its absolute expiry time, then drops the entry', () => {
    const clock = new ManualClock(1_000);
    const cache = new MemoryCache(undefined, clock);
    cache.set('k', 'v', 1_100);
    expect(cache.get('k')).toBe('v');
    clock.advance(99);
    expect(cache.get('k')).toBe('v');
    expect(cache.cache.has('k')).toBe(true);
    clock.advance(1); // now === expiresAt: expired (opossum keeps it only while expiresAt > now)
    expect(cache.get('k')).toBeUndefined();
    expect(cache.cache.has('k')).toBe(false);
  });

  it('keeps an entry with expiresAt 0 forever', () => {
    const clock = new ManualClock(1_000);
    const cache = new MemoryCache(undefined, clock);
    cache.set('k', 'v', 0);
    clock.advance(10 ** 12);
    expect(cache.get('k')).toBe('v');
  });

  it('treats an expiry time already in the past as expired', () => {
    const clock = new ManualClock(1_000);
    const cache = new MemoryCache(undefined, clock);
    cache.set('k', 'v', 999);
    expect(cache.cache.size).toBe(1);
    expect(cache.get('k')).toBeUndefined();
    expect(cache.cache.size).toBe(0);
  });

  it('returns undefined for a key never set', () => {
    const cache = new MemoryCache(undefined, new ManualClock());
    expect(cache.get('nope')).toBeUndefined();
  });

  it('defaults maxEntries to 2^24 - 1 and keeps the given one', () => {
    expect(new MemoryCache().maxEntries).toBe(2 ** 24 - 1);
    expect(new MemoryCache(3).maxEntries).toBe(3);
  });

  it('evicts the oldest-inserted entry when full and a new key arrives', () => {
    const cache = new MemoryCache(3, new ManualClock());
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    cache.get('a'); // reading does not refresh (insertion order, not LRU)
    cache.set('d', 4, 0);
    expect([...cache.cache.keys()]).toEqual(['b', 'c', 'd']);
    expect(cache.get('a')).toBeUndefined();
    cache.set('e', 5, 0);
    expect([...cache.cache.keys()]).toEqual(['c', 'd', 'e']);
  });

  it('does not evict when an existing key is updated, and the update keeps its place in the order', () => {
    const clock = new ManualClock();
    const cache = new MemoryCache(2, clock);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('a', 10, 0);
    expect([...cache.cache.keys()]).toEqual(['a', 'b']);
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBe(2);
    // 'a' is still the oldest: the next new key evicts it, not 'b'.
    cache.set('c', 3, 0);
    expect([...cache.cache.keys()]).toEqual(['b', 'c']);
  });

  it('stores the new expiry time on update', () => {
    const clock = new ManualClock(0);
    const cache = new MemoryCache(undefined, clock);
    cache.set('k', 'old', 100);
    cache.set('k', 'new', 0);
    clock.advance(1_000);
    expect(cache.get('k')).toBe('new');
    cache.set('k', 'newer', 1_500);
    clock.advance(500);
    expect(cache.get('k')).toBeUndefined();
  });

  it('does not evict below maxEntries', () => {
    const cache = new MemoryCache(3, new ManualClock());
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.set('c', 3, 0);
    expect(cache.cache.size).toBe(3);
    expect([...cache.cache.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('delete() removes one key and flush() removes them all', () => {
    const cache = new MemoryCache(undefined, new ManualClock());
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.delete('a');
    cache.delete('missing');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    cache.set('c', 3, 0);
    cache.flush();
    expect(cache.cache.size).toBe(0);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
  });

  it('exposes its entries as an observable Map of { expiresAt, value }', () => {
    const cache = new MemoryCache(undefined, new ManualClock());
    expect(cache.cache).toBeInstanceOf(Map);
    cache.set('k', 'v', 1234);
    expect(cache.cache.get('k')).toEqual({ expiresAt: 1234, value: 'v' });
  });

  it('reads time from the injected clock, not Date.now()', () => {
    // A clock far in the past: with Date.now() the entry would already be expired.
    const clock = new ManualClock(0);
    const cache = new MemoryCache(undefined, clock);
    cache.set('k', 'v', 10);
    expect(cache.get('k')).toBe('v');
    // And a clock far in the future expires what Date.now() would still keep.
    const late = new ManualClock(Date.now() + 10 ** 9);
    const cache2 = new MemoryCache(undefined, late);
    cache2.set('k', 'v', Date.now() + 1_000);
    expect(cache2.get('k')).toBeUndefined();
  });
});
