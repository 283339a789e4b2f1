import type { PolicyKindMap, PolicyRegistry, RegistryBreakerOptions, RegistryEntry } from '@bulwark/core';

/** A breaker of the registry, used through `execute`. */
export type RegistryBreaker = PolicyKindMap['breaker'];

/** The key whose breaker new keys share while no key's breaker can be evicted. */
export const OVERFLOW_KEY = '(overflow)';

/**
 * Whether forgetting `breaker` loses nothing that matters: it is enabled (a `disable()` is
 * someone's decision), no call is in flight (its accounting would break), and it is closed or
 * half-open. An open breaker is what says a key is failing: forgetting it would send that key's
 * next request straight through. A half-open one lets the next request through as a trial
 * anyway, and it must be evictable, or a key that failed and went quiet would hold its slot for
 * good (its breaker half-opens after `resetTimeout` and waits for a trial that never comes).
 */
export function isEvictable(breaker: RegistryBreaker): boolean {
  return breaker.enabled && (breaker.closed || breaker.halfOpen) && breaker.metrics().inFlight === 0;
}

/**
 * One breaker per key, each a registry breaker named `<name>[<key>]` (so each shows on
 * `/metrics` with its state), for the `maxKeys` most recently used keys (an LRU: a request is a
 * use). A new key past `maxKeys` evicts the least recently used key whose breaker
 * {@link isEvictable}: the breaker leaves the registry (`registry.remove`) and is shut down, and
 * the key gets a new, closed one if it comes back. When none can be evicted (every key's breaker
 * is open, busy or disabled), the new key's request uses the shared breaker `<name>[(overflow)]`, and a
 * process warning says so once; its next request tries again for a breaker of its own.
 *
 * A breaker of ours that someone else removes from the registry is forgotten too, so that its
 * key's next request gets the registry's new one rather than a breaker that may be shut down.
 */
export class KeyedBreakers {
  /** Each key's breaker, least recently used first: a `Map` iterates in insertion order, and a use re-inserts. */
  private readonly byKey = new Map<string, RegistryBreaker>();
  private overflow: RegistryBreaker | undefined;
  private warned = false;

  /**
   * @param registry where the breakers live
   * @param name the family's name: key `k`'s breaker is `<name>[k]`
   * @param options the options each breaker is created with
   * @param maxKeys the most keys with a breaker of their own (a positive integer, checked by the caller)
   */
  constructor(
    private readonly registry: PolicyRegistry,
    readonly name: string,
    private readonly options: RegistryBreakerOptions,
    readonly maxKeys: number,
  ) {
    // One listener per family, and families are created once per middleware (not per request).
    registry.onRemoved((entry) => this.forget(entry));
  }

  /** How many keys have a breaker of their own now. */
  get keyCount(): number {
    return this.byKey.size;
  }

  /**
   * The breaker of `key`, created on first use, or after its key was evicted; the shared
   * overflow breaker when `key` is new and no key's breaker can be evicted.
   *
   * @throws TypeError from the registry when it cannot create the breaker (it was disposed)
   */
  forKey(key: string): RegistryBreaker {
    const held = this.byKey.get(key);
    if (held !== undefined) {
      this.byKey.delete(key);
      this.byKey.set(key, held);
      return held;
    }
    if (this.byKey.size >= this.maxKeys && !this.evictOne()) return this.overflowBreaker();
    const breaker = this.registry.breaker(this.breakerName(key), this.options);
    this.byKey.set(key, breaker);
    return breaker;
  }

  private breakerName(key: string): string {
    return `${this.name}[${key}]`;
  }

  /**
   * Evicts the least recently used key whose breaker can go. The scan passes over open and busy
   * breakers, so it costs up to `maxKeys` steps, and only when a new key arrives at a full table.
   */
  private evictOne(): boolean {
    for (const [key, breaker] of this.byKey) {
      if (!isEvictable(breaker)) continue;
      this.byKey.delete(key);
      const name = this.breakerName(key);
      // Out of the registry first, so that its shutdown is not reported as a state change of the name.
      if (this.registry.get('breaker', name) === breaker) this.registry.remove('breaker', name);
      breaker.shutdown(); // it has no timer left, nor listener
      return true;
    }
    return false;
  }

  private overflowBreaker(): RegistryBreaker {
    this.overflow ??= this.registry.breaker(this.breakerName(OVERFLOW_KEY), this.options);
    if (!this.warned) {
      this.warned = true;
      process.emitWarning(
        `circuitBreaker ${JSON.stringify(this.name)}: all maxKeys (${this.maxKeys}) keys have a breaker that cannot be evicted (open, busy or disabled); ` +
          `new keys share the breaker ${JSON.stringify(this.breakerName(OVERFLOW_KEY))} until one can`,
        { code: 'BULWARK_BREAKER_KEYS' },
      );
    }
    return this.overflow;
  }

  /** A breaker left the registry: if it is one of ours, stop handing it out. */
  private forget(entry: RegistryEntry): void {
    if (entry.kind !== 'breaker') return;
    if (entry.policy === this.overflow) {
      this.overflow = undefined;
      return;
    }
    const prefix = `${this.name}[`;
    if (!entry.name.startsWith(prefix) || !entry.name.endsWith(']')) return;
    const key = entry.name.slice(prefix.length, -1);
    if (this.byKey.get(key) === entry.policy) this.byKey.delete(key);
  }
}
