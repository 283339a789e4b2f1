import { RendezvousHash } from './rendezvous-hash.js';

const keys = Array.from({ length: 20_000 }, (_, i) => `user:${i}`);

function counts(hrw: RendezvousHash): Map<string, number> {
  const result = new Map<string, number>();
  for (const key of keys) {
    const node = hrw.get(key) as string;
    result.set(node, (result.get(node) ?? 0) + 1);
  }
  return result;
}

describe('RendezvousHash', () => {
  it('is empty until nodes are added, keeps insertion order, and reports weights', () => {
    const hrw = new RendezvousHash();
    expect(hrw.get('k')).toBeUndefined();
    expect(hrw.preferenceList('k', 3)).toEqual([]);
    hrw.add('b').add('a', 2);
    expect(hrw.nodes()).toEqual(['b', 'a']);
    expect(hrw.has('a')).toBe(true);
    expect(hrw.weight('a')).toBe(2);
    expect(hrw.weight('zzz')).toBeUndefined();
    hrw.add('a');
    expect(hrw.weight('a')).toBe(1);
    expect(hrw.size).toBe(2);
  });

  it('balances equal nodes to the sampling noise', () => {
    const hrw = new RendezvousHash();
    for (let i = 0; i < 10; i++) hrw.add(`node-${i}`);
    // Multinomial noise: sd = √(20000 × 0.1 × 0.9) ≈ 42, so ±200 is nearly 5 sd.
    for (const count of counts(hrw).values()) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('ranks every node in its preference list, the owner first, with or without weights', () => {
    for (const weights of [[1, 1, 1, 1], [1, 5, 2, 0.5]]) {
      const hrw = new RendezvousHash();
      weights.forEach((w, i) => hrw.add(`n${i}`, w));
      for (const key of keys.slice(0, 300)) {
        const list = hrw.preferenceList(key, 10);
        expect(list.slice().sort()).toEqual(['n0', 'n1', 'n2', 'n3']);
        expect(list[0]).toBe(hrw.get(key));
        expect(hrw.preferenceList(key, 2)).toEqual(list.slice(0, 2));
      }
    }
  });

  it('orders equal scores by node id', () => {
    // Two nodes with the same hash score every key equally.
    const hrw = new RendezvousHash({ hash: (key) => (key === 'x' || key === 'y' ? 1 : key.length) });
    hrw.add('y').add('x');
    expect(hrw.get('any')).toBe('x');
    expect(hrw.preferenceList('any', 2)).toEqual(['x', 'y']);
    hrw.add('y', 3).add('x', 3); // the weighted path ties the same way
    expect(hrw.get('any')).toBe('x');
  });

  it('removes any node, and only its keys move', () => {
    const hrw = new RendezvousHash().add('a').add('b').add('c');
    const before = keys.map((key) => hrw.get(key));
    expect(hrw.remove('b')).toBe(true);
    expect(hrw.remove('b')).toBe(false);
    const movedFrom = keys.flatMap((key, i) => (hrw.get(key) === before[i] ? [] : [before[i]]));
    expect(new Set(movedFrom)).toEqual(new Set(['b']));
    expect(movedFrom.length).toBe(before.filter((node) => node === 'b').length);
  });

  it('validates its options and arguments', () => {
    expect(() => new RendezvousHash({ hash: {} as unknown as () => number })).toThrow(new TypeError('RendezvousHash: options.hash must be a function, got {}'));
    expect(() => new RendezvousHash().add('a', -1)).toThrow(new RangeError('RendezvousHash.add: weight must be a positive finite number, got -1'));
    expect(() => new RendezvousHash().add('')).toThrow(TypeError);
    expect(() => new RendezvousHash().get(null as unknown as string)).toThrow(new TypeError('RendezvousHash.get: key must be a string, got null'));
    expect(() => new RendezvousHash().preferenceList('k', 0.5)).toThrow(RangeError);
  });
});
