import { GCounter } from './g-counter.js';
import { PNCounter } from './pn-counter.js';

describe('GCounter', () => {
  it('sums per-replica counts and merges by the maximum of each', () => {
    const a = GCounter.empty.increment('a').increment('a', 4);
    const b = GCounter.empty.increment('b', 2).increment('a');
    expect(a.value).toBe(5);
    expect(a.get('a')).toBe(5);
    expect(a.get('z')).toBe(0);
    const merged = a.merge(b);
    expect(merged.value).toBe(7);
    expect(merged.toJSON()).toEqual([['a', 5], ['b', 2]]);
    expect(a.merge(GCounter.empty)).toBe(a);
    expect(GCounter.empty.merge(a)).toBe(a);
    expect(GCounter.empty.value).toBe(0);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('validates increments and untrusted JSON', () => {
    expect(() => GCounter.empty.increment('a', 0)).toThrow(/by must be a positive safe integer, got 0/);
    expect(() => GCounter.empty.increment('', 1)).toThrow(/replica id/);
    expect(GCounter.fromJSON([['a', 3], ['b', 0]]).value).toBe(3);
    expect(() => GCounter.fromJSON({})).toThrow(/GCounter.fromJSON: must be an array/);
    expect(() => GCounter.fromJSON([['a']])).toThrow(/entry 0: must be \[replica, count\]/);
    expect(() => GCounter.fromJSON([['a', -2]])).toThrow(/entry 0: count: must be a non-negative safe integer, got -2/);
    expect(() => GCounter.fromJSON([['a', 1], ['a', 2]])).toThrow(/a replica is listed twice/);
  });
});

describe('PNCounter', () => {
  it('counts up and down per replica and merges both halves', () => {
    const a = PNCounter.empty.increment('a', 10).decrement('a', 3);
    const b = PNCounter.empty.decrement('b').increment('b');
    expect(a.value).toBe(7);
    expect(a.merge(b).value).toBe(7);
    expect(a.merge(b).merge(PNCounter.empty.decrement('c', 8)).value).toBe(-1);
    expect(a.merge(a)).toBe(a);
    expect(a.toJSON()).toEqual({ p: [['a', 10]], n: [['a', 3]] });
    expect(PNCounter.fromJSON(JSON.parse(JSON.stringify(a))).value).toBe(7);
  });

  it('validates its input', () => {
    expect(() => PNCounter.empty.decrement('a', -1)).toThrow(RangeError);
    expect(() => PNCounter.fromJSON(null)).toThrow(/PNCounter.fromJSON: must be an object/);
    expect(() => PNCounter.fromJSON({ p: [] })).toThrow(/GCounter.fromJSON: must be an array/);
  });
});
