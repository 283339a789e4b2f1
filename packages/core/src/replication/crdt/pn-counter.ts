import { checkObject } from '../validate.js';
import { GCounter } from './g-counter.js';
import type { GCounterJSON } from './g-counter.js';

/** A serialised {@link PNCounter}: the increments and the decrements. */
export interface PNCounterJSON {
  readonly p: GCounterJSON;
  readonly n: GCounterJSON;
}

/**
 * A counter that goes up and down (Shapiro et al. 2011, §3.1.2): two grow-only counters, one of
 * increments and one of decrements; the value is their difference. Immutable.
 *
 * @example
 * const stock = PNCounter.empty.increment('a', 10).decrement('b', 3);
 * stock.value; // 7
 */
export class PNCounter {
  /** The counter at zero. */
  static readonly empty: PNCounter = new PNCounter(GCounter.empty, GCounter.empty);

  private constructor(
    private readonly p: GCounter,
    private readonly n: GCounter,
  ) {
    Object.freeze(this);
  }

  /** Increments minus decrements. */
  get value(): number {
    return this.p.value - this.n.value;
  }

  /** Adds `by` (default 1) at `replica`. @throws RangeError unless `by` is a positive safe integer */
  increment(replica: string, by = 1): PNCounter {
    return new PNCounter(this.p.increment(replica, by), this.n);
  }

  /** Subtracts `by` (default 1) at `replica`. @throws RangeError unless `by` is a positive safe integer */
  decrement(replica: string, by = 1): PNCounter {
    return new PNCounter(this.p, this.n.increment(replica, by));
  }

  /** Merges the increments and the decrements separately. */
  merge(other: PNCounter): PNCounter {
    const p = this.p.merge(other.p);
    const n = this.n.merge(other.n);
    return p === this.p && n === this.n ? this : new PNCounter(p, n);
  }

  toJSON(): PNCounterJSON {
    return { p: this.p.toJSON(), n: this.n.toJSON() };
  }

  /** Parses what {@link PNCounter.toJSON} produced, validating it. @throws TypeError for a malformed counter */
  static fromJSON(json: unknown): PNCounter {
    const object = checkObject(json, 'PNCounter.fromJSON');
    return new PNCounter(GCounter.fromJSON(object.p), GCounter.fromJSON(object.n));
  }
}
