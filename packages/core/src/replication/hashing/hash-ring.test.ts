import { HashRing } from './hash-ring.js';
import { xxHash32 } from './xxhash32.js';

const keys = (count: number, prefix = 'key'): string[] => Array.from({ length: count }, (_, i) => `${prefix}:${i}`);

function countByNode(ring: { get(key: string): string | undefined }, sample: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of sample) {
    const node = ring.get(key) as string;
    counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return counts;
}

describe('HashRing', () => {
  it('validates its options, naming the option and the value', () => {
    expect(() => new HashRing({ virtualNodes: 0 })).toThrow(new RangeError('HashRing: options.virtualNodes must be a positive integer up to 1048576, got 0'));
    expect(() => new HashRing({ virtualNodes: 1.5 })).toThrow(RangeError);
    expect(() => new HashRing({ virtualNodes: 2 ** 21 })).toThrow(RangeError);
    expect(() => new HashRing({ virtualNodes: '8' as unknown as number })).toThrow(new TypeError('HashRing: options.virtualNodes must be a positive integer, got "8"'));
    expect(() => new HashRing({ hash: 'md5' as unknown as () => number })).toThrow(new TypeError('HashRing: options.hash must be a function, got "md5"'));
    expect(() => new HashRing(null as unknown as object)).toThrow(new TypeError('HashRing: options must be an object, got null'));
  });

  it('defaults to 256 virtual nodes and places round(virtualNodes × weight) points per node, at least one', () => {
    expect(new HashRing().virtualNodes).toBe(256);
    const ring = new HashRing({ virtualNodes: 10 }).add('a').add('b', 2.26).add('c', 0.01);
    expect(ring._table.length).toBe(10 + 23 + 1);
  });

  it('answers undefined and empty lists while empty', () => {
    const ring = new HashRing();
    expect(ring.get('k')).toBeUndefined();
    expect(ring.preferenceList('k', 3)).toEqual([]);
    expect(ring.size).toBe(0);
  });

  it('keeps nodes in insertion order; add on a placed node changes only its weight; remove says whether it removed', () => {
    const ring = new HashRing({ virtualNodes: 16 }).add('b').add('a').add('c');
    expect(ring.nodes()).toEqual(['b', 'a', 'c']);
    expect(ring.has('a')).toBe(true);
    ring.add('a', 3);
    expect(ring.nodes()).toEqual(['b', 'a', 'c']);
    expect(ring.weight('a')).toBe(3);
    expect(ring._table.length).toBe(16 + 48 + 16);
    expect(ring.remove('a')).toBe(true);
    expect(ring.remove('a')).toBe(false);
    expect(ring.weight('a')).toBeUndefined();
    expect(ring.nodes()).toEqual(['b', 'c']);
    expect(ring._table.length).toBe(32);
  });

  it('re-adding a node with the weight it has changes nothing', () => {
    const ring = new HashRing({ virtualNodes: 8 }).add('a', 2);
    const points = ring._table.points;
    ring.add('a', 2);
    expect(ring._table.points).toBe(points);
  });

  it('rejects bad nodes, weights, keys and counts', () => {
    const ring = new HashRing({ virtualNodes: 4 });
    expect(() => ring.add('')).toThrow(new TypeError('HashRing.add: node must be a non-empty string, got ""'));
    expect(() => ring.add(7 as unknown as string)).toThrow(TypeError);
    expect(() => ring.add('a', 0)).toThrow(new RangeError('HashRing.add: weight must be a positive finite number, got 0'));
    expect(() => ring.add('a', Infinity)).toThrow(RangeError);
    expect(() => ring.add('a', '2' as unknown as number)).toThrow(TypeError);
    expect(() => new HashRing({ virtualNodes: 1024 }).add('a', 1025)).toThrow(
      new RangeError('HashRing.add: virtualNodes × weight must be at most 1048576, got 1024 × 1025'),
    );
    ring.add('a');
    expect(() => ring.get(1 as unknown as string)).toThrow(new TypeError('HashRing.get: key must be a string, got 1'));
    expect(() => new HashRing().get(1 as unknown as string)).toThrow(TypeError);
    expect(() => ring.preferenceList('k', -1)).toThrow(new RangeError('HashRing.preferenceList: n must be a non-negative integer, got -1'));
    expect(() => ring.preferenceList('k', 1.5)).toThrow(RangeError);
    expect(() => ring.preferenceList(2 as unknown as string, 1)).toThrow(TypeError);
  });

  // A hash that reads keys as numbers places points and keys exactly.
  const exact = (points: Record<string, number>) => (key: string): number => points[key] ?? Number(key);

  it("with placement 'clockwise', gives a key to the first point at or after its hash, wrapping past the top", () => {
    const ring = new HashRing({ virtualNodes: 1, placement: 'clockwise', hash: exact({ 'a#0': 100, 'b#0': 200, 'c#0': 300 }) });
    ring.add('c').add('a').add('b');
    expect(ring.placement).toBe('clockwise');
    expect(['0', '100', '101', '200', '250', '300', '301', String(2 ** 32 - 1)].map((key) => ring.get(key))).toEqual(['a', 'a', 'b', 'b', 'c', 'c', 'a', 'a']);
    expect(ring.preferenceList('250', 3)).toEqual(['c', 'a', 'b']);
    expect(ring.preferenceList('199', 3)).toEqual(['b', 'c', 'a']);
  });

  it('by default gives a key to the nearest point either way, ties clockwise, wrapping past both ends', () => {
    const ring = new HashRing({ virtualNodes: 1, hash: exact({ 'a#0': 100, 'b#0': 200, 'c#0': 4000 }) });
    ring.add('c').add('a').add('b');
    expect(ring.placement).toBe('nearest');
    const top = 2 ** 32;
    // 0: 100 to a, 2^32 - 4000 back to c. 150 and 2100: ties (50 and 1900 each way), clockwise wins.
    // 2^32 - 1: 101 on to a past the top, far back to c.
    expect(['0', '100', '149', '150', '151', '200', '2100', '2101', String(top - 1)].map((key) => ring.get(key))).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'a']);
    // The walk merges both directions by distance.
    expect(ring.preferenceList('160', 3)).toEqual(['b', 'a', 'c']);
    expect(ring.preferenceList('2200', 3)).toEqual(['c', 'b', 'a']);
  });

  it('validates placement', () => {
    expect(() => new HashRing({ placement: 'random' as 'nearest' })).toThrow(new RangeError("HashRing: options.placement must be 'nearest' or 'clockwise', got \"random\""));
    expect(() => new HashRing({ placement: 1 as unknown as 'nearest' })).toThrow(TypeError);
  });

  it('orders equal points by node id, whatever the order of add', () => {
    const hash = (key: string): number => (key.endsWith('#0') ? 500 : Number(key));
    const one = new HashRing({ virtualNodes: 1, hash }).add('y').add('x');
    const two = new HashRing({ virtualNodes: 1, hash }).add('x').add('y');
    expect(one.get('400')).toBe('x');
    expect(two.get('400')).toBe('x');
    expect(one.preferenceList('400', 2)).toEqual(['x', 'y']);
  });

  it('preference lists start with the owner, hold distinct nodes, and are capped by the node count', () => {
    const ring = new HashRing({ virtualNodes: 32 });
    for (const node of ['a', 'b', 'c', 'd', 'e']) ring.add(node);
    for (const key of keys(200)) {
      const list = ring.preferenceList(key, 3);
      expect(list).toHaveLength(3);
      expect(list[0]).toBe(ring.get(key));
      expect(new Set(list).size).toBe(3);
      expect(ring.preferenceList(key, 9).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(ring.preferenceList(key, 0)).toEqual([]);
    }
  });

  it('uses the hash it is given', () => {
    const seen: string[] = [];
    const ring = new HashRing({
      virtualNodes: 2,
      hash: (key) => {
        seen.push(key);
        return xxHash32(key);
      },
    });
    ring.add('n').get('user:1');
    expect(seen).toEqual(['n#0', 'n#1', 'user:1']);
  });

  it.each(['nearest', 'clockwise'] as const)('with %s placement, shares add up to 1 and match the keys each node gets', (placement) => {
    const ring = new HashRing({ virtualNodes: 64, placement });
    for (const node of ['a', 'b', 'c', 'd']) ring.add(node);
    const shares = ring.shares();
    expect([...shares.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const sample = keys(40_000);
    const counts = countByNode(ring, sample);
    for (const [node, share] of shares) expect(Math.abs((counts.get(node) as number) / sample.length - share)).toBeLessThan(0.01);
    expect(new HashRing({ virtualNodes: 1, placement }).add('only').shares()).toEqual(new Map([['only', 1]]));
  });

  it('honours weights: each share within 10% of weight ÷ total weight at 256 virtual nodes', () => {
    const ring = new HashRing({ virtualNodes: 256 });
    const weights: Record<string, number> = { small: 1, medium: 2, large: 3, huge: 4 };
    for (const [node, weight] of Object.entries(weights)) ring.add(node, weight);
    for (const [node, share] of ring.shares()) expect(share / (weights[node] / 10)).toBeGreaterThan(0.9);
    for (const [node, share] of ring.shares()) expect(share / (weights[node] / 10)).toBeLessThan(1.1);
  });

  it('spreads 10 nodes × 256 virtual nodes to about 1/√256, and √2 better with nearest placement', () => {
    // Averaged over several namings, since one naming is one draw (design.md has the figures).
    const meanSpread = (placement: 'nearest' | 'clockwise'): number => {
      let sum = 0;
      for (let naming = 0; naming < 8; naming++) {
        const ring = new HashRing({ placement });
        for (let i = 0; i < 10; i++) ring.add(`n${naming}-${i}`);
        const shares = [...ring.shares().values()];
        sum += Math.sqrt(shares.reduce((a, x) => a + (x - 0.1) ** 2, 0) / 10) / 0.1;
      }
      return sum / 8;
    };
    const clockwise = meanSpread('clockwise');
    const nearest = meanSpread('nearest');
    expect(clockwise).toBeGreaterThan(0.035);
    expect(clockwise).toBeLessThan(0.085);
    expect(nearest).toBeLessThan(0.055);
    expect(nearest / clockwise).toBeLessThan(0.85);
  });
});
