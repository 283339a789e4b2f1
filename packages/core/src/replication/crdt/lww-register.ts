import { hlcToJSON } from '../clocks/hlc-timestamp.js';
import type { HlcTimestamp, HlcTimestampJSON } from '../clocks/hlc-timestamp.js';
import { checkObject, invalid } from '../validate.js';
import { checkStamp, compareStamps, compareTiedValues } from './lww-stamp.js';
import type { LwwStamp } from './lww-stamp.js';

/** A serialised {@link LwwRegister}: `null` when it was never assigned. */
export type LwwRegisterJSON<V> = { readonly value: V; readonly timestamp: HlcTimestampJSON; readonly replica: string } | null;

/**
 * A last-writer-wins register (Shapiro et al. 2011, §3.2.1): holds the value of the write with
 * the greatest stamp — a hybrid logical clock timestamp, ties broken by replica id, never wall
 * time alone. Merges are commutative, associative and idempotent.
 *
 * Concurrent writes are not kept: all but one are silently lost. Use `MvRegister` to keep them.
 * Immutable.
 *
 * @example
 * const hlc = new HybridLogicalClock({ clock: systemClock });
 * let name = LwwRegister.empty<string>().assign('Ada', hlc.now(), 'a');
 * name = name.merge(remoteCopy);  // whichever write has the greater stamp
 * name.value;
 */
export class LwwRegister<V> {
  private static readonly EMPTY = new LwwRegister<never>(undefined, undefined);

  private constructor(
    /** The value, or `undefined` if the register was never assigned. */
    readonly value: V | undefined,
    /** When and where the value was written, if it was. */
    readonly stamp: LwwStamp | undefined,
  ) {
    Object.freeze(this);
  }

  /** A register that was never assigned. */
  static empty<V>(): LwwRegister<V> {
    return LwwRegister.EMPTY;
  }

  /**
   * This register after a write of `value` at `timestamp` on `replica`: the write if its stamp
   * is greater than the current one, else this register unchanged (the write lost).
   *
   * @throws TypeError for an `undefined` value (use `null`), a malformed timestamp or an empty replica id
   */
  assign(value: V, timestamp: HlcTimestamp, replica: string): LwwRegister<V> {
    if (value === undefined) throw new TypeError('LwwRegister.assign: value must not be undefined (use null)');
    return this.merge(new LwwRegister(value, checkStamp(timestamp, replica, 'LwwRegister.assign')));
  }

  /** The register with the greater stamp of the two. */
  merge(other: LwwRegister<V>): LwwRegister<V> {
    if (other.stamp === undefined) return this;
    if (this.stamp === undefined) return other;
    const order = compareStamps(this.stamp, other.stamp) || compareTiedValues(this.value, other.value);
    return order >= 0 ? this : other;
  }

  toJSON(): LwwRegisterJSON<V> {
    if (this.stamp === undefined) return null;
    return { value: this.value as V, timestamp: hlcToJSON(this.stamp.timestamp), replica: this.stamp.replica };
  }

  /**
   * Parses what {@link LwwRegister.toJSON} produced, validating it.
   *
   * @param parseValue validates and converts the value (default: taken as is)
   * @throws TypeError for a malformed register (naming the field), or what `parseValue` throws
   */
  static fromJSON<V = unknown>(json: unknown, parseValue: (value: unknown) => V = (value) => value as V): LwwRegister<V> {
    if (json === null) return LwwRegister.empty();
    const object = checkObject(json, 'LwwRegister.fromJSON');
    if (!('value' in object) || object.value === undefined) invalid('LwwRegister.fromJSON: value', 'is required', undefined);
    return new LwwRegister(parseValue(object.value), checkStamp(object.timestamp, object.replica, 'LwwRegister.fromJSON'));
  }
}
