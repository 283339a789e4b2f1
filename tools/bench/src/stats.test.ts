import { median, range, rotate, sameRoundAddedRatio, sameRoundDelta, sameRoundRatio } from './stats.js';

describe('median', () => {
  it('takes the middle value of an odd count', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN for an empty list', () => {
    expect(median([])).toBeNaN();
  });

  it('does not reorder its argument', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('sorts numerically, not as strings', () => {
    expect(median([100, 9, 20])).toBe(20);
  });
});

describe('range', () => {
  it('returns min and max', () => {
    expect(range([3, -1, 7])).toEqual({ min: -1, max: 7 });
  });

  it('is NaN for an empty list', () => {
    expect(range([])).toEqual({ min: Number.NaN, max: Number.NaN });
  });
});

describe('same-round comparisons', () => {
  // Round 2 is a slow round for everybody: same-round ratios stay put, cross-round ones would not.
  const base = [100, 300, 100];
  const ours = [200, 600, 220];
  const peer = [1_000, 3_000, 1_100];

  it('sameRoundRatio divides within each round, then takes the median', () => {
    expect(sameRoundRatio(peer, ours)).toBe(5);
  });

  it('sameRoundDelta subtracts the baseline within each round', () => {
    // deltas: 100, 300, 120 → median 120
    expect(sameRoundDelta(ours, base)).toBe(120);
  });

  it('sameRoundAddedRatio compares added costs within each round', () => {
    // (900/100, 2700/300, 1000/120) = (9, 9, 8.33) → 9
    expect(sameRoundAddedRatio(peer, ours, base)).toBe(9);
  });

  it('sameRoundAddedRatio skips rounds where the denominator added nothing', () => {
    expect(sameRoundAddedRatio([300, 400], [100, 150], [100, 100])).toBe(6);
    expect(sameRoundAddedRatio([300], [90], [100])).toBeNaN();
  });

  it('rejects lists of different lengths', () => {
    expect(() => sameRoundRatio([1, 2], [1])).toThrow(RangeError);
    expect(() => sameRoundDelta([1], [1, 2])).toThrow(RangeError);
    expect(() => sameRoundAddedRatio([1], [1], [1, 2])).toThrow(RangeError);
  });
});

describe('rotate', () => {
  it('rotates left by the round number', () => {
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
  });

  it('handles negative offsets and empty lists', () => {
    expect(rotate([1, 2, 3], -1)).toEqual([3, 1, 2]);
    expect(rotate([], 3)).toEqual([]);
  });

  it('gives every case every position over n rounds', () => {
    const cases = ['a', 'b', 'c', 'd'];
    const firsts = cases.map((_, round) => rotate(cases, round)[0]);
    expect(firsts.sort()).toEqual(cases);
  });
});
