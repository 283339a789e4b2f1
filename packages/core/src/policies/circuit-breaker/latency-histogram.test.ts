import fc from 'fast-check';
import { LatencyHistogram } from './latency-histogram.js';

const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1];

/** opossum's calculatePercentile (status.js) on a sorted array. */
function naivePercentile(sorted: number[], p: number): number {
  if (p === 0) return sorted[0] || 0;
  return sorted[Math.ceil(p * sorted.length) - 1] || 0;
}

function histogramOf(values: number[]): LatencyHistogram {
  const h = new LatencyHistogram();
  for (const v of values) h.record(v);
  return h;
}

const ascending = (a: number, b: number): number => a - b;

describe('LatencyHistogram', () => {
  it('starts empty', () => {
    const h = new LatencyHistogram();
    expect(h.count).toBe(0);
    expect(h.sum).toBe(0);
    expect(h.sortedEntries()).toEqual([]);
    expect(h.toSortedArray()).toEqual([]);
    for (const p of PERCENTILES) expect(LatencyHistogram.percentile(h.sortedEntries(), 0, p)).toBe(0);
  });

  it('counts small integer latencies (dense) with their multiplicity, in order', () => {
    const h = histogramOf([5, 0, 5, 1023, 3, 5]);
    expect(h.count).toBe(6);
    expect(h.sum).toBe(1041);
    expect(h.sortedEntries()).toEqual([
      [0, 1],
      [3, 1],
      [5, 3],
      [1023, 1],
    ]);
    expect(h.toSortedArray()).toEqual([0, 3, 5, 5, 5, 1023]);
  });

  it('keeps negative, fractional and large values (sparse) exactly and merges them in order with dense ones', () => {
    const values = [1024, -3, 2.5, 0.25, 7, -0.5, 1e6, 2.5, 1023.5, 0, 1023];
    const h = histogramOf(values);
    expect(h.count).toBe(values.length);
    expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
    expect(h.toSortedArray()).toEqual([...values].sort(ascending));
    expect(h.sortedEntries()).toEqual([
      [-3, 1],
      [-0.5, 1],
      [0, 1],
      [0.25, 1],
      [2.5, 2],
      [7, 1],
      [1023, 1],
      [1023.5, 1],
      [1024, 1],
      [1e6, 1],
    ]);
  });

  it('sorts sparse values alone (no dense value recorded)', () => {
    const h = histogramOf([3000, -1, 0.5, 2000]);
    expect(h.toSortedArray()).toEqual([-1, 0.5, 2000, 3000]);
  });

  it('rounds new distinct values to 3 significant digits past 2,048 distinct ones, keeping the sum exact', () => {
    const h = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 3000; i++) values.push(100_000 + i);
    for (const v of values) h.record(v);
    expect(h.count).toBe(3000);
    expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
    expect(h.toSortedArray()).toHaveLength(3000);
    const entries = new Map(h.sortedEntries());
    // The first 2,048 distinct values (100,000..102,047) are kept exactly.
    for (let v = 100_000; v < 102_048; v++) if (v !== 102_000) expect(entries.get(v)).toBe(1);
    // Later ones are rounded to three significant digits: 102,048..102,499 onto 102,000 (which
    // was recorded exactly once already), 102,500..102,999 onto 103,000.
    expect(entries.get(102_000)).toBe(1 + 452);
    expect(entries.get(103_000)).toBe(500);
    expect(entries.size).toBe(2048 + 1);
    // The mean stays exact although the values it is reported with were rounded.
    const exactMean = values.reduce((a, b) => a + b, 0) / 3000;
    expect(h.sum / h.count).toBe(exactMean);
    expect(h.toSortedArray().reduce((a, b) => a + b, 0) / 3000).not.toBe(exactMean);
    // A value already kept exactly keeps counting exactly after the limit.
    h.record(100_001);
    expect(new Map(h.sortedEntries()).get(100_001)).toBe(2);
  });

  it('rounds negative and fractional values past the limit too', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 2048; i++) h.record(5000 + i);
    h.record(-12_345);
    h.record(0.123_456);
    const entries = new Map(h.sortedEntries());
    expect(entries.get(-12_300)).toBe(1);
    expect([...entries.keys()].some((v) => Math.abs(v - 0.123) < 1e-12)).toBe(true);
    expect(h.sum).toBe(sumOf5000s() - 12_345 + 0.123_456);
  });

  it('dense values never count against the sparse limit', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1024; i++) h.record(i);
    for (let i = 0; i < 2048; i++) h.record(10_000 + i);
    h.record(12_048); // the 2,049th sparse value: rounded
    h.record(1023); // still dense and exact
    const entries = new Map(h.sortedEntries());
    expect(entries.get(12_048)).toBeUndefined();
    expect(entries.get(12_000)).toBe(2);
    expect(entries.get(1023)).toBe(2);
  });

  it('a value rounded onto a small integer still sorts and counts correctly', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 2048; i++) h.record(5000 + i);
    h.record(1000); // dense
    h.record(999.7); // sparse and past the limit: rounded to 1000
    h.record(998);
    const sorted = h.toSortedArray();
    expect(sorted.slice(0, 4)).toEqual([998, 1000, 1000, 5000]);
    const entries = h.sortedEntries();
    for (let i = 1; i < entries.length; i++) expect(entries[i][0]).toBeGreaterThanOrEqual(entries[i - 1][0]);
    expect(LatencyHistogram.percentile(entries, h.count, 2 / h.count)).toBe(1000);
    expect(LatencyHistogram.percentile(entries, h.count, 3 / h.count)).toBe(1000);
    expect(LatencyHistogram.percentile(entries, h.count, 4 / h.count)).toBe(5000);
  });

  it('addAll() merges counts, sums and both kinds of values', () => {
    const a = histogramOf([1, 2, 2000.5, -1]);
    const b = histogramOf([2, 3, 2000.5, 5000]);
    const empty = new LatencyHistogram();
    a.addAll(b);
    a.addAll(empty);
    expect(a.count).toBe(8);
    expect(a.sum).toBe(1 + 2 + 2000.5 - 1 + 2 + 3 + 2000.5 + 5000);
    expect(a.toSortedArray()).toEqual([-1, 1, 2, 2, 3, 2000.5, 2000.5, 5000]);
    // b is unchanged.
    expect(b.toSortedArray()).toEqual([2, 3, 2000.5, 5000]);
    // Merging into an empty histogram copies.
    empty.addAll(b);
    expect(empty.toSortedArray()).toEqual([2, 3, 2000.5, 5000]);
    expect(empty.count).toBe(4);
  });

  it('percentile() follows opossum: arr[ceil(p*n)-1] || 0, and arr[0] || 0 for p = 0', () => {
    const h = histogramOf([10, 20, 30, 40]);
    const e = h.sortedEntries();
    expect(LatencyHistogram.percentile(e, 4, 0)).toBe(10);
    expect(LatencyHistogram.percentile(e, 4, 0.25)).toBe(10);
    expect(LatencyHistogram.percentile(e, 4, 0.5)).toBe(20);
    expect(LatencyHistogram.percentile(e, 4, 0.75)).toBe(30);
    expect(LatencyHistogram.percentile(e, 4, 0.9)).toBe(40);
    expect(LatencyHistogram.percentile(e, 4, 1)).toBe(40);
    expect(LatencyHistogram.percentile(e, 0, 0.5)).toBe(0);
  });

  it('percentile() of a single value', () => {
    const h = histogramOf([1500.5]);
    for (const p of PERCENTILES) expect(LatencyHistogram.percentile(h.sortedEntries(), 1, p)).toBe(1500.5);
  });

  it('matches a naive sorted array for integer latencies below 1024 (dense)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1023 }), { maxLength: 300 }), (values) => {
        const h = histogramOf(values);
        const sorted = [...values].sort(ascending);
        expect(h.toSortedArray()).toEqual(sorted);
        expect(h.count).toBe(values.length);
        expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
        const entries = h.sortedEntries();
        for (const p of PERCENTILES) expect(LatencyHistogram.percentile(entries, h.count, p)).toBe(naivePercentile(sorted, p));
      }),
    );
  });

  it('matches a naive sorted array for arbitrary values below the distinct-value limit', () => {
    const value = fc.oneof(
      fc.integer({ min: 0, max: 1023 }),
      fc.integer({ min: -1e6, max: 1e7 }),
      fc.double({ min: -1e6, max: 1e7, noNaN: true, noDefaultInfinity: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 300 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true })), (values, extraPs) => {
        const h = histogramOf(values);
        // -0 and 0 are the same latency; the histogram keeps one of them.
        const sorted = [...values].sort(ascending);
        expect(h.toSortedArray().map((v) => v + 0)).toEqual(sorted.map((v) => v + 0));
        expect(h.count).toBe(values.length);
        expect(h.sum).toBe(values.reduce((a, b) => a + b, 0));
        const entries = h.sortedEntries();
        for (const p of [...PERCENTILES, ...extraPs]) {
          expect(LatencyHistogram.percentile(entries, h.count, p) + 0).toBe(naivePercentile(sorted, p) + 0);
        }
      }),
    );
  });

  it('sortedEntries() is strictly ascending when no value was rounded', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: -50, max: 2000 }), fc.double({ min: -50, max: 2000, noNaN: true }))), (values) => {
        const entries = histogramOf(values).sortedEntries();
        for (let i = 1; i < entries.length; i++) expect(entries[i][0]).toBeGreaterThan(entries[i - 1][0]);
        expect(entries.reduce((n, [, c]) => n + c, 0)).toBe(values.length);
      }),
    );
  });
});

function sumOf5000s(): number {
  let s = 0;
  for (let i = 0; i < 2048; i++) s += 5000 + i;
  return s;
}
