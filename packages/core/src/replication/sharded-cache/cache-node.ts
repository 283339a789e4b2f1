/**
 * What a sharded cache needs from one cache server: a few async operations on string values.
 * `MemoryCacheNode` implements it for tests and single processes; `@bulwark/redis` implements it
 * over a Redis client.
 */

/** Options every {@link CacheNode} operation takes. */
export interface CacheNodeCallOptions {
  /**
   * Aborted when the cache gives up on the call (its per-node timeout fired). A node should stop
   * the work if it can; the cache does not wait for it either way.
   */
  readonly signal?: AbortSignal;
}

/** Options of {@link CacheNode.set}. */
export interface CacheNodeSetOptions extends CacheNodeCallOptions {
  /** Lifetime in ms (a positive finite number); `undefined`: no expiry. */
  readonly ttlMs?: number;
  /** Write only if the key is absent (Redis `SET … NX`). */
  readonly onlyIfAbsent?: boolean;
}

/**
 * One cache server. Values are strings (the cache encodes and decodes them); a missing or
 * expired key reads as `undefined`. Every method returns a promise and signals a failure by
 * rejecting: the cache counts rejections and timeouts against the node's circuit breaker.
 *
 * `keys` and `ttl` are optional. Without `keys` a node cannot be swept when nodes join or leave
 * (its entries for moved keys stay until they expire); without `ttl` its entries are dropped
 * instead of moved, since their remaining lifetime is unknown.
 *
 * @example
 * const node: CacheNode = {
 *   get: async (key) => store.get(key),
 *   set: async (key, value) => (store.set(key, value), true),
 *   delete: async (key) => store.delete(key),
 * };
 */
export interface CacheNode {
  /** The value stored under `key`, or `undefined` if there is none (or it expired). */
  get(key: string, options?: CacheNodeCallOptions): Promise<string | undefined>;
  /** Stores `value`; resolves `true` if it was written (`false`: `onlyIfAbsent` and the key exists). */
  set(key: string, value: string, options?: CacheNodeSetOptions): Promise<boolean>;
  /** Removes `key`; resolves `true` if it was there. */
  delete(key: string, options?: CacheNodeCallOptions): Promise<boolean>;
  /** Every key held (in any order; keys written during the iteration may or may not appear). */
  keys?(options?: CacheNodeCallOptions): AsyncIterable<string>;
  /** The remaining lifetime of `key` in ms: `Infinity` if it never expires, `undefined` if it is absent. */
  ttl?(key: string, options?: CacheNodeCallOptions): Promise<number | undefined>;
}
