/**
 * A map that holds at most `maxSize` entries, forgetting the least recently used one to make
 * room. A `Map` iterates in insertion order, so re-inserting on every read keeps the least
 * recently used entry first: `get` and `set` are O(1).
 */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();

  /**
   * @param maxSize the most entries kept (a positive integer)
   * @param onEvict called with each entry forgotten to make room
   */
  constructor(
    readonly maxSize: number,
    private readonly onEvict: (key: K, value: V) => void = () => undefined,
  ) {}

  /** How many entries are held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value of `key`, which becomes the most recently used; `undefined` if absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores `value` as the most recently used, evicting the least recently used entry when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxSize) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        const evicted = this.entries.get(oldest.value) as V;
        this.entries.delete(oldest.value);
        this.onEvict(oldest.value, evicted);
      }
    }
    this.entries.set(key, value);
  }

  /** The values, least recently used first (reading them does not change the order). */
  values(): IterableIterator<V> {
    return this.entries.values();
  }
}
