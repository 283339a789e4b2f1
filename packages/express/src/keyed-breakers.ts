import type { PolicyKindMap, PolicyRegistry, RegistryBreakerOptions } from '@bulwark/core';

/** A breaker of the registry, used through `execute`. */
export type RegistryBreaker = PolicyKindMap['breaker'];

/** The key every key past `maxKeys` shares. */
export const OVERFLOW_KEY = '(overflow)';

/**
 * One breaker per key, each a registry breaker named `<name>[<key>]` (so each shows on
 * `/metrics` with its state). A registry never forgets an instance, so keys are bounded rather
 * than evicted: past `maxKeys` distinct keys, new keys share the breaker `<name>[(overflow)]`,
 * and a process warning says so once. Choose keys from a small set (an upstream, a tenant
 * tier), not per user.
 */
export class KeyedBreakers {
  private readonly byKey = new Map<string, RegistryBreaker>();
  private overflow: RegistryBreaker | undefined;

  constructor(
    private readonly registry: PolicyRegistry,
    readonly name: string,
    private readonly options: RegistryBreakerOptions,
    readonly maxKeys: number,
  ) {}

  /** The breaker of `key`, created on first use. */
  forKey(key: string): RegistryBreaker {
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    if (this.byKey.size >= this.maxKeys) {
      if (this.overflow === undefined) {
        this.overflow = this.registry.breaker(`${this.name}[${OVERFLOW_KEY}]`, this.options);
        process.emitWarning(
          `circuitBreaker ${JSON.stringify(this.name)}: more than maxKeys (${this.maxKeys}) keys; further keys share the breaker ${JSON.stringify(`${this.name}[${OVERFLOW_KEY}]`)}`,
          { code: 'BULWARK_BREAKER_KEYS' },
        );
      }
      return this.overflow;
    }
    const breaker = this.registry.breaker(`${this.name}[${key}]`, this.options);
    this.byKey.set(key, breaker);
    return breaker;
  }
}
