import type { CircuitBreaker } from '../../policies/circuit-breaker/circuit-breaker.js';
import { EventSource } from '../../events/event.js';
import type { Event } from '../../events/event.js';
import { checkFunction, show } from '../../policies/validate.js';
import { checkKey, checkNode, checkWeight } from '../hashing/checks.js';
import { HashRing, resolveRingOptions } from '../hashing/hash-ring.js';
import type { CacheNode } from './cache-node.js';
import { untilAborted } from './until-aborted.js';
import { nodePolicy, type NodePolicy } from './node-policy.js';
import { sweep, type NodeOutcome, type SweepHost } from './rebalance-sweep.js';
import {
  checkCacheNode,
  checkTtl,
  resolveShardedCacheOptions,
  type NodeErrorEvent,
  type RebalanceReport,
  type ResolvedShardedCacheOptions,
  type ShardedCacheCallOptions,
  type ShardedCacheMetrics,
  type ShardedCacheOptions,
  type ShardedCacheWriteOptions,
} from './sharded-cache-options.js';

interface Member extends NodePolicy {
  readonly node: CacheNode;
}

/** One `getOrLoad` in progress for a key, shared by every caller that joins it. */
interface Flight<V> {
  value: Promise<V>;
  /** A `set` or `delete` of the key arrived meanwhile: the loaded value must not be written. */
  invalidated: boolean;
}

type Read<V> = { readonly state: 'hit'; readonly value: V } | { readonly state: 'miss' | 'failed' };

const FAILED: NodeOutcome<never> = Object.freeze({ ok: false });
const MISS: Read<never> = Object.freeze({ state: 'miss' });
const READ_FAILED: Read<never> = Object.freeze({ state: 'failed' });

/**
 * A cache client over several cache nodes (see {@link createShardedCache}): keys are routed over a
 * {@link HashRing}, each node sits behind its own circuit breaker and timeout, and a node that
 * fails makes the cache miss, never throw.
 */
export class ShardedCache<V = unknown> {
  private readonly ring: HashRing;
  private readonly options: ResolvedShardedCacheOptions<V>;
  /** Placed nodes, and leaving ones until their sweep ends. */
  private readonly members = new Map<string, Member>();
  private readonly flights = new Map<string, Flight<V>>();
  /** Background writes of loaded values, awaited by {@link close}. */
  private readonly writes = new Set<Promise<void>>();
  private sweeps: Promise<unknown> = Promise.resolve();
  private pendingSweeps = 0;
  /** Client writes and deletes per key, counted only while a sweep is pending. */
  private touched: Map<string, number> | undefined;
  private readonly nodeErrors = new EventSource<NodeErrorEvent>();
  private readonly rebalances = new EventSource<RebalanceReport>();
  /** What the sweeps see of this cache. */
  private readonly host: SweepHost = {
    ownerOf: (key) => this.ring.get(key),
    nodeById: (id) => this.members.get(id)?.node,
    call: (id, operation, key, fn) => this.call(id, operation, key, fn),
    touches: (key) => this.touched?.get(key) ?? 0,
    holding: (key, move) => {
      const held: Promise<void> = move().finally(() => this.moving.delete(key));
      this.moving.set(key, held);
      return held;
    },
  };
  /** Keys a sweep is copying: client writes of them wait for the copy (see rebalance-sweep.ts). */
  private readonly moving = new Map<string, Promise<void>>();
  private counts = { hits: 0, misses: 0, loads: 0, loadErrors: 0, coalesced: 0, degraded: 0, nodeErrors: 0 };

  /** A node operation failed, timed out, or its breaker refused it. */
  readonly onNodeError: Event<NodeErrorEvent> = this.nodeErrors.event;
  /** A sweep after a join or a leave finished. */
  readonly onRebalance: Event<RebalanceReport> = this.rebalances.event;

  /** Use {@link createShardedCache}, which documents the options. */
  constructor(options: ShardedCacheOptions<V>) {
    this.options = resolveShardedCacheOptions(options);
    this.ring = new HashRing(resolveRingOptions('createShardedCache', { virtualNodes: options.virtualNodes, hash: options.hash }));
    for (const [id, node] of Object.entries(options.nodes)) {
      this.ring.add(id, checkWeight(`createShardedCache: options.weights.${id}`, options.weights?.[id]));
      this.members.set(id, { node, ...nodePolicy(id, this.options) });
    }
  }

  /** The placed nodes' ids, in the order they were added. */
  nodes(): string[] {
    return this.ring.nodes();
  }

  /** The id of the node that holds `key`, or `undefined` when there is none. */
  nodeFor(key: string): string | undefined {
    return this.ring.get(key);
  }

  /** The circuit breaker of node `id` (placed or leaving), for its state and statistics. */
  breaker(id: string): CircuitBreaker | undefined {
    return this.members.get(id)?.breaker;
  }

  /** The value cached under `key`, or `undefined` on a miss, when its node fails, or when there are no nodes. */
  async get(key: string, options?: ShardedCacheCallOptions): Promise<V | undefined> {
    checkKey('ShardedCache.get', key);
    const id = this.ring.get(key);
    if (id === undefined) return undefined;
    const read = await untilAborted(this.read(id, key), options?.signal);
    return read.state === 'hit' ? read.value : undefined;
  }

  /**
   * Stores `value` under `key` for `ttlMs` (default: the cache's `ttlMs`). Resolves `true` once
   * the node stored it, `false` if the node failed or there are no nodes. A `getOrLoad` of the
   * key in flight will not write its value over this one.
   * @throws (as a rejection) TypeError for a bad key, RangeError for a bad `ttlMs`, and whatever
   *   the codec throws for a value it cannot encode
   */
  async set(key: string, value: V, options?: ShardedCacheWriteOptions): Promise<boolean> {
    checkKey('ShardedCache.set', key);
    const ttlMs = checkTtl('ShardedCache.set', options?.ttlMs) ?? this.options.ttlMs;
    const text = this.options.codec.encode(value);
    if (typeof text !== 'string') throw new TypeError(`ShardedCache.set: the codec encoded the value as ${show(text)}, not a string`);
    this.invalidate(key);
    const done = this.afterMove(key).then(() => this.write(key, (node, signal) => node.set(key, text, { ttlMs, signal }), 'set'));
    return (await untilAborted(done, options?.signal)).ok;
  }

  /**
   * Removes `key`. Resolves `true` once its node confirmed (whether or not the key was there),
   * `false` if the node failed: then the entry may outlive the delete until it expires.
   */
  async delete(key: string, options?: ShardedCacheCallOptions): Promise<boolean> {
    checkKey('ShardedCache.delete', key);
    this.invalidate(key);
    const done = this.afterMove(key).then(() => this.write(key, (node, signal) => node.delete(key, { signal }), 'delete'));
    return (await untilAborted(done, options?.signal)).ok;
  }

  /**
   * Cache-aside: the cached value of `key`, or else `loader(key)`'s, which is then written to the
   * key's node (in the background: the callers get the value at once) for `ttlMs`. Concurrent
   * calls for one key share one flight: one node read, one loader call, one write. The loader's
   * error goes to every caller of that flight and is not cached. A node that fails or is refused
   * by its open breaker reads as a miss, so the loader answers: the cache degrades, it does not
   * fail. `undefined` values are returned but never written.
   * @throws (as a rejection) the loader's error, or the caller's abort reason
   */
  getOrLoad(key: string, loader: (key: string) => PromiseLike<V> | V, options?: ShardedCacheWriteOptions): Promise<V> {
    try {
      checkKey('ShardedCache.getOrLoad', key);
      checkFunction('ShardedCache.getOrLoad', 'loader', loader);
    } catch (error) {
      return Promise.reject(error);
    }
    let ttlMs: number | undefined;
    try {
      ttlMs = checkTtl('ShardedCache.getOrLoad', options?.ttlMs) ?? this.options.ttlMs;
    } catch (error) {
      return Promise.reject(error);
    }
    const current = this.flights.get(key);
    if (current !== undefined) {
      this.counts.coalesced++;
      return untilAborted(current.value, options?.signal);
    }
    const flight: Flight<V> = { value: undefined as unknown as Promise<V>, invalidated: false };
    this.flights.set(key, flight);
    flight.value = this.fly(key, loader, ttlMs, flight);
    return untilAborted(flight.value, options?.signal);
  }

  /**
   * Places a node. Its keys are taken from the others by a sweep (with `rebalance: 'move'`): each
   * node that supports `keys()` is scanned and every entry the newcomer now owns is copied to it
   * with its remaining lifetime, then deleted from the old owner. Reads of moved keys miss until
   * their copy lands. The node should join empty.
   * @returns the sweep's report (sweeps run one at a time, in call order)
   * @throws TypeError for a bad id or node; RangeError for a bad weight or an id already in use
   */
  addNode(id: string, node: CacheNode, options?: { readonly weight?: number }): Promise<RebalanceReport> {
    checkNode('ShardedCache.addNode', id);
    checkCacheNode('ShardedCache.addNode', 'node', node);
    const weight = checkWeight('ShardedCache.addNode', options?.weight);
    if (this.members.has(id)) throw new RangeError(`ShardedCache.addNode: node ${show(id)} is already ${this.ring.has(id) ? 'placed' : 'leaving'}`);
    this.members.set(id, { node, ...nodePolicy(id, this.options) });
    this.ring.add(id, weight);
    return this.schedule('join', id, this.ring.nodes().filter((other) => other !== id));
  }

  /**
   * Takes a node off the ring at once (its keys go to the nodes that follow it), then sweeps it:
   * its entries move to their new owners if it still answers. Its breaker is shut down after.
   * @returns the sweep's report, or `undefined` if `id` is not placed
   */
  removeNode(id: string): Promise<RebalanceReport | undefined> {
    if (!this.ring.remove(id)) return Promise.resolve(undefined);
    return this.schedule('leave', id, [id]).finally(() => {
      this.members.get(id)?.breaker.shutdown();
      this.members.delete(id);
    });
  }

  /** Counters since construction. */
  metrics(): ShardedCacheMetrics {
    return { ...this.counts };
  }

  /** Waits for background writes and sweeps, then shuts down every breaker: later calls miss and load. */
  async close(): Promise<void> {
    await this.sweeps;
    await Promise.all([...this.writes]);
    for (const member of this.members.values()) member.breaker.shutdown();
  }

  /** Runs `fn` on a node under its breaker and timeout; a failure is counted and reported. */
  private async call<T>(id: string, operation: NodeErrorEvent['operation'], key: string | undefined, fn: (node: CacheNode, signal: AbortSignal) => Promise<T>): Promise<NodeOutcome<T>> {
    const member = this.members.get(id);
    if (member === undefined) return FAILED;
    try {
      return { ok: true, value: await member.policy.execute(({ signal }) => fn(member.node, signal)) };
    } catch (error) {
      this.reportNodeError({ node: id, operation, key, error });
      return FAILED;
    }
  }

  private async read(id: string, key: string): Promise<Read<V>> {
    const result = await this.call(id, 'get', key, (node, signal) => node.get(key, { signal }));
    if (!result.ok) return READ_FAILED;
    if (result.value === undefined) {
      this.counts.misses++;
      return MISS;
    }
    try {
      const value = this.options.codec.decode(result.value);
      this.counts.hits++;
      return { state: 'hit', value };
    } catch (error) {
      // A corrupt entry reads as a miss; the loader's value will replace it.
      this.reportNodeError({ node: id, operation: 'get', key, error });
      this.counts.misses++;
      return MISS;
    }
  }

  private async fly(key: string, loader: (key: string) => PromiseLike<V> | V, ttlMs: number | undefined, flight: Flight<V>): Promise<V> {
    let writing = false;
    try {
      const id = this.ring.get(key);
      if (id !== undefined) {
        const cached = await this.read(id, key);
        if (cached.state === 'hit') return cached.value;
        if (cached.state === 'failed') this.counts.degraded++;
      }
      this.counts.loads++;
      let value: V;
      try {
        value = await loader(key);
      } catch (error) {
        this.counts.loadErrors++;
        throw error;
      }
      if (value !== undefined && !flight.invalidated) {
        writing = true;
        const write: Promise<void> = this.writeBack(key, value, ttlMs, flight).finally(() => this.writes.delete(write));
        this.writes.add(write);
      }
      return value;
    } finally {
      if (!writing) this.land(key, flight);
    }
  }

  /** Writes a loaded value to the key's node as it is now; the flight stays joinable until then. */
  private async writeBack(key: string, value: V, ttlMs: number | undefined, flight: Flight<V>): Promise<void> {
    try {
      let text: unknown;
      try {
        text = this.options.codec.encode(value);
      } catch {
        return; // a value the codec cannot encode is returned, not cached
      }
      if (typeof text !== 'string' || flight.invalidated) return;
      const encoded = text;
      this.touch(key);
      await this.afterMove(key);
      if (!flight.invalidated) await this.write(key, (node, signal) => node.set(key, encoded, { ttlMs, signal }), 'set');
    } finally {
      this.land(key, flight);
    }
  }

  /** Resolves once no sweep is copying `key`. */
  private afterMove(key: string): Promise<void> {
    return this.moving.get(key) ?? Promise.resolve();
  }

  /** A write or delete on the node that owns `key` now; `ok: false` without nodes. */
  private write(key: string, fn: (node: CacheNode, signal: AbortSignal) => Promise<boolean>, operation: 'set' | 'delete'): Promise<NodeOutcome<boolean>> {
    const id = this.ring.get(key);
    return id === undefined ? Promise.resolve(FAILED) : this.call(id, operation, key, fn);
  }

  private land(key: string, flight: Flight<V>): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }

  /** A client write or delete: a flight in progress must not write its older value, and a sweep must not trust its copy. */
  private invalidate(key: string): void {
    const flight = this.flights.get(key);
    if (flight !== undefined) {
      flight.invalidated = true;
      this.flights.delete(key);
    }
    this.touch(key);
  }

  private touch(key: string): void {
    if (this.touched !== undefined) this.touched.set(key, (this.touched.get(key) ?? 0) + 1);
  }

  private schedule(reason: 'join' | 'leave', node: string, sources: readonly string[]): Promise<RebalanceReport> {
    // Writes are counted from the moment the ring changed, before the sweep even starts.
    this.pendingSweeps++;
    this.touched ??= new Map();
    const run = (): Promise<RebalanceReport> =>
      this.options.rebalance === 'none'
        ? Promise.resolve({ reason, node, scanned: 0, moved: 0, dropped: 0, failed: 0, unswept: [...sources] })
        : sweep(this.host, { reason, node, sources, concurrency: this.options.rebalanceConcurrency });
    const report = this.sweeps.then(run);
    this.sweeps = report.catch(() => undefined);
    return report.then(
      (result) => {
        if (--this.pendingSweeps === 0) this.touched = undefined;
        if (this.rebalances.hasListeners) {
          try {
            this.rebalances.emit(result);
          } catch {
            // Listeners observe; their errors must not fail the rebalance.
          }
        }
        return result;
      },
      (error: unknown) => {
        if (--this.pendingSweeps === 0) this.touched = undefined;
        throw error;
      },
    );
  }

  private reportNodeError(event: NodeErrorEvent): void {
    this.counts.nodeErrors++;
    if (!this.nodeErrors.hasListeners) return;
    try {
      this.nodeErrors.emit(event);
    } catch {
      // Listeners observe; their errors must not fail the cache call.
    }
  }
}

/**
 * A cache client over several cache nodes (in-memory, Redis, …), the Dynamo-style shard map done
 * for a cache: keys are routed over a {@link HashRing}; each node has its own circuit breaker and
 * per-call timeout (`wrap(breaker, timeout)`), so a dead node costs at most `timeoutMs` per call
 * until its breaker opens, then nothing; a failing node reads as a miss, so `getOrLoad` degrades
 * to its loader instead of failing; concurrent loads of one key collapse into one; nodes join and
 * leave with a sweep that moves their entries.
 *
 * @throws TypeError or RangeError naming the option when an option is invalid
 * @example
 * const cache = createShardedCache<User>({
 *   nodes: { a: new MemoryCacheNode(), b: new MemoryCacheNode() },
 *   ttlMs: 60_000,
 * });
 * const user = await cache.getOrLoad(`user:${id}`, () => db.loadUser(id));
 */
export function createShardedCache<V = unknown>(options: ShardedCacheOptions<V>): ShardedCache<V> {
  return new ShardedCache(options);
}
