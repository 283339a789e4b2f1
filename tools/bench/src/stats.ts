/**
 * Pure statistics used by the harness and the suites: medians, same-round ratios and
 * added cost over a baseline. Nothing here reads a clock.
 */

/**
 * Median of a list of numbers (the mean of the two middle values for an even count).
 * Returns NaN for an empty list. Does not modify its argument.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Smallest and largest value of a list (NaN, NaN for an empty list). */
export function range(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), max: Math.max(...values) };
}

function assertSameLength(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) {
    throw new RangeError(`same-round comparison needs equal round counts, got ${a.length} and ${b.length}`);
  }
}

/**
 * Median over rounds of `numerator[i] / denominator[i]`: a ratio taken inside each round
 * (so both sides saw the same machine load), then the median across rounds.
 *
 * With ns/op values, `sameRoundRatio(peerNs, oursNs)` is "how many times faster ours is".
 */
export function sameRoundRatio(numerator: readonly number[], denominator: readonly number[]): number {
  assertSameLength(numerator, denominator);
  return median(numerator.map((n, i) => n / denominator[i]));
}

/** Median over rounds of `values[i] - baseline[i]`: the cost added over a baseline in the same round. */
export function sameRoundDelta(values: readonly number[], baseline: readonly number[]): number {
  assertSameLength(values, baseline);
  return median(values.map((v, i) => v - baseline[i]));
}

/**
 * Ratio of two added costs (e.g. opossum's added ns over ours), per round then median.
 * Rounds where the denominator's added cost is not positive are skipped (the ratio is
 * meaningless there); NaN if no round is usable.
 */
export function sameRoundAddedRatio(
  numerator: readonly number[],
  denominator: readonly number[],
  baseline: readonly number[],
): number {
  assertSameLength(numerator, denominator);
  assertSameLength(numerator, baseline);
  const ratios: number[] = [];
  for (let i = 0; i < numerator.length; i++) {
    const den = denominator[i] - baseline[i];
    if (den > 0) ratios.push((numerator[i] - baseline[i]) / den);
  }
  return median(ratios);
}

/**
 * The list rotated left by `by` places (by may exceed the length or be negative). Used to
 * rotate the order of cases from one round to the next.
 */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const n = items.length;
  if (n === 0) return [];
  const k = ((by % n) + n) % n;
  return [...items.slice(k), ...items.slice(0, k)];
}
