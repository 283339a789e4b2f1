import type { Dot } from '../clocks/dotted-version-vector.js';
import { compareDots, dotKey } from '../clocks/dotted-version-vector.js';
import { VectorClock } from '../clocks/vector-clock.js';
import type { VectorClockJSON } from '../clocks/vector-clock.js';
import { checkArray, checkCounter, checkObject, checkReplicaId, invalid } from '../validate.js';

/** A serialised {@link MvRegister}: `[replica, counter, value]` per value, and the causal context. */
export interface MvRegisterJSON<V> {
  readonly values: readonly (readonly [replica: string, counter: number, value: V])[];
  readonly context: VectorClockJSON;
}

interface Entry<V> {
  readonly dot: Dot;
  readonly value: V;
}

/**
 * A multi-value register (Shapiro et al. 2011, §3.2.2), in the optimised form with dots and a
 * causal context (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018): a write
 * replaces every value it has seen; concurrent writes are all kept, as siblings, until a write
 * that has seen them replaces them. Its size is bounded by the number of concurrent writers, and
 * it keeps no tombstones. Immutable.
 *
 * @example
 * const base = MvRegister.empty<string>().assign('blue', 'a');
 * const x = base.assign('green', 'a');
 * const y = base.assign('red', 'b');
 * const both = x.merge(y);
 * both.values; // ['green', 'red']: concurrent
 * both.assign('teal', 'a').values; // ['teal']: a write that saw both replaces both
 */
export class MvRegister<V> {
  private static readonly EMPTY = new MvRegister<never>([], VectorClock.empty);

  private constructor(
    private readonly entries: readonly Entry<V>[],
    /** Every write this register has seen, kept or replaced. */
    readonly context: VectorClock,
  ) {
    Object.freeze(this);
  }

  /** A register that was never written. */
  static empty<V>(): MvRegister<V> {
    return MvRegister.EMPTY;
  }

  /** The current values: one, or several after concurrent writes; none before the first write. Sorted by their dots. */
  get values(): V[] {
    return this.entries.map((entry) => entry.value);
  }

  /**
   * This register after `replica` wrote `value`, replacing every value this copy holds.
   *
   * @throws TypeError for an empty replica id or an `undefined` value (use `null`)
   */
  assign(value: V, replica: string): MvRegister<V> {
    checkReplicaId(replica, 'MvRegister.assign: replica');
    if (value === undefined) throw new TypeError('MvRegister.assign: value must not be undefined (use null)');
    const context = this.context.increment(replica);
    return new MvRegister([{ dot: { replica, counter: context.get(replica) }, value }], context);
  }

  /**
   * Keeps each value that both hold, or that one holds and the other has not seen; a value one
   * has seen and no longer holds was replaced there.
   */
  merge(other: MvRegister<V>): MvRegister<V> {
    if (other === this) return this;
    const theirs = new Set(other.entries.map((entry) => dotKey(entry.dot)));
    const ours = new Set(this.entries.map((entry) => dotKey(entry.dot)));
    const kept = [
      ...this.entries.filter((entry) => theirs.has(dotKey(entry.dot)) || other.context.get(entry.dot.replica) < entry.dot.counter),
      ...other.entries.filter((entry) => !ours.has(dotKey(entry.dot)) && this.context.get(entry.dot.replica) < entry.dot.counter),
    ].sort((a, b) => compareDots(a.dot, b.dot));
    return new MvRegister(kept, this.context.merge(other.context));
  }

  toJSON(): MvRegisterJSON<V> {
    return { values: this.entries.map(({ dot, value }) => [dot.replica, dot.counter, value]), context: this.context.toJSON() };
  }

  /**
   * Parses what {@link MvRegister.toJSON} produced, validating it.
   *
   * @param parseValue validates and converts each value (default: taken as is)
   * @throws TypeError for a malformed register: a bad entry, a dot listed twice, or a dot the context does not cover
   */
  static fromJSON<V = unknown>(json: unknown, parseValue: (value: unknown) => V = (value) => value as V): MvRegister<V> {
    const object = checkObject(json, 'MvRegister.fromJSON');
    const context = VectorClock.fromJSON(object.context);
    const seen = new Set<string>();
    const entries = checkArray(object.values, 'MvRegister.fromJSON: values').map((item, i): Entry<V> => {
      const where = `MvRegister.fromJSON: values[${i}]`;
      if (!Array.isArray(item) || item.length !== 3) invalid(where, 'must be [replica, counter, value]', item);
      const dot = { replica: checkReplicaId(item[0], where), counter: checkCounter(item[1], where) };
      if (seen.has(dotKey(dot))) invalid(where, 'dot listed twice', item);
      seen.add(dotKey(dot));
      if (context.get(dot.replica) < dot.counter) invalid(where, 'the context must cover every dot', item);
      if (item[2] === undefined) invalid(where, 'value is required', item);
      return { dot, value: parseValue(item[2]) };
    });
    return new MvRegister(entries.sort((a, b) => compareDots(a.dot, b.dot)), context);
  }
}
