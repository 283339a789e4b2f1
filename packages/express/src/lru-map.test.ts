import fc from 'fast-check';
import { LruMap } from './lru-map.js';

describe('LruMap', () => {
  it('forgets the least recently used entry to make room, reporting it', () => {
    const evicted: Array<[string, number]> = [];
    const map = new LruMap<string, number>(2, (key, value) => evicted.push([key, value]));
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recent
    map.set('c', 3);
    expect(evicted).toEqual([['b', 2]]);
    expect(map.get('b')).toBeUndefined();
    map.set('a', 10); // replacing evicts nothing
    expect(evicted).toHaveLength(1);
    expect([...map.values()]).toEqual([3, 10]);
    expect(map.size).toBe(2);
  });

  it('behaves like a naive list-based LRU', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 })), { maxLength: 60 }), (maxSize, ops) => {
        const evicted: number[] = [];
        const map = new LruMap<number, number>(maxSize, (key) => evicted.push(key));
        let naive: number[] = []; // keys, least recent first
        const naiveEvicted: number[] = [];
        for (const [isSet, key] of ops) {
          if (isSet) {
            naive = naive.filter((k) => k !== key);
            if (naive.length >= maxSize) naiveEvicted.push(naive.shift() as number);
            naive.push(key);
            map.set(key, key * 10);
          } else {
            const value = map.get(key);
            expect(value).toBe(naive.includes(key) ? key * 10 : undefined);
            if (naive.includes(key)) naive = [...naive.filter((k) => k !== key), key];
          }
        }
        expect([...map.values()]).toEqual(naive.map((k) => k * 10));
        expect(evicted).toEqual(naiveEvicted);
      }),
    );
  });
});
