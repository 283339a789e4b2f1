import { show } from '../../policies/validate.js';
import { checkCount, checkHash, checkKey, checkNode, checkOptions, checkWeight } from './checks.js';
import type { ConsistentHash, HashFunction } from './consistent-hash.js';
import { RingTable, type RingPlacement } from './ring-table.js';
import { xxHash32 } from './xxhash32.js';

/** Options of {@link HashRing} (and of {@link BoundedLoadRing}). */
export interface HashRingOptions {
  /**
   * Points on the ring per node of weight 1 (default 256; a node of weight w gets
   * `round(virtualNodes × w)`, at least 1). The spread of keys per node is about
   * 1/√virtualNodes: ~6% at 256, ~3% at 1,000.
   */
  readonly virtualNodes?: number;
  /** Hashes keys and virtual-node names onto the ring (default {@link xxHash32}). */
  readonly hash?: HashFunction;
  /**
   * Which point a key belongs to (default `'nearest'`): the closest point in either direction,
   * or `'clockwise'`, the first point at or after the key's hash (the classic ring of Karger et
   * al., Dynamo and ketama). Both move the minimum when nodes join or leave; nearest gives each
   * node the mean of two independent gaps per point instead of one, which divides the spread of
   * keys per node by about √2 (at 256 virtual nodes and 10 nodes: ~4.1% instead of ~5.9%).
   */
  readonly placement?: RingPlacement;
}

/** The most points one node may place. */
const MAX_POINTS_PER_NODE = 1 << 20;

/** Validates `virtualNodes` and `hash` for a ring-based class named `where`. */
export function resolveRingOptions(where: string, options: unknown): { virtualNodes: number; hash: HashFunction; placement: RingPlacement } {
  const o = checkOptions(where, options);
  const virtualNodes = o.virtualNodes === undefined ? 256 : o.virtualNodes;
  if (typeof virtualNodes !== 'number') throw new TypeError(`${where}: options.virtualNodes must be a positive integer, got ${show(virtualNodes)}`);
  if (!Number.isInteger(virtualNodes) || virtualNodes < 1 || virtualNodes > MAX_POINTS_PER_NODE) {
    throw new RangeError(`${where}: options.virtualNodes must be a positive integer up to ${MAX_POINTS_PER_NODE}, got ${show(virtualNodes)}`);
  }
  const placement = o.placement === undefined ? 'nearest' : o.placement;
  if (placement !== 'nearest' && placement !== 'clockwise') {
    throw new (typeof placement === 'string' ? RangeError : TypeError)(`${where}: options.placement must be 'nearest' or 'clockwise', got ${show(placement)}`);
  }
  return { virtualNodes, hash: checkHash(where, o.hash) ?? xxHash32, placement };
}

/**
 * Consistent hashing on a ring with virtual nodes (Karger et al. 1997, as in Dynamo): each node
 * places `virtualNodes × weight` points on a 32-bit ring, and a key belongs to the point nearest
 * its hash (or, with `placement: 'clockwise'`, the first point at or after it). Adding a node
 * takes keys only for itself; removing one hands only its keys to the points around them.
 * Lookups are a hash and a binary search over sorted typed arrays, narrowed by an index on the
 * top bits.
 *
 * Equal points (a 32-bit collision) are ordered by node id, so the placement depends only on the
 * set of nodes and weights, not on the order they were added in.
 *
 * @example
 * const ring = new HashRing({ virtualNodes: 256 });
 * ring.add('cache-a').add('cache-b').add('cache-c', 2); // cache-c takes about half the keys
 * ring.get('user:42'); // e.g. 'cache-c'
 * ring.preferenceList('user:42', 2); // e.g. ['cache-c', 'cache-a']: the owner, then the next node along the ring
 */
export class HashRing implements ConsistentHash {
  /** Points per node of weight 1. */
  readonly virtualNodes: number;
  /** Which point a key belongs to. */
  readonly placement: RingPlacement;
  /** @internal The sorted points; {@link BoundedLoadRing} walks them. */
  readonly _table: RingTable;
  /** @internal The hash of keys and virtual-node names. */
  readonly _hash: HashFunction;
  /** Node → weight, in insertion order. */
  private readonly members = new Map<string, number>();

  /**
   * @throws TypeError or RangeError naming the option when `virtualNodes` is not a positive
   *   integer (up to 2^20), `hash` is not a function or `placement` is neither `'nearest'` nor `'clockwise'`
   */
  constructor(options?: HashRingOptions) {
    const { virtualNodes, hash, placement } = resolveRingOptions('HashRing', options);
    this.virtualNodes = virtualNodes;
    this.placement = placement;
    this._hash = hash;
    this._table = new RingTable(hash, virtualNodes, placement);
  }

  get size(): number {
    return this.members.size;
  }

  nodes(): string[] {
    return [...this.members.keys()];
  }

  has(node: string): boolean {
    return this.members.has(node);
  }

  /** The weight `node` was added with, or `undefined` if it is not placed. */
  weight(node: string): number | undefined {
    return this.members.get(node);
  }

  /**
   * Places `node` with `weight` (default 1), or changes its weight if it is already placed.
   * @throws TypeError if `node` is not a non-empty string; RangeError if `weight` is not a
   *   positive finite number or `virtualNodes × weight` exceeds 2^20
   */
  add(node: string, weight?: number): this {
    checkNode('HashRing.add', node);
    const w = checkWeight('HashRing.add', weight);
    if (this._table.countFor(w) > MAX_POINTS_PER_NODE) {
      throw new RangeError(`HashRing.add: virtualNodes × weight must be at most ${MAX_POINTS_PER_NODE}, got ${this.virtualNodes} × ${w}`);
    }
    const current = this.members.get(node);
    if (current === w) return this;
    if (current !== undefined) this._table.delete(node);
    this._table.insert(node, w);
    this.members.set(node, w);
    return this;
  }

  remove(node: string): boolean {
    if (!this.members.has(node)) return false;
    this._table.delete(node);
    this.members.delete(node);
    return true;
  }

  get(key: string): string | undefined {
    if (typeof key !== 'string') checkKey('HashRing.get', key);
    const table = this._table;
    if (table.length === 0) return undefined;
    return table.slots[table.owners[table.owner(this._hash(key) >>> 0)]];
  }

  /**
   * The first `n` distinct nodes met walking the ring from `key`'s hash: its owner, then the
   * owners of the next points by distance (clockwise only, with clockwise placement): Dynamo's
   * preference list. Fewer when fewer nodes are placed.
   * @throws RangeError if `n` is not a non-negative integer
   */
  preferenceList(key: string, n: number): string[] {
    checkCount('HashRing.preferenceList', n);
    checkKey('HashRing.preferenceList', key);
    const table = this._table;
    const want = Math.min(n, this.members.size);
    const result: string[] = [];
    if (want === 0) return result;
    const seen = new Uint8Array(table.slots.length);
    const { owners } = table;
    table.walk(this._hash(key) >>> 0, (position) => {
      const slot = owners[position];
      if (seen[slot] === 1) return false;
      seen[slot] = 1;
      result.push(table.slots[slot] as string);
      return result.length === want;
    });
    return result;
  }

  /**
   * The fraction of the hash space each node owns (they sum to 1): what share of uniformly
   * hashed keys it gets. O(points).
   */
  shares(): Map<string, number> {
    const table = this._table;
    const result = new Map<string, number>([...this.members.keys()].map((node) => [node, 0]));
    const { points, owners, length } = table;
    const gapBefore = (i: number): number => (i === 0 ? points[0] + 2 ** 32 - points[length - 1] : points[i] - points[i - 1]);
    for (let i = 0; i < length; i++) {
      // Clockwise: point i owns the arc (previous point, point i]. Nearest: half the gap on each side.
      const arc = this.placement === 'clockwise' ? gapBefore(i) : (gapBefore(i) + gapBefore(i + 1 === length ? 0 : i + 1)) / 2;
      const node = table.slots[owners[i]] as string;
      result.set(node, (result.get(node) as number) + arc / 2 ** 32);
    }
    return result;
  }
}
