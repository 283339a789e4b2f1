import type { CircuitBreakerOptions } from '../../policies/circuit-breaker/options.js';
import { checkFunction, checkObject, checkOneOf, checkPositive, checkPositiveInteger, show } from '../../policies/validate.js';
import { systemClock } from '../../time/clock.js';
import type { Clock } from '../../time/clock.js';
import type { HashFunction } from '../hashing/consistent-hash.js';
import type { CacheCodec } from './cache-codec.js';
import { jsonCodec } from './cache-codec.js';
import type { CacheNode } from './cache-node.js';

/** Options of {@link createShardedCache}. */
export interface ShardedCacheOptions<V> {
  /** The cache servers by id (required; may be empty). Ids place them on the ring, so keep them stable. */
  readonly nodes: Readonly<Record<string, CacheNode>>;
  /** Relative weights by node id (default 1 each): a node of weight 2 holds about twice the keys. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Ring points per node of weight 1 (default 256). */
  readonly virtualNodes?: number;
  /** The ring's hash (default `xxHash32`). Every client of the same nodes must use the same one. */
  readonly hash?: HashFunction;
  /** Time source for the breakers and timeouts (default `systemClock`). */
  readonly clock?: Clock;
  /** Time limit of one node operation in ms (default 250); past it the call is abandoned and counts as a failure. */
  readonly timeoutMs?: number;
  /**
   * Breaker options for each node, over the defaults `{ timeout: false, resetTimeout: 10_000,
   * slidingWindow: { kind: 'consecutive', failures: 5 } }` (`clock` is the cache's; `name`
   * defaults to `cache:<id>`).
   */
  readonly breaker?: CircuitBreakerOptions;
  /** Default lifetime of written entries in ms (default: none, entries live until evicted). */
  readonly ttlMs?: number;
  /** Turns values into stored strings and back (default JSON). */
  readonly codec?: CacheCodec<V>;
  /**
   * What a join or a leave does to stored entries: `'move'` (default) sweeps the nodes that
   * lost keys (see `addNode`), `'none'` leaves entries where they are until they expire.
   */
  readonly rebalance?: 'move' | 'none';
  /** Keys moved at once during a sweep (default 8). */
  readonly rebalanceConcurrency?: number;
}

/** Options of a read or a delete. */
export interface ShardedCacheCallOptions {
  /** The caller's signal: aborting it rejects the call with its reason (the work in flight goes on). */
  readonly signal?: AbortSignal;
}

/** Options of {@link ShardedCache.set} and {@link ShardedCache.getOrLoad}. */
export interface ShardedCacheWriteOptions extends ShardedCacheCallOptions {
  /** Lifetime of the entry in ms (default: the cache's `ttlMs`). */
  readonly ttlMs?: number;
}

/** What `onNodeError` reports: a node operation that failed, timed out or was refused by the node's open breaker. */
export interface NodeErrorEvent {
  readonly node: string;
  readonly operation: 'get' | 'set' | 'delete' | 'keys' | 'ttl';
  /** The key, for operations on one key. */
  readonly key?: string;
  readonly error: unknown;
}

/** What a join or a leave did to stored entries (`addNode`, `removeNode`, `onRebalance`). */
export interface RebalanceReport {
  readonly reason: 'join' | 'leave';
  readonly node: string;
  /** Keys read from the swept nodes. */
  readonly scanned: number;
  /** Entries copied to their new owner and removed from the old one. */
  readonly moved: number;
  /** Entries removed from the old owner without a copy: its node has no `ttl`, or a client wrote or deleted the key since the ring changed. */
  readonly dropped: number;
  /** Entries whose move failed (a node erred): they may still be on the old owner until they expire. */
  readonly failed: number;
  /** Nodes whose keys could not be listed: no `keys()`, a failed scan, or `rebalance: 'none'`. */
  readonly unswept: readonly string[];
}

/** Monotonic counters (`cache.metrics()`). */
export interface ShardedCacheMetrics {
  /** Reads (`get`, and `getOrLoad` flights) answered from a node. */
  readonly hits: number;
  /** Reads a node answered with nothing. */
  readonly misses: number;
  /** Loader calls. */
  readonly loads: number;
  /** Loader calls that threw or rejected. */
  readonly loadErrors: number;
  /** `getOrLoad` calls that joined a flight in progress instead of starting one. */
  readonly coalesced: number;
  /** `getOrLoad` flights that went to the loader because their node failed or was refused. */
  readonly degraded: number;
  /** Node operations that failed, timed out or were refused (each is also an `onNodeError`). */
  readonly nodeErrors: number;
}

/** The options with defaults applied. @internal */
export interface ResolvedShardedCacheOptions<V> {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly breaker: CircuitBreakerOptions | undefined;
  readonly ttlMs: number | undefined;
  readonly codec: CacheCodec<V>;
  readonly rebalance: 'move' | 'none';
  readonly rebalanceConcurrency: number;
}

const WHERE = 'createShardedCache';

/** Checks that `node` has the methods of a {@link CacheNode}. @internal */
export function checkCacheNode(where: string, name: string, node: unknown): CacheNode {
  const n = checkObject(where, name, node);
  for (const method of ['get', 'set', 'delete'] as const) {
    if (typeof n[method] !== 'function') throw new TypeError(`${where}: options.${name} must be a CacheNode with a ${method}() method, got ${show(node)}`);
  }
  return node as CacheNode;
}

/** A TTL option: `undefined`, or a positive finite number. @internal */
export function checkTtl(where: string, ttlMs: unknown): number | undefined {
  return ttlMs === undefined ? undefined : checkPositive(where, 'ttlMs', ttlMs);
}

/** Validates and resolves the options that are not the ring's. @internal */
export function resolveShardedCacheOptions<V>(options: ShardedCacheOptions<V>): ResolvedShardedCacheOptions<V> {
  const o = checkObject(WHERE, 'options', options) as Partial<ShardedCacheOptions<V>>;
  const nodes = checkObject(WHERE, 'nodes', o.nodes);
  for (const [id, node] of Object.entries(nodes)) checkCacheNode(WHERE, `nodes.${id}`, node);
  if (o.weights !== undefined) {
    for (const id of Object.keys(checkObject(WHERE, 'weights', o.weights))) {
      if (!Object.hasOwn(nodes, id)) throw new RangeError(`${WHERE}: options.weights names ${show(id)}, which is not in options.nodes`);
    }
  }
  const codec = o.codec === undefined ? (jsonCodec as CacheCodec<V>) : (checkObject(WHERE, 'codec', o.codec) as unknown as CacheCodec<V>);
  checkFunction(WHERE, 'codec.encode', codec.encode);
  checkFunction(WHERE, 'codec.decode', codec.decode);
  return {
    clock: o.clock === undefined ? systemClock : (checkObject(WHERE, 'clock', o.clock) as unknown as Clock),
    timeoutMs: o.timeoutMs === undefined ? 250 : checkPositive(WHERE, 'timeoutMs', o.timeoutMs),
    breaker: o.breaker === undefined ? undefined : (checkObject(WHERE, 'breaker', o.breaker) as CircuitBreakerOptions),
    ttlMs: checkTtl(WHERE, o.ttlMs),
    codec,
    rebalance: o.rebalance === undefined ? 'move' : checkOneOf(WHERE, 'rebalance', o.rebalance, ['move', 'none'] as const),
    rebalanceConcurrency: o.rebalanceConcurrency === undefined ? 8 : checkPositiveInteger(WHERE, 'rebalanceConcurrency', o.rebalanceConcurrency),
  };
}
