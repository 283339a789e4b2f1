import { checkArray, checkCounter, checkReplicaId, invalid } from '../validate.js';

/** How two vector clocks (or the events they stamp) are ordered. */
export type VectorClockOrder = 'before' | 'after' | 'equal' | 'concurrent';

/** One entry of a serialised clock: `[replica, counter]`, or with the time of its last update. */
export type VectorClockEntryJSON = readonly [replica: string, counter: number] | readonly [replica: string, counter: number, updatedAtMs: number];

/** A serialised {@link VectorClock}: its entries, sorted by replica id, zero counters left out. */
export type VectorClockJSON = readonly VectorClockEntryJSON[];

/**
 * How {@link VectorClock.prune} shortens a clock, after Riak's `small_vclock`, `big_vclock`,
 * `young_vclock` and `old_vclock`: entries are considered oldest first (by the time of their
 * last update; entries without a time count as oldest, ties by replica id), and pruning stops at
 * the first entry that must stay.
 */
export interface VectorClockPrunePolicy {
  /** A clock with more entries than this is always pruned down to it, young entries included. Required. */
  readonly maxEntries: number;
  /** A clock with at most this many entries is never pruned. Default: `maxEntries`. */
  readonly minEntries?: number;
  /** Above `minEntries` (and not above `maxEntries`), an entry updated less than this long ago stops pruning. Default 0. */
  readonly youngMs?: number;
  /** Above `minEntries`, entries not updated for longer than this are dropped. Default `Infinity`. */
  readonly oldMs?: number;
  /** The current time, for `youngMs` and `oldMs` (milliseconds, the scale of `updatedAtMs`). Required when either is set. */
  readonly nowMs?: number;
}

/** Options of {@link VectorClock.increment}. */
export interface VectorClockIncrementOptions {
  /** How much to add (a positive safe integer). Default 1. */
  readonly by?: number;
  /** When the entry was updated (epoch milliseconds), kept for age-based pruning. Default: no time. */
  readonly atMs?: number;
}

const EMPTY_MAP: ReadonlyMap<string, number> = new Map();

/**
 * A vector clock (Fidge, Mattern 1988): one counter per replica, compared pointwise. Immutable:
 * every operation returns a new clock, so a clock can be shared, cached and used as a value.
 * Zero counters are not stored (a missing replica reads as 0), so two clocks with the same
 * counters are `equals` whatever their history.
 *
 * An entry may also remember when it was last updated (`atMs`), which only
 * {@link VectorClock.prune} reads; it plays no part in comparisons.
 *
 * @example
 * const a = VectorClock.empty.increment('a');      // {a:1}
 * const b = a.increment('b');                      // {a:1, b:1}
 * const c = a.increment('a');                      // {a:2}
 * a.compare(b); // 'before'
 * b.compare(c); // 'concurrent'
 * b.merge(c).toJSON(); // [['a', 2], ['b', 1]]
 */
export class VectorClock {
  /** The clock with no entries: before every other clock. */
  static readonly empty: VectorClock = new VectorClock(EMPTY_MAP, undefined);

  // Not frozen (freezing every clock costs more than the rest of a merge); no method changes one.
  private constructor(
    private readonly counters: ReadonlyMap<string, number>,
    private readonly times: ReadonlyMap<string, number> | undefined,
  ) {}

  /**
   * A clock with the given counters (zeros are left out).
   *
   * @throws TypeError for an empty replica id, or a counter that is not a non-negative safe integer
   * @example
   * VectorClock.from({ a: 2, b: 1 });
   * VectorClock.from([['a', 2], ['b', 1]]);
   */
  static from(counters: Readonly<Record<string, number>> | Iterable<readonly [string, number]>): VectorClock {
    const entries = Symbol.iterator in counters ? (counters as Iterable<readonly [string, number]>) : Object.entries(counters);
    const map = new Map<string, number>();
    for (const [replica, counter] of entries) {
      checkReplicaId(replica, 'VectorClock.from');
      if (counter === 0) continue;
      map.set(replica, checkCounter(counter, `VectorClock.from: entry ${JSON.stringify(replica)}`));
    }
    return map.size === 0 ? VectorClock.empty : new VectorClock(map, undefined);
  }

  /** How many replicas have a non-zero counter. */
  get size(): number {
    return this.counters.size;
  }

  /** The counter of `replica` (0 if it has none). */
  get(replica: string): number {
    return this.counters.get(replica) ?? 0;
  }

  /** When `replica`'s entry was last updated, if that was recorded. */
  updatedAtMs(replica: string): number | undefined {
    return this.times?.get(replica);
  }

  /** The replicas with a non-zero counter, sorted. */
  replicas(): string[] {
    return [...this.counters.keys()].sort(compareIds);
  }

  /** `[replica, counter]` pairs, sorted by replica. */
  entries(): Array<[string, number]> {
    return this.replicas().map((replica) => [replica, this.get(replica)]);
  }

  /**
   * The clock of the next event at `replica`: its counter plus `by`.
   *
   * @throws TypeError for an empty replica id; RangeError if `by` is not a positive safe integer,
   *   `atMs` is not finite, or the counter would pass `Number.MAX_SAFE_INTEGER`
   */
  increment(replica: string, options: VectorClockIncrementOptions = {}): VectorClock {
    checkReplicaId(replica, 'VectorClock.increment: replica');
    const by = options.by ?? 1;
    if (!Number.isSafeInteger(by) || by < 1) throw new RangeError(`VectorClock.increment: by must be a positive safe integer, got ${by}`);
    const next = this.get(replica) + by;
    if (!Number.isSafeInteger(next)) throw new RangeError(`VectorClock.increment: the counter of ${JSON.stringify(replica)} would pass Number.MAX_SAFE_INTEGER`);
    const counters = new Map(this.counters).set(replica, next);
    let times = this.times;
    if (options.atMs !== undefined) {
      if (!Number.isFinite(options.atMs)) throw new RangeError(`VectorClock.increment: atMs must be a finite number, got ${options.atMs}`);
      times = new Map(times).set(replica, options.atMs);
    } else if (times?.has(replica)) {
      times = new Map(times);
      (times as Map<string, number>).delete(replica);
    }
    return new VectorClock(counters, times?.size === 0 ? undefined : times);
  }

  /**
   * This clock with `replica`'s counter raised to at least `counter` (unchanged if it is there
   * already): the clock of having seen that one event too.
   *
   * @throws TypeError for an empty replica id or a counter that is not a positive safe integer
   */
  withEvent(replica: string, counter: number): VectorClock {
    if (this.get(replica) >= counter) return this;
    checkReplicaId(replica, 'VectorClock.withEvent: replica');
    checkCounter(counter, 'VectorClock.withEvent: counter');
    const times = this.times?.has(replica) ? new Map([...this.times].filter(([r]) => r !== replica)) : this.times;
    return new VectorClock(new Map(this.counters).set(replica, counter), times?.size === 0 ? undefined : times);
  }

  /**
   * The least clock at or after both: the pointwise maximum. An entry keeps the time of the
   * larger counter (the later time when the counters are equal).
   */
  merge(other: VectorClock): VectorClock {
    if (other === this || other.counters.size === 0) return this;
    if (this.counters.size === 0) return other;
    let counters: Map<string, number> | undefined;
    for (const [replica, counter] of other.counters) {
      if (counter > this.get(replica)) (counters ??= new Map(this.counters)).set(replica, counter);
    }
    const times = VectorClock.mergeTimes(this, other);
    if (counters === undefined && times === this.times) return this;
    return new VectorClock(counters ?? this.counters, times);
  }

  /**
   * Whether this clock is `'before'` `other` (every counter ≤, one <), `'after'` it, `'equal'`
   * to it, or `'concurrent'` with it (each has a counter the other lacks).
   */
  compare(other: VectorClock): VectorClockOrder {
    let less = false; // some counter of this < other's
    let greater = false; // some counter of this > other's
    for (const [replica, counter] of this.counters) {
      const theirs = other.get(replica);
      if (counter > theirs) greater = true;
      else if (counter < theirs) less = true;
    }
    if (!less) {
      for (const [replica, counter] of other.counters) {
        if (counter > this.get(replica)) {
          less = true;
          break;
        }
      }
    }
    if (less) return greater ? 'concurrent' : 'before';
    return greater ? 'after' : 'equal';
  }

  /** True when every counter of `other` is ≤ this one's (`'after'` or `'equal'`). */
  dominates(other: VectorClock): boolean {
    if (other.counters.size > this.counters.size) return false;
    for (const [replica, counter] of other.counters) if (counter > this.get(replica)) return false;
    return true;
  }

  /** True when this clock is strictly `'before'` `other`. */
  happenedBefore(other: VectorClock): boolean {
    return this.compare(other) === 'before';
  }

  /** True when neither clock dominates the other. */
  concurrentWith(other: VectorClock): boolean {
    return this.compare(other) === 'concurrent';
  }

  /** True when both have the same counters (update times are ignored). */
  equals(other: VectorClock): boolean {
    return this.compare(other) === 'equal';
  }

  /**
   * A shorter clock, by `policy` (see {@link VectorClockPrunePolicy}). Pruning loses
   * information: a pruned clock can compare `'before'` or `'concurrent'` with clocks it used to
   * dominate, which shows up as false conflicts (siblings), never as lost updates when the
   * pruned clock is only used as a context. Prune only clocks whose dropped replicas are unlikely
   * to write again: Dynamo and Riak prune per-client entries; clocks keyed by server replicas
   * (dotted version vectors) stay small and need no pruning.
   *
   * @throws RangeError for a bad policy value; TypeError if `youngMs` or `oldMs` is set without `nowMs`
   * @example
   * clock.prune({ maxEntries: 10 }); // at most 10 entries, the least recently updated dropped first
   * clock.prune({ minEntries: 20, maxEntries: 50, youngMs: 20_000, oldMs: 86_400_000, nowMs: Date.now() }); // Riak's defaults
   */
  prune(policy: VectorClockPrunePolicy): VectorClock {
    const { maxEntries } = policy;
    const minEntries = policy.minEntries ?? maxEntries;
    const youngMs = policy.youngMs ?? 0;
    const oldMs = policy.oldMs ?? Infinity;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) throw new RangeError(`VectorClock.prune: maxEntries must be a non-negative safe integer, got ${maxEntries}`);
    if (!Number.isSafeInteger(minEntries) || minEntries < 0 || minEntries > maxEntries) {
      throw new RangeError(`VectorClock.prune: minEntries must be a safe integer in [0, maxEntries], got ${minEntries}`);
    }
    if (!(youngMs >= 0)) throw new RangeError(`VectorClock.prune: youngMs must be a non-negative number, got ${youngMs}`);
    if (!(oldMs >= 0)) throw new RangeError(`VectorClock.prune: oldMs must be a non-negative number, got ${oldMs}`);
    const timed = youngMs > 0 || oldMs !== Infinity;
    const nowMs = policy.nowMs ?? (timed ? undefined : 0);
    if (nowMs === undefined) throw new TypeError('VectorClock.prune: nowMs is required when youngMs or oldMs is set');
    if (!Number.isFinite(nowMs)) throw new RangeError(`VectorClock.prune: nowMs must be a finite number, got ${nowMs}`);
    if (this.counters.size <= minEntries) return this;

    const oldestFirst = this.replicas().sort((x, y) => (this.times?.get(x) ?? -Infinity) - (this.times?.get(y) ?? -Infinity) || compareIds(x, y));
    let drop = 0;
    while (oldestFirst.length - drop > minEntries) {
      const age = nowMs - (this.times?.get(oldestFirst[drop]) ?? -Infinity);
      const tooMany = oldestFirst.length - drop > maxEntries;
      if (!tooMany && (age < youngMs || age <= oldMs)) break;
      drop++;
    }
    if (drop === 0) return this;
    const dropped = new Set(oldestFirst.slice(0, drop));
    const counters = new Map([...this.counters].filter(([replica]) => !dropped.has(replica)));
    const times = this.times && new Map([...this.times].filter(([replica]) => !dropped.has(replica)));
    return counters.size === 0 ? VectorClock.empty : new VectorClock(counters, times?.size === 0 ? undefined : times);
  }

  /** The entries as `[replica, counter]` (or `[replica, counter, updatedAtMs]`), sorted by replica. */
  toJSON(): VectorClockJSON {
    return this.replicas().map((replica) => {
      const at = this.times?.get(replica);
      return at === undefined ? [replica, this.get(replica)] : [replica, this.get(replica), at];
    });
  }

  /**
   * Parses what {@link VectorClock.toJSON} produced, validating it (it may come from a peer).
   *
   * @throws TypeError naming the entry that is malformed: not an array of `[replica, counter]`
   *   or `[replica, counter, updatedAtMs]`, an empty replica id, a counter that is not a positive
   *   safe integer, a time that is not finite, or a replica listed twice
   */
  static fromJSON(json: unknown): VectorClock {
    const entries = checkArray(json, 'VectorClock.fromJSON');
    const counters = new Map<string, number>();
    let times: Map<string, number> | undefined;
    entries.forEach((entry, i) => {
      const where = `VectorClock.fromJSON: entry ${i}`;
      if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) invalid(where, 'must be [replica, counter] or [replica, counter, updatedAtMs]', entry);
      const replica = checkReplicaId(entry[0], where);
      if (counters.has(replica)) invalid(where, 'replica listed twice', replica);
      counters.set(replica, checkCounter(entry[1], where));
      if (entry.length === 3) {
        if (typeof entry[2] !== 'number' || !Number.isFinite(entry[2])) invalid(where, 'updatedAtMs must be a finite number', entry[2]);
        (times ??= new Map()).set(replica, entry[2]);
      }
    });
    return counters.size === 0 ? VectorClock.empty : new VectorClock(counters, times);
  }

  /** The update times of a merge: each entry keeps the time of its larger counter. */
  private static mergeTimes(a: VectorClock, b: VectorClock): ReadonlyMap<string, number> | undefined {
    const aTimes = a.times;
    const bTimes = b.times;
    if (bTimes === undefined) {
      if (aTimes === undefined) return undefined;
      // Entries b has moved past lose a's time: b did not record when it updated them.
      const kept = new Map([...aTimes].filter(([replica]) => b.get(replica) <= a.get(replica)));
      return kept.size === aTimes.size ? aTimes : kept.size === 0 ? undefined : kept;
    }
    const times = new Map<string, number>();
    for (const replica of new Set([...(aTimes?.keys() ?? []), ...bTimes.keys()])) {
      const ca = a.get(replica);
      const cb = b.get(replica);
      const ta = aTimes?.get(replica);
      const tb = bTimes.get(replica);
      const at = ca > cb ? ta : cb > ca ? tb : ta === undefined ? tb : tb === undefined ? ta : Math.max(ta, tb);
      if (at !== undefined) times.set(replica, at);
    }
    if (aTimes !== undefined && times.size === aTimes.size && [...times].every(([r, t]) => aTimes.get(r) === t)) return aTimes;
    return times.size === 0 ? undefined : times;
  }

  /** Like `{a:2, b:1}`, for logs and test failures. */
  toString(): string {
    return `{${this.entries()
      .map(([replica, counter]) => `${replica}:${counter}`)
      .join(', ')}}`;
  }
}

/** Orders replica ids by code unit, the same everywhere (unlike `localeCompare`). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
