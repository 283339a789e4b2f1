import { checkCount, checkHash, checkKey, checkNode, checkOptions, checkWeight } from './checks.js';
import type { ConsistentHash, HashFunction } from './consistent-hash.js';
import { xxHash32 } from './xxhash32.js';

/** Options of {@link RendezvousHash}. */
export interface RendezvousHashOptions {
  /** Hashes keys and node ids (default {@link xxHash32}). */
  readonly hash?: HashFunction;
}

/**
 * The score of a (key, node) pair: murmur3's 32-bit finalizer over the key's hash mixed with the
 * node's. For a fixed pair of nodes, x ↦ x ^ (nodeA ^ nodeB) pairs up the key hashes, so each
 * node wins exactly half of them.
 */
function score(keyHash: number, nodeHash: number): number {
  let h = Math.imul(keyHash ^ nodeHash, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Rendezvous, or highest-random-weight, hashing (Thaler & Ravishankar 1996): a key goes to the
 * node with the highest score for it. No table: a lookup scores every node, O(nodes), so it
 * suits up to a few dozen nodes. Balance is as good as the hash; adding a node takes keys only
 * for itself, removing one moves only its keys, and the preference list is simply the nodes by
 * descending score. Weights use the logarithmic method (Schindelhauer & Schomaker 2005):
 * score `weight / -ln(u)` with u uniform in (0, 1), so a node's share is its weight ÷ the total.
 *
 * Equal scores are ordered by node id, so the mapping depends only on the set of nodes and weights.
 *
 * @example
 * const hrw = new RendezvousHash().add('a').add('b').add('c');
 * hrw.get('user:42'); // e.g. 'b'
 * hrw.preferenceList('user:42', 3); // all three, best first
 */
export class RendezvousHash implements ConsistentHash {
  private readonly hash: HashFunction;
  /** Nodes in insertion order, with their hash and weight, in parallel arrays. */
  private ids: string[] = [];
  private hashes: number[] = [];
  private weights: number[] = [];
  /** `hashes` as a typed array, for the lookup loop. */
  private packed = new Int32Array(0);
  /** True while every weight is equal: then the raw scores compare, no logarithm needed. */
  private uniform = true;

  /** @throws TypeError if `options.hash` is not a function */
  constructor(options?: RendezvousHashOptions) {
    const o = checkOptions('RendezvousHash', options);
    this.hash = checkHash('RendezvousHash', o.hash) ?? xxHash32;
  }

  get size(): number {
    return this.ids.length;
  }

  nodes(): string[] {
    return this.ids.slice();
  }

  has(node: string): boolean {
    return this.ids.includes(node);
  }

  /** The weight `node` was added with, or `undefined` if it is not placed. */
  weight(node: string): number | undefined {
    const i = this.ids.indexOf(node);
    return i < 0 ? undefined : this.weights[i];
  }

  /**
   * Places `node` with `weight` (default 1), or changes its weight.
   * @throws TypeError if `node` is not a non-empty string; RangeError if `weight` is not a positive finite number
   */
  add(node: string, weight?: number): this {
    checkNode('RendezvousHash.add', node);
    const w = checkWeight('RendezvousHash.add', weight);
    const i = this.ids.indexOf(node);
    if (i >= 0) {
      this.weights[i] = w;
    } else {
      this.ids.push(node);
      this.hashes.push(this.hash(node) >>> 0);
      this.weights.push(w);
    }
    this.changed();
    return this;
  }

  remove(node: string): boolean {
    const i = this.ids.indexOf(node);
    if (i < 0) return false;
    this.ids.splice(i, 1);
    this.hashes.splice(i, 1);
    this.weights.splice(i, 1);
    this.changed();
    return true;
  }

  get(key: string): string | undefined {
    if (typeof key !== 'string') checkKey('RendezvousHash.get', key);
    const ids = this.ids;
    if (ids.length === 0) return undefined;
    const k = this.hash(key) >>> 0;
    if (!this.uniform) return ids[this.bestWeighted(k)];
    const hashes = this.packed;
    let best = 0;
    let top = -1;
    for (let i = 0; i < hashes.length; i++) {
      // score(k, hashes[i]), inlined: this loop is the whole lookup.
      let h = Math.imul(k ^ hashes[i], 0x9e3779b1);
      h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
      h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
      const s = (h ^ (h >>> 16)) >>> 0;
      if (s > top || (s === top && ids[i] < ids[best])) {
        top = s;
        best = i;
      }
    }
    return ids[best];
  }

  /**
   * The `n` nodes with the highest scores for `key`, best first (fewer when fewer are placed).
   * @throws RangeError if `n` is not a non-negative integer
   */
  preferenceList(key: string, n: number): string[] {
    checkCount('RendezvousHash.preferenceList', n);
    checkKey('RendezvousHash.preferenceList', key);
    const k = this.hash(key) >>> 0;
    const scored = this.ids.map((id, i) => ({ id, s: this.uniform ? score(k, this.hashes[i]) : this.weighted(k, i) }));
    scored.sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1));
    return scored.slice(0, n).map((x) => x.id);
  }

  private bestWeighted(k: number): number {
    const ids = this.ids;
    let best = 0;
    let top = this.weighted(k, 0);
    for (let i = 1; i < ids.length; i++) {
      const s = this.weighted(k, i);
      if (s > top || (s === top && ids[i] < ids[best])) {
        top = s;
        best = i;
      }
    }
    return best;
  }

  /** Recomputes what lookups read after a change of nodes or weights. */
  private changed(): void {
    this.packed = Int32Array.from(this.hashes);
    this.uniform = this.weights.every((x) => x === this.weights[0]);
  }

  /** The weighted score: weight / -ln(u), u = (score + 0.5) / 2^32 in (0, 1). */
  private weighted(keyHash: number, i: number): number {
    return this.weights[i] / -Math.log((score(keyHash, this.hashes[i]) + 0.5) / 2 ** 32);
  }
}
