import fc from 'fast-check';
import { SimRandom } from './sim-random.js';

describe('SimRandom', () => {
  it('repeats its sequence for a seed, and forks repeat too', () => {
    const a = new SimRandom(5);
    const b = new SimRandom(5);
    expect(Array.from({ length: 10 }, () => a.int(0, 100))).toEqual(Array.from({ length: 10 }, () => b.int(0, 100)));
    expect(a.fork().next()).toBe(b.fork().next());
    expect(new SimRandom(6).next()).not.toBe(new SimRandom(5).next());
  });

  it('draws integers within [min, max], both ends reachable', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 20 }), (seed, min, span) => {
        const random = new SimRandom(seed | 0);
        const seen = new Set<number>();
        for (let i = 0; i < 200; i++) {
          const x = random.int(min, min + span);
          if (!Number.isInteger(x) || x < min || x > min + span) return false;
          seen.add(x);
        }
        return span > 5 || seen.size === span + 1;
      }),
    );
    expect(new SimRandom(1).int(3, 2)).toBe(3);
  });

  it('chance(p) is true about p of the time, and draws nothing at 0 or 1', () => {
    const random = new SimRandom(9);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (random.chance(0.3)) hits++;
    expect(hits).toBeGreaterThan(2800);
    expect(hits).toBeLessThan(3200);
    const a = new SimRandom(2);
    const b = new SimRandom(2);
    expect(a.chance(0)).toBe(false);
    expect(a.chance(1)).toBe(true);
    expect(a.next()).toBe(b.next());
  });

  it('picks, weighs and shuffles', () => {
    const random = new SimRandom(3);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3000; i++) counts[random.weighted({ a: 1, b: 2, c: 0 })]++;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(1.7);
    expect(counts.b / counts.a).toBeLessThan(2.3);
    expect(['x', 'y']).toContain(random.pick(['x', 'y']));
    const items = [1, 2, 3, 4, 5];
    const shuffled = random.shuffle(items);
    expect([...shuffled].sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects a bad seed, an empty pick and weights with nothing positive', () => {
    expect(() => new SimRandom(1.5)).toThrow(RangeError);
    expect(() => new SimRandom(Number.NaN)).toThrow('seed must be an integer');
    expect(() => new SimRandom(1).pick([])).toThrow(RangeError);
    expect(() => new SimRandom(1).weighted({ a: 0 })).toThrow(RangeError);
  });
});
