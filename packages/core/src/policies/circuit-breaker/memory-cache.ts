import type { Clock } from '../../time/clock.js';
import { systemClock } from '../../time/clock.js';

/** Where a circuit breaker with `cache: true` keeps results (opossum's `cacheTransport` shape). */
export interface CacheTransport {
  /** The value stored under `key`, or a falsy value for a miss. */
  get(key: string): unknown;
  /** Stores `value`; `expiresAt` is an absolute time in ms since the epoch, or 0 for never. */
  set(key: string, value: unknown, expiresAt: number): void;
  /** Removes every entry. */
  flush(): void;
}

interface Entry {
  expiresAt: number;
  value: unknown;
}

/**
 * opossum's default cache: a `Map` with absolute expiry times that evicts the oldest-inserted
 * entry when full (insertion order, not LRU).
 */
export class MemoryCache implements CacheTransport {
  /** The entries, by key (observable, as in opossum). */
  readonly cache = new Map<string, Entry>();
  /** The most entries held at once (default 2^24 - 1, the largest a `Map` holds). */
  readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(maxEntries?: number, clock: Clock = systemClock) {
    this.maxEntries = maxEntries ?? 2 ** 24 - 1;
    this.clock = clock;
  }

  get(key: string): unknown {
    const entry = this.cache.get(key);
    if (entry) {
      if (entry.expiresAt === 0 || entry.expiresAt > this.clock.now()) return entry.value;
      this.cache.delete(key);
    }
    return undefined;
  }

  set(key: string, value: unknown, expiresAt: number): void {
    if (this.cache.size >= this.maxEntries && this.get(key) === undefined) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(key, { expiresAt, value });
  }

  delete(key: string): void {
    this.cache.delete(key);
  }

  flush(): void {
    this.cache.clear();
  }
}
