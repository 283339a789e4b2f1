import fc from 'fast-check';
import { seededRandom } from '../../testing/seeded-random.js';
import { BoundedLoadRing } from './bounded-load-ring.js';
import { HashRing } from './hash-ring.js';

/** `count` draws of key ranks from a Zipf(s) law over `keys` keys. */
function zipfStream(seed: number, keys: number, s: number, count: number): string[] {
  const cdf: number[] = [];
  let sum = 0;
  for (let r = 1; r <= keys; r++) cdf.push((sum += 1 / r ** s));
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const u = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return `item:${lo}`;
  });
}

describe('BoundedLoadRing', () => {
  it('validates its options, naming the option', () => {
    expect(() => new BoundedLoadRing({ balanceFactor: 1 })).toThrow(new RangeError('BoundedLoadRing: options.balanceFactor must be a finite number above 1, got 1'));
    expect(() => new BoundedLoadRing({ balanceFactor: Infinity })).toThrow(RangeError);
    expect(() => new BoundedLoadRing({ balanceFactor: '2' as unknown as number })).toThrow(TypeError);
    expect(() => new BoundedLoadRing({ virtualNodes: -3 })).toThrow(new RangeError('BoundedLoadRing: options.virtualNodes must be a positive integer up to 1048576, got -3'));
    expect(new BoundedLoadRing().balanceFactor).toBe(1.25);
    expect(new BoundedLoadRing({ virtualNodes: 7 }).virtualNodes).toBe(7);
  });

  it('places keys as its ring does while no node is full, and get counts nothing', () => {
    const bounded = new BoundedLoadRing({ virtualNodes: 64 });
    const ring = new HashRing({ virtualNodes: 64 });
    for (const node of ['a', 'b', 'c']) {
      bounded.add(node);
      ring.add(node);
    }
    for (let i = 0; i < 500; i++) expect(bounded.get(`k${i}`)).toBe(ring.get(`k${i}`));
    expect(bounded.totalLoad).toBe(0);
    expect(bounded.nodes()).toEqual(['a', 'b', 'c']);
    expect(bounded.has('b')).toBe(true);
    expect(bounded.size).toBe(3);
    expect(bounded.weight('a')).toBe(1);
  });

  it('sends a key past a full owner to the next node along the ring with room', () => {
    const ring = new BoundedLoadRing({ virtualNodes: 1, balanceFactor: 1.5, hash: (key) => ({ 'a#0': 100, 'b#0': 200, 'c#0': 300 })[key] ?? Number(key) });
    ring.add('a').add('b').add('c');
    // capacity = ceil(1.5 × (total + 1) / 3): 1 at total 0 and 1, 2 at total 2 to 3, …
    expect(ring.capacity('a')).toBe(1);
    expect(ring.acquire('50')).toBe('a');
    expect(ring.capacity('a')).toBe(1);
    expect(ring.get('50')).toBe('b');
    expect(ring.preferenceList('50', 3)).toEqual(['b', 'c', 'a']); // a is full: last
    expect(ring.acquire('50')).toBe('b');
    expect(ring.acquire('50')).toBe('a'); // total 2: capacity 2
    expect([ring.load('a'), ring.load('b'), ring.load('c'), ring.totalLoad]).toEqual([2, 1, 0, 3]);
    expect(ring.load('zzz')).toBe(0);
    expect(ring.capacity('zzz')).toBe(0);
  });

  it('never lets a load pass ceil(c × total × weight ÷ total weight) while loads only grow', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 1.05, max: 3, noNaN: true }),
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 300 }),
        (weights, c, draws) => {
          const ring = new BoundedLoadRing({ virtualNodes: 16, balanceFactor: c });
          weights.forEach((w, i) => ring.add(`n${i}`, w));
          const totalWeight = weights.reduce((a, b) => a + b, 0);
          const over: string[] = [];
          for (const draw of draws) {
            const key = `hot${draw}`; // a handful of keys: very skewed
            const owner = ring.get(key) as string;
            const room = ring.load(owner) < ring.capacity(owner);
            expect(ring.acquire(key)).toBe(owner);
            expect(room).toBe(true);
            weights.forEach((w, i) => {
              if (ring.load(`n${i}`) > Math.ceil((c * ring.totalLoad * w) / totalWeight)) over.push(`n${i}`);
            });
          }
          expect(over).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('caps the busiest node at ceil(1.25 × average) on a Zipf(1.1) stream, where the plain ring does not', () => {
    const stream = zipfStream(7, 2000, 1.1, 10_000);
    const bounded = new BoundedLoadRing();
    const ring = new HashRing();
    for (let i = 0; i < 10; i++) {
      bounded.add(`node-${i}`);
      ring.add(`node-${i}`);
    }
    const plain = new Map<string, number>();
    for (const key of stream) {
      bounded.acquire(key);
      plain.set(ring.get(key) as string, (plain.get(ring.get(key) as string) ?? 0) + 1);
    }
    const busiest = Math.max(...bounded.nodes().map((node) => bounded.load(node)));
    expect(busiest).toBeLessThanOrEqual(Math.ceil(1.25 * 1000));
    expect(Math.max(...plain.values())).toBeGreaterThan(1.5 * 1000);
  });

  it('release lowers a load, not below 0, and ignores nodes it does not place', () => {
    const ring = new BoundedLoadRing().add('a');
    const node = ring.acquire('k') as string;
    ring.acquire('k');
    ring.release(node);
    expect(ring.load('a')).toBe(1);
    ring.release('a', 5);
    expect([ring.load('a'), ring.totalLoad]).toEqual([0, 0]);
    ring.release('ghost');
    expect(() => ring.release('a', -1)).toThrow(new RangeError('BoundedLoadRing.release: n must be a non-negative integer, got -1'));
    expect(new BoundedLoadRing().acquire('k')).toBeUndefined();
    expect(new BoundedLoadRing().get('k')).toBeUndefined();
    expect(() => ring.acquire(5 as unknown as string)).toThrow(new TypeError('BoundedLoadRing.acquire: key must be a string, got 5'));
    expect(() => ring.get(5 as unknown as string)).toThrow(TypeError);
  });

  it('drops a removed node’s load from the total; a re-weighted node keeps its load', () => {
    const ring = new BoundedLoadRing({ virtualNodes: 8 }).add('a').add('b');
    for (let i = 0; i < 6; i++) ring.acquire(`k${i}`);
    const onA = ring.load('a');
    ring.add('a', 2);
    expect(ring.load('a')).toBe(onA);
    expect(ring.remove('b')).toBe(true);
    expect(ring.remove('b')).toBe(false);
    expect(ring.totalLoad).toBe(onA);
    ring.add('b');
    expect(ring.load('b')).toBe(0);
  });
});
