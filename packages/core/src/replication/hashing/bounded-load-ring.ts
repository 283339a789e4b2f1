import { show } from '../../policies/validate.js';
import { checkCount, checkKey, checkOptions } from './checks.js';
import type { ConsistentHash } from './consistent-hash.js';
import { HashRing, resolveRingOptions, type HashRingOptions } from './hash-ring.js';
import type { RingPlacement } from './ring-table.js';

/** Options of {@link BoundedLoadRing}: the ring's, plus the bound. */
export interface BoundedLoadRingOptions extends HashRingOptions {
  /**
   * c in Mirrokni et al.: no node takes a new unit of load while its load is at or above
   * `ceil(c × (total load + 1) × weight ÷ total weight)` (default 1.25; must be > 1). Smaller
   * is flatter, at the price of more keys away from their ring owner.
   */
  readonly balanceFactor?: number;
}

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018): a
 * {@link HashRing} whose lookups skip nodes that are full. Each node has a load (requests in
 * flight, sessions, keys held: whatever the caller counts with {@link acquire} and
 * {@link release}); a key goes to the first node whose load is below its capacity
 * `ceil(c × (total + 1) × weight ÷ total weight)`, walking the ring from the key's hash in the
 * order of its preference list. So after any sequence of acquires,
 * no node's load exceeds `ceil(c × average)` (scaled by weight), however skewed the keys are,
 * while a key still lands on its ring owner whenever that owner has room.
 *
 * Releases lower the total and so the capacities: a node can sit above its capacity until its
 * own load drains (nothing is moved away from it).
 *
 * @example
 * const ring = new BoundedLoadRing({ balanceFactor: 1.25 }).add('a').add('b').add('c');
 * const node = ring.acquire('hot-key'); // the owner, or the next node with room
 * try { await serve(node); } finally { ring.release(node); }
 */
export class BoundedLoadRing implements ConsistentHash {
  /** c: how far above the average (per unit of weight) a node's load may go. */
  readonly balanceFactor: number;
  private readonly ring: HashRing;
  /** Load by ring-table slot. */
  private loads: number[] = [];
  private total = 0;
  private totalWeight = 0;

  /**
   * @throws TypeError or RangeError naming the option when `balanceFactor` is not a finite
   *   number above 1, or a ring option is invalid
   */
  constructor(options?: BoundedLoadRingOptions) {
    const o = checkOptions('BoundedLoadRing', options);
    const c = o.balanceFactor === undefined ? 1.25 : o.balanceFactor;
    if (typeof c !== 'number') throw new TypeError(`BoundedLoadRing: options.balanceFactor must be a finite number above 1, got ${show(c)}`);
    if (!(c > 1) || c === Infinity) throw new RangeError(`BoundedLoadRing: options.balanceFactor must be a finite number above 1, got ${show(c)}`);
    this.balanceFactor = c;
    this.ring = new HashRing(resolveRingOptions('BoundedLoadRing', o));
  }

  /** Points per node of weight 1. */
  get virtualNodes(): number {
    return this.ring.virtualNodes;
  }

  get size(): number {
    return this.ring.size;
  }

  nodes(): string[] {
    return this.ring.nodes();
  }

  has(node: string): boolean {
    return this.ring.has(node);
  }

  /** The weight `node` was added with, or `undefined` if it is not placed. */
  weight(node: string): number | undefined {
    return this.ring.weight(node);
  }

  /**
   * Places `node` with `weight` (default 1) and load 0, or changes its weight (keeping its load).
   * @throws as {@link HashRing.add}
   */
  add(node: string, weight?: number): this {
    const before = this.ring.weight(node);
    const load = before === undefined ? 0 : this.load(node);
    this.ring.add(node, weight);
    const table = this.ring._table;
    this.totalWeight += (this.ring.weight(node) as number) - (before ?? 0);
    this.loads[table.slotOf.get(node) as number] = load;
    return this;
  }

  /** Removes `node`; its load leaves the total (the caller re-acquires what it served). */
  remove(node: string): boolean {
    const table = this.ring._table;
    const slot = table.slotOf.get(node);
    if (slot === undefined) return false;
    this.total -= this.loads[slot];
    this.totalWeight -= table.weights[slot];
    this.loads[slot] = 0;
    this.ring.remove(node);
    return true;
  }

  /** Which point a key belongs to (see {@link HashRingOptions.placement}). */
  get placement(): RingPlacement {
    return this.ring.placement;
  }

  /** The node that would take one more unit of load for `key` now (nothing is counted). */
  get(key: string): string | undefined {
    if (typeof key !== 'string') checkKey('BoundedLoadRing.get', key);
    const slot = this.findSlot(key);
    return slot < 0 ? undefined : this.ring._table.slots[slot];
  }

  /**
   * Like {@link get}, and counts one unit of load on the node it returns.
   * @returns the node, or `undefined` when no node is placed
   */
  acquire(key: string): string | undefined {
    if (typeof key !== 'string') checkKey('BoundedLoadRing.acquire', key);
    const slot = this.findSlot(key);
    if (slot < 0) return undefined;
    this.loads[slot]++;
    this.total++;
    return this.ring._table.slots[slot];
  }

  /**
   * Takes `amount` (default 1) units of load off `node`, not below 0. A node that is not
   * placed (removed since) is ignored.
   * @throws RangeError if `amount` is not a non-negative integer
   */
  release(node: string, amount = 1): void {
    checkCount('BoundedLoadRing.release', amount);
    const slot = this.ring._table.slotOf.get(node);
    if (slot === undefined) return;
    const taken = Math.min(amount, this.loads[slot]);
    this.loads[slot] -= taken;
    this.total -= taken;
  }

  /** The load counted on `node` (0 if it is not placed). */
  load(node: string): number {
    const slot = this.ring._table.slotOf.get(node);
    return slot === undefined ? 0 : this.loads[slot];
  }

  /** The sum of every node's load. */
  get totalLoad(): number {
    return this.total;
  }

  /** How much load `node` may hold before it stops taking more: `ceil(c × (total + 1) × weight ÷ total weight)`. */
  capacity(node: string): number {
    const slot = this.ring._table.slotOf.get(node);
    return slot === undefined ? 0 : this.capacityOf(slot);
  }

  /**
   * Up to `n` distinct nodes in ring order from `key`, the nodes with room first (so it starts
   * with {@link get}), then the full ones, also in ring order.
   * @throws RangeError if `n` is not a non-negative integer
   */
  preferenceList(key: string, n: number): string[] {
    checkCount('BoundedLoadRing.preferenceList', n);
    const walk = this.ring.preferenceList(key, this.ring.size);
    const table = this.ring._table;
    const open = walk.filter((node) => this.loads[table.slotOf.get(node) as number] < this.capacityOf(table.slotOf.get(node) as number));
    const full = walk.filter((node) => !open.includes(node));
    return [...open, ...full].slice(0, n);
  }

  private capacityOf(slot: number): number {
    return Math.ceil((this.balanceFactor * (this.total + 1) * this.ring._table.weights[slot]) / this.totalWeight);
  }

  /**
   * The slot of the first node with room, walking the ring from the key as its preference list
   * does, or -1 when the ring is empty. One always has room: the capacities add up to at least
   * c × (total + 1) > total.
   */
  private findSlot(key: string): number {
    const table = this.ring._table;
    if (table.length === 0) return -1;
    const h = this.hashOf(key);
    const c = this.balanceFactor * (this.total + 1);
    const { loads, totalWeight } = this;
    const { owners, weights } = table;
    const owner = owners[table.owner(h)];
    if (loads[owner] < Math.ceil((c * weights[owner]) / totalWeight)) return owner; // the common case
    let found = owner; // unreachable fallback, kept for safety (see above)
    table.walk(h, (position) => {
      const slot = owners[position];
      if (loads[slot] >= Math.ceil((c * weights[slot]) / totalWeight)) return false;
      found = slot;
      return true;
    });
    return found;
  }

  private hashOf(key: string): number {
    return this.ring._hash(key) >>> 0;
  }
}

