import { VectorClock, compareIds } from '../clocks/vector-clock.js';
import type { VectorClockJSON } from '../clocks/vector-clock.js';
import { checkArray, invalid } from '../validate.js';

/** A serialised {@link CausalToken}: `[key, clock]` pairs sorted by key. */
export type CausalTokenJSON = readonly (readonly [key: string, clock: VectorClockJSON])[];

/**
 * What a client session has seen of a quorum store: per key, the join of the clocks of every
 * version it wrote or read. The client carries it from request to request (in memory, or
 * across processes through `toJSON`); a coordinator answers a read only with a state at or
 * after the token's clock for the key, which gives read-your-writes and monotonic reads (Terry
 * et al., "Session Guarantees for Weakly Consistent Replicated Data", 1994), and a write
 * supersedes what the token covers (writes follow reads). Immutable.
 *
 * Its size grows with the keys a session touches; `forget` what is no longer needed.
 *
 * @example
 * let token = CausalToken.empty;
 * ({ token } = await store.put('cart', items, { token }));
 * const { value } = await store.get('cart', { token, consistency: 'eventual' }); // sees the put
 */
export class CausalToken {
  /** A session that has seen nothing. */
  static readonly empty: CausalToken = new CausalToken(new Map());

  private constructor(private readonly clocks: ReadonlyMap<string, VectorClock>) {
    Object.freeze(this);
  }

  /** The clock the session has seen for `key` (empty if none). */
  for(key: string): VectorClock {
    return this.clocks.get(key) ?? VectorClock.empty;
  }

  /** The keys the token covers, sorted. */
  keys(): string[] {
    return [...this.clocks.keys()].sort(compareIds);
  }

  /** The token after seeing `clock` for `key` (merged with what it had). */
  observe(key: string, clock: VectorClock): CausalToken {
    if (typeof key !== 'string') throw new TypeError('CausalToken.observe: key must be a string');
    if (!(clock instanceof VectorClock)) throw new TypeError('CausalToken.observe: clock must be a VectorClock');
    const merged = this.for(key).merge(clock);
    if (merged.size === 0 || merged === this.clocks.get(key)) return this;
    return new CausalToken(new Map(this.clocks).set(key, merged));
  }

  /** The token without `key`: later reads of it get no session guarantee from this token. */
  forget(key: string): CausalToken {
    if (!this.clocks.has(key)) return this;
    const clocks = new Map(this.clocks);
    clocks.delete(key);
    return new CausalToken(clocks);
  }

  /** What either token has seen (two sessions joined, or two copies of one). */
  merge(other: CausalToken): CausalToken {
    return [...other.clocks].reduce<CausalToken>((token, [key, clock]) => token.observe(key, clock), this);
  }

  toJSON(): CausalTokenJSON {
    return this.keys().map((key) => [key, this.for(key).toJSON()]);
  }

  /**
   * Parses what {@link CausalToken.toJSON} produced, validating it (a client sends it back).
   *
   * @throws TypeError for a malformed token, naming the entry
   */
  static fromJSON(json: unknown): CausalToken {
    const clocks = new Map<string, VectorClock>();
    const seen = new Set<string>();
    checkArray(json, 'CausalToken.fromJSON').forEach((entry, i) => {
      const where = `CausalToken.fromJSON: entry ${i}`;
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') invalid(where, 'must be [key, clock]', entry);
      if (seen.has(entry[0])) invalid(where, 'key listed twice', entry[0]);
      seen.add(entry[0]);
      const clock = VectorClock.fromJSON(entry[1]);
      if (clock.size > 0) clocks.set(entry[0], clock);
    });
    return clocks.size === 0 ? CausalToken.empty : new CausalToken(clocks);
  }
}
