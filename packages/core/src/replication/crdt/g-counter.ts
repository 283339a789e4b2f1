import { VectorClock } from '../clocks/vector-clock.js';
import { checkArray, checkCount, checkReplicaId, invalid } from '../validate.js';

/** A serialised {@link GCounter}: `[replica, count]` pairs sorted by replica. */
export type GCounterJSON = readonly (readonly [replica: string, count: number])[];

/**
 * A grow-only counter (Shapiro et al. 2011, §3.1.1): one count per replica, each incremented
 * only by its replica; the value is their sum and a merge takes each replica's maximum.
 * Immutable.
 *
 * @example
 * const views = GCounter.empty.increment('a').increment('b', 2);
 * views.merge(GCounter.empty.increment('a', 5)).value; // 7: a's 5, b's 2
 */
export class GCounter {
  /** The counter at zero. */
  static readonly empty: GCounter = new GCounter(VectorClock.empty);

  // A G-counter's state is a vector clock: counts per replica, merged by the pointwise maximum.
  private constructor(private readonly counts: VectorClock) {
    Object.freeze(this);
  }

  /** The total: the sum of every replica's count. */
  get value(): number {
    let sum = 0;
    for (const [, count] of this.counts.entries()) sum += count;
    return sum;
  }

  /** What `replica` contributed. */
  get(replica: string): number {
    return this.counts.get(replica);
  }

  /**
   * Adds `by` (default 1) to `replica`'s count. Only `replica` itself may do that.
   *
   * @throws TypeError for an empty replica id; RangeError unless `by` is a positive safe integer
   */
  increment(replica: string, by = 1): GCounter {
    if (!Number.isSafeInteger(by) || by < 1) throw new RangeError(`GCounter.increment: by must be a positive safe integer, got ${by}`);
    return new GCounter(this.counts.increment(replica, { by }));
  }

  /** Each replica's larger count. */
  merge(other: GCounter): GCounter {
    const merged = this.counts.merge(other.counts);
    return merged === this.counts ? this : merged === other.counts ? other : new GCounter(merged);
  }

  toJSON(): GCounterJSON {
    return this.counts.entries();
  }

  /**
   * Parses what {@link GCounter.toJSON} produced, validating it.
   *
   * @throws TypeError for a malformed counter, naming the entry
   */
  static fromJSON(json: unknown): GCounter {
    const entries = checkArray(json, 'GCounter.fromJSON').map((entry, i): [string, number] => {
      const where = `GCounter.fromJSON: entry ${i}`;
      if (!Array.isArray(entry) || entry.length !== 2) invalid(where, 'must be [replica, count]', entry);
      return [checkReplicaId(entry[0], where), checkCount(entry[1], `${where}: count`)];
    });
    if (new Set(entries.map(([replica]) => replica)).size !== entries.length) invalid('GCounter.fromJSON', 'a replica is listed twice', json);
    return new GCounter(VectorClock.from(entries));
  }
}
