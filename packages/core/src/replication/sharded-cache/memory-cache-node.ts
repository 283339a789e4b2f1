import { checkObject, checkPositive, checkPositiveInteger, show } from '../../policies/validate.js';
import { systemClock } from '../../time/clock.js';
import type { Clock } from '../../time/clock.js';
import type { CacheNode, CacheNodeSetOptions } from './cache-node.js';

/** Options of {@link MemoryCacheNode}. */
export interface MemoryCacheNodeOptions {
  /** Time source for expiry (default `systemClock`); tests pass a `ManualClock`. */
  readonly clock?: Clock;
  /** The most entries kept; past it the least recently used is evicted (default unlimited). */
  readonly maxEntries?: number;
}

interface Entry {
  readonly value: string;
  /** ms since the epoch on the node's clock; `Infinity`: never. */
  readonly expiresAt: number;
}

/**
 * A {@link CacheNode} in this process's memory: for tests (time comes from the injected clock,
 * so TTLs expire when a `ManualClock` says so) and for single-process use. Expired entries are
 * removed when read; no timer is armed.
 *
 * @example
 * const clock = new ManualClock();
 * const node = new MemoryCacheNode({ clock });
 * await node.set('a', '1', { ttlMs: 1000 });
 * clock.advance(1000);
 * await node.get('a'); // undefined
 */
export class MemoryCacheNode implements CacheNode {
  private readonly clock: Clock;
  private readonly maxEntries: number;
  /** In recency order: the least recently used first. */
  private readonly entries = new Map<string, Entry>();

  /** @throws TypeError or RangeError naming the option when `clock` or `maxEntries` is invalid */
  constructor(options: MemoryCacheNodeOptions = {}) {
    const o = checkObject('MemoryCacheNode', 'options', options) as MemoryCacheNodeOptions;
    this.clock = o.clock === undefined ? systemClock : (checkObject('MemoryCacheNode', 'clock', o.clock) as unknown as Clock);
    this.maxEntries = o.maxEntries === undefined ? Infinity : checkPositiveInteger('MemoryCacheNode', 'maxEntries', o.maxEntries, true);
  }

  /** Entries held, expired ones that were not read since included. */
  get size(): number {
    return this.entries.size;
  }

  get(key: string): Promise<string | undefined> {
    const entry = this.live(key);
    if (entry === undefined) return Promise.resolve(undefined);
    // Move it to the most recently used end.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return Promise.resolve(entry.value);
  }

  /** @throws RangeError (as a rejection) if `ttlMs` is given and is not a positive finite number */
  set(key: string, value: string, options: CacheNodeSetOptions = {}): Promise<boolean> {
    let expiresAt = Infinity;
    try {
      if (typeof value !== 'string') throw new TypeError(`MemoryCacheNode.set: value must be a string, got ${show(value)}`);
      if (options.ttlMs !== undefined) expiresAt = this.clock.now() + checkPositive('MemoryCacheNode.set', 'ttlMs', options.ttlMs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (options.onlyIfAbsent === true && this.live(key) !== undefined) return Promise.resolve(false);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return Promise.resolve(true);
  }

  delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return Promise.resolve(existed);
  }

  /** The keys of live entries, from a snapshot taken when the iteration starts. */
  async *keys(): AsyncIterable<string> {
    for (const key of [...this.entries.keys()]) {
      if (this.live(key) !== undefined) yield key;
    }
  }

  ttl(key: string): Promise<number | undefined> {
    const entry = this.live(key);
    return Promise.resolve(entry === undefined ? undefined : entry.expiresAt - this.clock.now());
  }

  /** Removes every entry. */
  clear(): void {
    this.entries.clear();
  }

  /** The entry if it has not expired; an expired one is removed. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
