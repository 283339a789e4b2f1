import fc from 'fast-check';
import { VectorClock } from './vector-clock.js';
import type { VectorClockOrder } from './vector-clock.js';

const replicas = ['a', 'b', 'c', 'd'];
/** Clocks over a few replicas with small counters, so that every order shows up often. */
const clockArb = fc.dictionary(fc.constantFrom(...replicas), fc.nat({ max: 3 })).map((counters) => VectorClock.from(counters));

describe('VectorClock', () => {
  it('starts empty, increments per replica and reads missing replicas as 0', () => {
    const clock = VectorClock.empty.increment('a').increment('a').increment('b', { by: 3 });
    expect(clock.get('a')).toBe(2);
    expect(clock.get('b')).toBe(3);
    expect(clock.get('z')).toBe(0);
    expect(clock.size).toBe(2);
    expect(clock.replicas()).toEqual(['a', 'b']);
    expect(clock.entries()).toEqual([['a', 2], ['b', 3]]);
    expect(String(clock)).toBe('{a:2, b:3}');
    expect(VectorClock.empty.size).toBe(0);
  });

  it('is immutable: operations return new clocks and leave the old ones alone', () => {
    const a = VectorClock.from({ a: 1 });
    const b = a.increment('a');
    expect(a.get('a')).toBe(1);
    expect(b.get('a')).toBe(2);
    expect(a.merge(VectorClock.from({ b: 1 })).get('b')).toBe(1);
    expect(a.get('b')).toBe(0);
  });

  it('from() takes a record or pairs, drops zeros and validates', () => {
    expect(VectorClock.from([['x', 2], ['y', 0]]).toJSON()).toEqual([['x', 2]]);
    expect(VectorClock.from({ y: 0 })).toBe(VectorClock.empty);
    expect(() => VectorClock.from({ a: -1 })).toThrow(/VectorClock.from: entry "a": a counter must be a positive safe integer, got -1/);
    expect(() => VectorClock.from({ a: 1.5 })).toThrow(TypeError);
    expect(() => VectorClock.from([['', 1]])).toThrow(/replica id must be a non-empty string/);
  });

  it('increment validates its arguments', () => {
    expect(() => VectorClock.empty.increment('')).toThrow(TypeError);
    expect(() => VectorClock.empty.increment('a', { by: 0 })).toThrow(/by must be a positive safe integer, got 0/);
    expect(() => VectorClock.empty.increment('a', { atMs: NaN })).toThrow(/atMs must be a finite number/);
    const big = VectorClock.from({ a: Number.MAX_SAFE_INTEGER });
    expect(() => big.increment('a')).toThrow(/would pass Number.MAX_SAFE_INTEGER/);
  });

  it.each<[Record<string, number>, Record<string, number>, VectorClockOrder]>([
    [{}, {}, 'equal'],
    [{ a: 1 }, { a: 1 }, 'equal'],
    [{}, { a: 1 }, 'before'],
    [{ a: 1 }, { a: 2 }, 'before'],
    [{ a: 1 }, { a: 1, b: 1 }, 'before'],
    [{ a: 2, b: 1 }, { a: 1 }, 'after'],
    [{ a: 1 }, { b: 1 }, 'concurrent'],
    [{ a: 2, b: 1 }, { a: 1, b: 2 }, 'concurrent'],
  ])('compare(%j, %j) is %s', (x, y, order) => {
    const a = VectorClock.from(x);
    const b = VectorClock.from(y);
    expect(a.compare(b)).toBe(order);
    expect(a.dominates(b)).toBe(order === 'after' || order === 'equal');
    expect(a.happenedBefore(b)).toBe(order === 'before');
    expect(a.concurrentWith(b)).toBe(order === 'concurrent');
    expect(a.equals(b)).toBe(order === 'equal');
  });

  it('withEvent raises one counter to at least a value', () => {
    const a = VectorClock.from({ a: 3 }).increment('b', { atMs: 5 });
    expect(a.withEvent('a', 2)).toBe(a);
    expect(a.withEvent('a', 7).toJSON()).toEqual([['a', 7], ['b', 1, 5]]);
    expect(a.withEvent('b', 4).updatedAtMs('b')).toBeUndefined();
    expect(VectorClock.empty.withEvent('c', 1).toJSON()).toEqual([['c', 1]]);
    expect(() => VectorClock.empty.withEvent('', 1)).toThrow(/withEvent: replica/);
    expect(() => VectorClock.empty.withEvent('a', 1.5)).toThrow(/withEvent: counter/);
  });

  it('merge is the pointwise maximum', () => {
    const merged = VectorClock.from({ a: 3, b: 1 }).merge(VectorClock.from({ b: 2, c: 1 }));
    expect(merged.toJSON()).toEqual([['a', 3], ['b', 2], ['c', 1]]);
    const a = VectorClock.from({ a: 3 });
    expect(a.merge(VectorClock.from({ a: 1 }))).toBe(a); // nothing new: the same clock
    expect(VectorClock.empty.merge(a)).toBe(a);
  });

  it('keeps update times for pruning; merge keeps the time of the larger counter', () => {
    const a = VectorClock.empty.increment('x', { atMs: 100 }).increment('y', { atMs: 50 });
    const b = VectorClock.empty.increment('x', { atMs: 10 }).increment('x', { atMs: 300 }).increment('y', { atMs: 70 });
    const merged = a.merge(b);
    expect(merged.updatedAtMs('x')).toBe(300); // b's x is larger
    expect(merged.updatedAtMs('y')).toBe(70); // equal counters: the later time
    expect(a.increment('x').updatedAtMs('x')).toBeUndefined(); // an update without a time forgets the old one
    // A timeless clock that moves an entry past the other's also drops that entry's time.
    expect(a.merge(VectorClock.from({ x: 5 })).updatedAtMs('x')).toBeUndefined();
    expect(a.merge(VectorClock.from({ x: 5 })).updatedAtMs('y')).toBe(50);
    expect(a.merge(VectorClock.from({ x: 1 }))).toBe(a);
    // Times play no part in comparisons.
    expect(VectorClock.empty.increment('x', { atMs: 1 }).equals(VectorClock.from({ x: 1 }))).toBe(true);
  });

  describe('prune', () => {
    // e1 is the oldest entry, e5 the youngest (updated at 10, 20, ..., 50); `old` has no time.
    const timed = [1, 2, 3, 4, 5].reduce((clock, i) => clock.increment(`e${i}`, { atMs: i * 10 }), VectorClock.from({ old: 1 }));

    it('leaves a clock at or below minEntries alone', () => {
      expect(timed.prune({ maxEntries: 6 })).toBe(timed);
      expect(timed.prune({ minEntries: 6, maxEntries: 6, oldMs: 0, nowMs: 1000 })).toBe(timed);
    });

    it('always prunes down to maxEntries, oldest first, timeless entries first of all', () => {
      expect(timed.prune({ maxEntries: 3 }).replicas()).toEqual(['e3', 'e4', 'e5']);
      expect(timed.prune({ maxEntries: 5 }).replicas()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
      expect(timed.prune({ maxEntries: 0 })).toBe(VectorClock.empty);
      // Young entries too, when above maxEntries.
      expect(timed.prune({ maxEntries: 2, youngMs: 1000, nowMs: 50 }).replicas()).toEqual(['e4', 'e5']);
    });

    it('between minEntries and maxEntries, drops entries older than oldMs and stops at a young one', () => {
      // At 100: e1..e5 are 90..50 ms old.
      expect(timed.prune({ minEntries: 1, maxEntries: 10, oldMs: 65, nowMs: 100 }).replicas()).toEqual(['e4', 'e5']);
      expect(timed.prune({ minEntries: 4, maxEntries: 10, oldMs: 0, nowMs: 100 }).replicas()).toEqual(['e2', 'e3', 'e4', 'e5']);
      // A young oldest entry stops pruning, even past oldMs.
      expect(timed.prune({ minEntries: 1, maxEntries: 10, oldMs: 0, youngMs: 95, nowMs: 100 }).replicas()).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
      // Without an oldMs, nothing under maxEntries goes.
      expect(timed.prune({ minEntries: 1, maxEntries: 10, youngMs: 5, nowMs: 100 })).toBe(timed);
    });

    it('keeps the times of the entries it keeps, and validates the policy', () => {
      expect(timed.prune({ maxEntries: 1 }).updatedAtMs('e5')).toBe(50);
      expect(() => timed.prune({ maxEntries: -1 })).toThrow(/maxEntries must be a non-negative safe integer, got -1/);
      expect(() => timed.prune({ maxEntries: 2, minEntries: 3 })).toThrow(/minEntries must be a safe integer in \[0, maxEntries\], got 3/);
      expect(() => timed.prune({ maxEntries: 2, youngMs: -1, nowMs: 0 })).toThrow(/youngMs/);
      expect(() => timed.prune({ maxEntries: 2, oldMs: NaN, nowMs: 0 })).toThrow(/oldMs/);
      expect(() => timed.prune({ maxEntries: 2, oldMs: 5 })).toThrow(/nowMs is required/);
      expect(() => timed.prune({ maxEntries: 2, oldMs: 5, nowMs: Infinity })).toThrow(/nowMs must be a finite number/);
    });

    it('a pruned clock is dominated by the original: pruning can only add conflicts, never hide a successor', () => {
      fc.assert(
        fc.property(clockArb, fc.nat({ max: 4 }), (clock, maxEntries) => {
          const pruned = clock.prune({ maxEntries });
          expect(pruned.size).toBeLessThanOrEqual(maxEntries);
          expect(clock.dominates(pruned)).toBe(true);
        }),
      );
    });
  });

  describe('toJSON / fromJSON', () => {
    it('round-trips counters and times, sorted by replica', () => {
      const clock = VectorClock.from({ b: 2, a: 1 }).increment('c', { atMs: 5 });
      const json = JSON.parse(JSON.stringify(clock)) as unknown;
      expect(json).toEqual([['a', 1], ['b', 2], ['c', 1, 5]]);
      const back = VectorClock.fromJSON(json);
      expect(back.equals(clock)).toBe(true);
      expect(back.updatedAtMs('c')).toBe(5);
      expect(VectorClock.fromJSON([])).toBe(VectorClock.empty);
    });

    it('accepts a replica named __proto__ as a plain id', () => {
      const clock = VectorClock.fromJSON(JSON.parse('[["__proto__", 2]]'));
      expect(clock.get('__proto__')).toBe(2);
      expect(VectorClock.from(JSON.parse('{"__proto__": 3}') as Record<string, number>).get('__proto__')).toBe(3);
    });

    it.each([
      [{}, /must be an array/],
      [[['a']], /entry 0: must be \[replica, counter\]/],
      [[['a', 1, 2, 3]], /entry 0: must be/],
      [['a'], /entry 0: must be/],
      [[[1, 1]], /entry 0: a replica id must be a non-empty string, got 1/],
      [[['a', 0]], /entry 0: a counter must be a positive safe integer, got 0/],
      [[['a', '1']], /a counter must be a positive safe integer, got "1"/],
      [[['a', 1], ['a', 2]], /entry 1: replica listed twice/],
      [[['a', 1, 'x']], /updatedAtMs must be a finite number/],
    ])('fromJSON(%j) throws a TypeError naming the problem', (json, message) => {
      expect(() => VectorClock.fromJSON(json)).toThrow(TypeError);
      expect(() => VectorClock.fromJSON(json)).toThrow(message);
    });
  });

  describe('properties', () => {
    it('compare is a partial order: reflexive, antisymmetric, transitive; concurrent is symmetric', () => {
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
          expect(a.compare(a)).toBe('equal');
          const ab = a.compare(b);
          const ba = b.compare(a);
          const flipped = { before: 'after', after: 'before', equal: 'equal', concurrent: 'concurrent' } as const;
          expect(ba).toBe(flipped[ab]);
          if (a.dominates(b) && b.dominates(a)) expect(a.equals(b)).toBe(true); // antisymmetric
          if (b.dominates(a) && c.dominates(b)) expect(c.dominates(a)).toBe(true); // transitive
          if (ab === 'before' && b.compare(c) === 'before') expect(a.compare(c)).toBe('before');
        }),
        { numRuns: 500 },
      );
    });

    it('compare agrees with a naive pointwise comparison', () => {
      fc.assert(
        fc.property(clockArb, clockArb, (a, b) => {
          const le = replicas.every((r) => a.get(r) <= b.get(r));
          const ge = replicas.every((r) => a.get(r) >= b.get(r));
          const naive = le && ge ? 'equal' : le ? 'before' : ge ? 'after' : 'concurrent';
          expect(a.compare(b)).toBe(naive);
        }),
        { numRuns: 500 },
      );
    });

    it('merge is the least upper bound: commutative, associative, idempotent, and dominates both', () => {
      fc.assert(
        fc.property(clockArb, clockArb, clockArb, (a, b, c) => {
          expect(a.merge(b).equals(b.merge(a))).toBe(true);
          expect(a.merge(b).merge(c).equals(a.merge(b.merge(c)))).toBe(true);
          expect(a.merge(a).equals(a)).toBe(true);
          const m = a.merge(b);
          expect(m.dominates(a) && m.dominates(b)).toBe(true);
          if (c.dominates(a) && c.dominates(b)) expect(c.dominates(m)).toBe(true);
        }),
      );
    });

    it('increment moves a clock strictly after itself, and fromJSON(toJSON) is the identity', () => {
      fc.assert(
        fc.property(clockArb, fc.constantFrom(...replicas), (a, replica) => {
          expect(a.compare(a.increment(replica))).toBe('before');
          expect(VectorClock.fromJSON(JSON.parse(JSON.stringify(a))).equals(a)).toBe(true);
        }),
      );
    });
  });
});
