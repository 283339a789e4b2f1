import { compareHlc, hlcToJSON } from '../clocks/hlc-timestamp.js';
import type { HlcTimestamp, HlcTimestampJSON } from '../clocks/hlc-timestamp.js';
import { compareIds } from '../clocks/vector-clock.js';
import { checkArray, checkObject, invalid } from '../validate.js';
import { checkStamp, compareStamps, compareTiedValues } from './lww-stamp.js';
import type { LwwStamp } from './lww-stamp.js';

/** One key of a serialised {@link LwwMap}: its value, or `deleted: true` for a tombstone. */
export type LwwMapEntryJSON<V> =
  | { readonly key: string; readonly value: V; readonly timestamp: HlcTimestampJSON; readonly replica: string }
  | { readonly key: string; readonly deleted: true; readonly timestamp: HlcTimestampJSON; readonly replica: string };

/** A serialised {@link LwwMap}: its entries sorted by key, tombstones included. */
export type LwwMapJSON<V> = readonly LwwMapEntryJSON<V>[];

interface Entry<V> {
  /** `undefined` for a tombstone. */
  readonly value: V | undefined;
  readonly stamp: LwwStamp;
}

/**
 * A map whose keys are last-writer-wins registers (Shapiro et al. 2011, §3.2.1 per key): a set
 * or a delete of a key wins over every write of that key with a smaller stamp (hybrid logical
 * clock timestamp, then replica id). A delete leaves a tombstone, which a merge needs to tell
 * "deleted there" from "never written there". Concurrent writes of a key: one wins, the others
 * are lost. Immutable.
 *
 * Tombstones accumulate; {@link LwwMap.purgeTombstones} drops old ones, which is safe only once
 * every replica has merged them (otherwise a replica that missed the delete brings the key back).
 *
 * @example
 * let prefs = LwwMap.empty<string>().set('theme', 'dark', hlc.now(), 'a');
 * prefs = prefs.delete('theme', hlc.now(), 'a');
 * prefs.get('theme'); // undefined
 */
export class LwwMap<V> {
  private static readonly EMPTY = new LwwMap<never>(new Map());

  private constructor(private readonly byKey: ReadonlyMap<string, Entry<V>>) {
    Object.freeze(this);
  }

  /** The empty map. */
  static empty<V>(): LwwMap<V> {
    return LwwMap.EMPTY;
  }

  /** How many keys have a value (tombstones not counted). */
  get size(): number {
    let size = 0;
    for (const entry of this.byKey.values()) if (entry.value !== undefined) size++;
    return size;
  }

  /** The value of `key`, or `undefined` if absent or deleted. */
  get(key: string): V | undefined {
    return this.byKey.get(key)?.value;
  }

  /** True when `key` has a value. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** When and where `key` was last written or deleted. */
  stamp(key: string): LwwStamp | undefined {
    return this.byKey.get(key)?.stamp;
  }

  /** The keys with a value, sorted. */
  keys(): string[] {
    return this.entries().map(([key]) => key);
  }

  /** `[key, value]` pairs, sorted by key, tombstones left out. */
  entries(): Array<[string, V]> {
    return [...this.byKey.keys()]
      .sort(compareIds)
      .flatMap((key) => {
        const value = this.byKey.get(key)?.value;
        return value === undefined ? [] : [[key, value] as [string, V]];
      });
  }

  /** How many tombstones the map keeps. */
  get tombstones(): number {
    return this.byKey.size - this.size;
  }

  /**
   * The map after `replica` set `key` to `value` at `timestamp` (no change if the key holds a
   * newer write).
   *
   * @throws TypeError for an `undefined` value (use `delete`), a malformed timestamp or an empty replica id
   */
  set(key: string, value: V, timestamp: HlcTimestamp, replica: string): LwwMap<V> {
    if (typeof key !== 'string') throw new TypeError('LwwMap.set: key must be a string');
    if (value === undefined) throw new TypeError('LwwMap.set: value must not be undefined (use delete)');
    return this.write(key, { value, stamp: checkStamp(timestamp, replica, 'LwwMap.set') });
  }

  /**
   * The map after `replica` deleted `key` at `timestamp`: a tombstone (no change if the key
   * holds a newer write).
   *
   * @throws TypeError for a malformed timestamp or an empty replica id
   */
  delete(key: string, timestamp: HlcTimestamp, replica: string): LwwMap<V> {
    if (typeof key !== 'string') throw new TypeError('LwwMap.delete: key must be a string');
    return this.write(key, { value: undefined, stamp: checkStamp(timestamp, replica, 'LwwMap.delete') });
  }

  /** Per key, the write with the greater stamp. */
  merge(other: LwwMap<V>): LwwMap<V> {
    if (other === this || other.byKey.size === 0) return this;
    if (this.byKey.size === 0) return other;
    let byKey: Map<string, Entry<V>> | undefined;
    for (const [key, theirs] of other.byKey) {
      const ours = this.byKey.get(key);
      if (ours === undefined || wins(theirs, ours)) (byKey ??= new Map(this.byKey)).set(key, theirs);
    }
    return byKey === undefined ? this : new LwwMap(byKey);
  }

  /**
   * Drops the tombstones written before `before`. Not a CRDT operation: do it only when every
   * replica has merged every tombstone older than `before` (a stable time), or deleted keys can
   * come back from a replica that missed the delete.
   */
  purgeTombstones(before: HlcTimestamp): LwwMap<V> {
    const byKey = new Map([...this.byKey].filter(([, entry]) => entry.value !== undefined || compareHlc(entry.stamp.timestamp, before) >= 0));
    return byKey.size === this.byKey.size ? this : new LwwMap(byKey);
  }

  toJSON(): LwwMapJSON<V> {
    return [...this.byKey.keys()].sort(compareIds).map((key): LwwMapEntryJSON<V> => {
      const { value, stamp } = this.byKey.get(key) as Entry<V>;
      const common = { key, timestamp: hlcToJSON(stamp.timestamp), replica: stamp.replica };
      return value === undefined ? { ...common, deleted: true } : { ...common, value };
    });
  }

  /**
   * Parses what {@link LwwMap.toJSON} produced, validating it.
   *
   * @param parseValue validates and converts each value (default: taken as is)
   * @throws TypeError for a malformed map, naming the entry, or what `parseValue` throws
   */
  static fromJSON<V = unknown>(json: unknown, parseValue: (value: unknown) => V = (value) => value as V): LwwMap<V> {
    const byKey = new Map<string, Entry<V>>();
    checkArray(json, 'LwwMap.fromJSON').forEach((item, i) => {
      const where = `LwwMap.fromJSON: entry ${i}`;
      const object = checkObject(item, where);
      if (typeof object.key !== 'string') invalid(`${where}: key`, 'must be a string', object.key);
      if (byKey.has(object.key)) invalid(`${where}: key`, 'listed twice', object.key);
      const stamp = checkStamp(object.timestamp, object.replica, where);
      if (object.deleted === true) byKey.set(object.key, { value: undefined, stamp });
      else if (object.value === undefined) invalid(where, 'needs a value or deleted: true', item);
      else byKey.set(object.key, { value: parseValue(object.value), stamp });
    });
    return new LwwMap(byKey);
  }

  private write(key: string, entry: Entry<V>): LwwMap<V> {
    const current = this.byKey.get(key);
    if (current !== undefined && !wins(entry, current)) return this;
    return new LwwMap(new Map(this.byKey).set(key, entry));
  }
}

function wins(a: Entry<unknown>, b: Entry<unknown>): boolean {
  return (compareStamps(a.stamp, b.stamp) || compareTiedValues(a.value, b.value)) > 0;
}
