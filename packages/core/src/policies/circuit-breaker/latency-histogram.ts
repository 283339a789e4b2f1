/** Integer latencies below this are counted in a dense array: one increment, no allocation. */
const DENSE_LIMIT = 1024;
/** How many distinct other values are kept exactly before new ones are rounded. */
const SPARSE_EXACT_LIMIT = 2048;

/**
 * Counts of latencies, bounded in memory whatever the call rate: integers below 1024 ms are
 * exact in a dense array; other values are exact up to 2,048 distinct ones, then rounded to
 * three significant digits (a ~0.5% error, only for rare, slow outliers). The sum is kept exact,
 * so the mean always is.
 *
 * opossum keeps every latency in an array (memory grows with the call rate: its issue #648) and
 * sorts them all on every failure; this answers the same percentile questions in
 * O(distinct values) only when asked.
 */
export class LatencyHistogram {
  count = 0;
  sum = 0;
  private dense: Uint32Array | undefined;
  private sparse: Map<number, number> | undefined;

  record(latency: number): void {
    this.count++;
    this.sum += latency;
    if (latency >= 0 && latency < DENSE_LIMIT && (latency | 0) === latency) {
      (this.dense ??= new Uint32Array(DENSE_LIMIT))[latency]++;
      return;
    }
    const sparse = (this.sparse ??= new Map());
    let key = latency;
    if (sparse.size >= SPARSE_EXACT_LIMIT && !sparse.has(key)) key = roundTo3Digits(latency);
    sparse.set(key, (sparse.get(key) ?? 0) + 1);
  }

  /** Adds every recorded value of `other` into `this`. */
  addAll(other: LatencyHistogram): void {
    this.count += other.count;
    this.sum += other.sum;
    if (other.dense) {
      const dense = (this.dense ??= new Uint32Array(DENSE_LIMIT));
      for (let i = 0; i < DENSE_LIMIT; i++) dense[i] += other.dense[i];
    }
    if (other.sparse) {
      const sparse = (this.sparse ??= new Map());
      for (const [value, n] of other.sparse) sparse.set(value, (sparse.get(value) ?? 0) + n);
    }
  }

  /** The recorded values in ascending order, each with its count. */
  sortedEntries(): Array<[value: number, count: number]> {
    const entries: Array<[number, number]> = [];
    const sparse = this.sparse ? [...this.sparse].sort((a, b) => a[0] - b[0]) : [];
    let s = 0;
    // Sparse values below 0 come first, then dense and sparse values merge in order.
    while (s < sparse.length && sparse[s][0] < 0) entries.push(sparse[s++]);
    if (this.dense) {
      for (let i = 0; i < DENSE_LIMIT; i++) {
        while (s < sparse.length && sparse[s][0] < i) entries.push(sparse[s++]);
        if (this.dense[i] !== 0) entries.push([i, this.dense[i]]);
      }
    }
    while (s < sparse.length) entries.push(sparse[s++]);
    return entries;
  }

  /** Every recorded value, ascending (what opossum reports as `latencyTimes`). */
  toSortedArray(): number[] {
    const out = new Array<number>(this.count);
    let i = 0;
    for (const [value, n] of this.sortedEntries()) for (let k = 0; k < n; k++) out[i++] = value;
    out.length = i;
    return out;
  }

  /**
   * opossum's percentile rule on the sorted values `arr`: `arr[ceil(p * n) - 1] || 0`, and
   * `arr[0] || 0` for p = 0. `entries` must come from {@link sortedEntries}.
   */
  static percentile(entries: ReadonlyArray<readonly [number, number]>, total: number, p: number): number {
    if (total === 0) return 0;
    const index = p === 0 ? 0 : Math.ceil(p * total) - 1;
    if (index < 0 || index >= total) return 0;
    let seen = 0;
    for (const [value, n] of entries) {
      seen += n;
      if (index < seen) return value || 0;
    }
    return 0;
  }
}

function roundTo3Digits(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 2);
  return Math.round(value / magnitude) * magnitude;
}
