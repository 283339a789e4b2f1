/**
 * The sorted table behind {@link HashRing} and {@link BoundedLoadRing}: every virtual node's
 * point on the 32-bit ring and its owner, in typed arrays, with a lookup index on the top bits
 * so that a lookup is one index read and a binary search over a handful of points.
 */
import type { HashFunction } from './consistent-hash.js';

/**
 * Which point a hash belongs to: `'nearest'`, the closest point in either direction (ties go
 * clockwise), or `'clockwise'`, the first point at or after it (Karger et al., Dynamo, ketama).
 */
export type RingPlacement = 'nearest' | 'clockwise';

/** Index bits: about one bucket per point, between 2^8 and 2^16 buckets. */
function indexBits(points: number): number {
  return Math.min(16, Math.max(8, Math.ceil(Math.log2(Math.max(points, 1)))));
}

/** @internal */
export class RingTable {
  /**
   * Invariant: sorted by point, then by owner name (so the table, and every lookup, depends
   * only on which nodes are placed with which weights, never on the order of `add` calls).
   */
  points = new Uint32Array(0);
  /** `owners[i]` is the slot of the node that placed `points[i]`. */
  owners = new Uint32Array(0);
  /** Slot → node id; freed slots are `undefined` and reused. */
  readonly slots: Array<string | undefined> = [];
  /** Node id → slot. */
  readonly slotOf = new Map<string, number>();
  /** Slot → the node's weight. */
  readonly weights: number[] = [];
  /** `index[b]` is the first i with `points[i] >>> shift >= b`; `index[2^bits] = length`. */
  private index = new Uint32Array(0);
  private shift = 24;

  constructor(
    private readonly hash: HashFunction,
    private readonly virtualNodes: number,
    readonly placement: RingPlacement,
  ) {
    this.reindex();
  }

  get length(): number {
    return this.points.length;
  }

  /** Virtual nodes for a weight: `round(virtualNodes × weight)`, at least 1. */
  countFor(weight: number): number {
    return Math.max(1, Math.round(this.virtualNodes * weight));
  }

  /** Places `node`, which must not be placed, with `count` points; returns its slot. */
  insert(node: string, weight: number): number {
    const count = this.countFor(weight);
    const mine = new Uint32Array(count);
    // `${node}#${i}` is unambiguous: i is the digits after the last '#'.
    for (let i = 0; i < count; i++) mine[i] = this.hash(`${node}#${i}`) >>> 0;
    mine.sort();
    let slot = this.slots.indexOf(undefined);
    if (slot < 0) slot = this.slots.length;
    this.slots[slot] = node;
    this.weights[slot] = weight;
    this.slotOf.set(node, slot);

    const { points, owners, slots } = this;
    const total = points.length + count;
    const nextPoints = new Uint32Array(total);
    const nextOwners = new Uint32Array(total);
    let a = 0;
    let b = 0;
    for (let k = 0; k < total; k++) {
      // Take the old entry first when it is smaller, or equal and owned by a smaller name.
      const takeOld =
        b === count || (a < points.length && (points[a] < mine[b] || (points[a] === mine[b] && (slots[owners[a]] as string) < node)));
      if (takeOld) {
        nextPoints[k] = points[a];
        nextOwners[k] = owners[a++];
      } else {
        nextPoints[k] = mine[b++];
        nextOwners[k] = slot;
      }
    }
    this.points = nextPoints;
    this.owners = nextOwners;
    this.reindex();
    return slot;
  }

  /** Removes `node` (placed) and frees its slot; returns the slot it had. */
  delete(node: string): number {
    const slot = this.slotOf.get(node) as number;
    const { points, owners } = this;
    let kept = 0;
    for (let i = 0; i < owners.length; i++) if (owners[i] !== slot) kept++;
    const nextPoints = new Uint32Array(kept);
    const nextOwners = new Uint32Array(kept);
    for (let i = 0, k = 0; i < owners.length; i++) {
      if (owners[i] === slot) continue;
      nextPoints[k] = points[i];
      nextOwners[k++] = owners[i];
    }
    this.points = nextPoints;
    this.owners = nextOwners;
    this.slots[slot] = undefined;
    this.slotOf.delete(node);
    this.reindex();
    return slot;
  }

  /** The position of the first point at or after `h` clockwise (wrapping to 0); the table must not be empty. */
  find(h: number): number {
    const { points, index } = this;
    const bucket = h >>> this.shift;
    let lo = index[bucket];
    let hi = index[bucket + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }

  /** The position of the point that owns hash `h`; the table must not be empty. */
  owner(h: number): number {
    const next = this.find(h);
    if (this.placement === 'clockwise') return next;
    const { points } = this;
    const prev = next === 0 ? points.length - 1 : next - 1;
    // Distances around the ring, modulo 2^32.
    return ((h - points[prev]) >>> 0) < ((points[next] - h) >>> 0) ? prev : next;
  }

  /**
   * Calls `visit` with point positions in order of distance from `h`, the owner first, until it
   * returns true or every point was visited. Clockwise placement walks clockwise only; nearest
   * placement merges the two directions by distance (ties clockwise).
   */
  walk(h: number, visit: (position: number) => boolean): void {
    const { points } = this;
    const length = points.length;
    if (length === 0) return;
    let next = this.find(h);
    if (this.placement === 'clockwise') {
      for (let steps = 0; steps < length; steps++, next = next + 1 === length ? 0 : next + 1) if (visit(next)) return;
      return;
    }
    let prev = next === 0 ? length - 1 : next - 1;
    for (let steps = 0; steps < length; steps++) {
      if (((h - points[prev]) >>> 0) < ((points[next] - h) >>> 0)) {
        if (visit(prev)) return;
        prev = prev === 0 ? length - 1 : prev - 1;
      } else {
        if (visit(next)) return;
        next = next + 1 === length ? 0 : next + 1;
      }
    }
  }

  private reindex(): void {
    const { points } = this;
    const bits = indexBits(points.length);
    const buckets = 1 << bits;
    const shift = 32 - bits;
    const index = new Uint32Array(buckets + 1);
    let i = 0;
    for (let b = 0; b <= buckets; b++) {
      while (i < points.length && points[i] >>> shift < b) i++;
      index[b] = i;
    }
    this.index = index;
    this.shift = shift;
  }
}
