import type { TxId } from './types.js';

/** One key's lock: an exclusive holder, or shared holders (never both). */
export interface LockInfo {
  readonly key: string;
  readonly mode: 'shared' | 'exclusive';
  readonly holders: readonly TxId[];
}

interface KeyLock {
  exclusive: TxId | undefined;
  readonly shared: Set<TxId>;
}

/**
 * Per-key locks of one participant (strict two-phase locking: held until the outcome): a key
 * written is locked exclusively, a key only read is locked shared. A transaction takes all its
 * locks at once or none (`conflicts` first), so no transaction holds some while waiting for
 * others at the same participant. The lock *policy* (no-wait, or ordered wait-die) is the
 * participant's; this table only answers who is in the way.
 */
export class LockTable {
  readonly #keys = new Map<string, KeyLock>();
  readonly #held = new Map<TxId, string[]>();

  /** The transactions (other than `txId`) whose locks stand in the way of `txId` taking these keys. */
  conflicts(txId: TxId, reads: readonly string[], writes: readonly string[]): TxId[] {
    const blocking = new Set<TxId>();
    const written = new Set(writes);
    for (const key of written) {
      const lock = this.#keys.get(key);
      if (lock === undefined) continue;
      if (lock.exclusive !== undefined && lock.exclusive !== txId) blocking.add(lock.exclusive);
      for (const holder of lock.shared) if (holder !== txId) blocking.add(holder);
    }
    for (const key of reads) {
      if (written.has(key)) continue;
      const holder = this.#keys.get(key)?.exclusive;
      if (holder !== undefined && holder !== txId) blocking.add(holder);
    }
    return [...blocking];
  }

  /**
   * Takes the locks (a key both read and written is locked exclusively).
   *
   * @throws {Error} when another transaction holds a conflicting lock (call `conflicts` first)
   */
  acquire(txId: TxId, reads: readonly string[], writes: readonly string[]): void {
    if (this.conflicts(txId, reads, writes).length > 0) throw new Error(`LockTable: ${txId} conflicts with a holder`);
    const written = new Set(writes);
    const keys = new Set(this.#held.get(txId) ?? []);
    for (const key of [...written, ...reads]) {
      let lock = this.#keys.get(key);
      if (lock === undefined) {
        lock = { exclusive: undefined, shared: new Set() };
        this.#keys.set(key, lock);
      }
      if (written.has(key)) {
        lock.shared.delete(txId);
        lock.exclusive = txId;
      } else if (lock.exclusive !== txId) lock.shared.add(txId);
      keys.add(key);
    }
    this.#held.set(txId, [...keys]);
  }

  /** Releases every lock of `txId` (a no-op when it holds none). */
  release(txId: TxId): void {
    for (const key of this.#held.get(txId) ?? []) {
      const lock = this.#keys.get(key);
      if (lock === undefined) continue;
      if (lock.exclusive === txId) lock.exclusive = undefined;
      lock.shared.delete(txId);
      if (lock.exclusive === undefined && lock.shared.size === 0) this.#keys.delete(key);
    }
    this.#held.delete(txId);
  }

  /** Whether `txId` holds any lock. */
  holds(txId: TxId): boolean {
    return this.#held.has(txId);
  }

  /** Every locked key, sorted by key. */
  list(): LockInfo[] {
    return [...this.#keys]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, lock]) =>
        lock.exclusive !== undefined ? { key, mode: 'exclusive', holders: [lock.exclusive] } : { key, mode: 'shared', holders: [...lock.shared].sort() },
      );
  }

  /** How many keys are locked. */
  get size(): number {
    return this.#keys.size;
  }
}
