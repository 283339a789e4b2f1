import { show } from '../../policies/validate.js';
import { checkCount, checkHash, checkKey, checkNode, checkOptions, checkWeight } from './checks.js';
import type { ConsistentHash, HashFunction } from './consistent-hash.js';
import { xxHash32 } from './xxhash32.js';

// The 64-bit LCG multiplier of Lamping & Veach, 2862933555777941757, as two 32-bit halves.
const C_HI = 0x27bb2ee6;
const C_LO = 0x87b0b0fd;

/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
 * 2014): the bucket in `[0, buckets)` for a 64-bit key, with no table. Going from n to n + 1
 * buckets moves exactly the keys that land in the new bucket, about 1/(n + 1) of them.
 * The 64-bit arithmetic runs on two 32-bit halves (no BigInt), bit for bit the paper's.
 *
 * @param key a non-negative safe integer, or a bigint (its low 64 bits are used)
 * @param buckets the number of buckets, an integer in `[1, 2^31)`
 * @returns the bucket, an integer in `[0, buckets)`
 * @throws TypeError or RangeError naming the argument when either is out of range
 * @example
 * jumpHash(42n, 10); // a bucket in 0..9; with 11 buckets it is the same or 10
 */
export function jumpHash(key: number | bigint, buckets: number): number {
  if (typeof buckets !== 'number') throw new TypeError(`jumpHash: buckets must be an integer from 1 to 2^31 - 1, got ${show(buckets)}`);
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 0x7fffffff) {
    throw new RangeError(`jumpHash: buckets must be an integer from 1 to 2^31 - 1, got ${show(buckets)}`);
  }
  if (typeof key === 'bigint') {
    const k = BigInt.asUintN(64, key);
    return jump(Number(k >> 32n), Number(k & 0xffffffffn), buckets);
  }
  if (typeof key !== 'number') throw new TypeError(`jumpHash: key must be a non-negative safe integer or a bigint, got ${show(key)}`);
  if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`jumpHash: key must be a non-negative safe integer or a bigint, got ${show(key)}`);
  return jump(Math.floor(key / 2 ** 32), key >>> 0, buckets);
}

/** The algorithm on a key given as unsigned 32-bit halves; `buckets` already checked. */
function jump(hi: number, lo: number, buckets: number): number {
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    // key = key × C + 1 (mod 2^64): lo × C_LO in full, plus the cross terms in the high half.
    const a0 = lo & 0xffff;
    const a1 = lo >>> 16;
    const b0 = C_LO & 0xffff;
    const b1 = C_LO >>> 16;
    const p00 = a0 * b0;
    const p01 = a0 * b1;
    const p10 = a1 * b0;
    const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
    const carry = a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
    let nextLo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
    let nextHi = (carry + Math.imul(hi, C_LO) + Math.imul(lo, C_HI)) >>> 0;
    nextLo = (nextLo + 1) >>> 0;
    if (nextLo === 0) nextHi = (nextHi + 1) >>> 0;
    hi = nextHi;
    lo = nextLo;
    // j = (b + 1) × 2^31 / ((key >> 33) + 1), in doubles as in the paper.
    j = Math.floor((b + 1) * (2147483648 / ((hi >>> 1) + 1)));
  }
  return b;
}

/** Options of {@link JumpHash}. */
export interface JumpHashOptions {
  /** Hashes keys (default {@link xxHash32}); the 64-bit jump key is derived from it. */
  readonly hash?: HashFunction;
}

/** A second, independent 32-bit word from the key's hash (murmur3's finalizer of a shifted value). */
function mix(h: number): number {
  let x = Math.imul(h ^ 0x5bd1e995, 0x9e3779b1);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * {@link jumpHash} over named nodes: bucket i is the i-th node added. Balance is near perfect and
 * a lookup needs no table, but buckets are numbered, so only the node added last can be removed,
 * and there are no weights. Use it for numbered shards that only grow; use {@link HashRing} or
 * {@link RendezvousHash} when any node may leave.
 *
 * The preference list takes the owner, then re-jumps the key with 1, 2, … mixed in, skipping
 * nodes already chosen (after 16 × n tries it fills up in bucket order).
 *
 * @example
 * const shards = new JumpHash().add('shard-0').add('shard-1').add('shard-2');
 * shards.get('user:42'); // e.g. 'shard-1'
 * shards.remove('shard-2'); // fine: it was added last
 */
export class JumpHash implements ConsistentHash {
  private readonly hash: HashFunction;
  private readonly buckets: string[] = [];

  /** @throws TypeError if `options.hash` is not a function */
  constructor(options?: JumpHashOptions) {
    const o = checkOptions('JumpHash', options);
    this.hash = checkHash('JumpHash', o.hash) ?? xxHash32;
  }

  get size(): number {
    return this.buckets.length;
  }

  nodes(): string[] {
    return this.buckets.slice();
  }

  has(node: string): boolean {
    return this.buckets.includes(node);
  }

  /**
   * Appends `node` as the next bucket (a node already placed is left as it is).
   * @throws TypeError if `node` is not a non-empty string; RangeError if `weight` is given and
   *   is not 1 (jump hashing has no weights)
   */
  add(node: string, weight?: number): this {
    checkNode('JumpHash.add', node);
    if (checkWeight('JumpHash.add', weight) !== 1) {
      throw new RangeError(`JumpHash.add: weight must be 1 (jump hashing has no weights; use HashRing or RendezvousHash), got ${show(weight)}`);
    }
    if (!this.buckets.includes(node)) this.buckets.push(node);
    return this;
  }

  /**
   * Removes the node added last. Returns false if `node` is not placed.
   * @throws RangeError if `node` is placed but is not the last one (removing it would renumber
   *   the buckets after it and move their keys)
   */
  remove(node: string): boolean {
    const i = this.buckets.indexOf(node);
    if (i < 0) return false;
    if (i !== this.buckets.length - 1) {
      throw new RangeError(
        `JumpHash.remove: only the node added last (${show(this.buckets.at(-1))}) can be removed, got ${show(node)}; use HashRing or RendezvousHash when any node may leave`,
      );
    }
    this.buckets.pop();
    return true;
  }

  get(key: string): string | undefined {
    if (typeof key !== 'string') checkKey('JumpHash.get', key);
    const n = this.buckets.length;
    if (n === 0) return undefined;
    const h = this.hash(key) >>> 0;
    return this.buckets[jump(mix(h), h, n)];
  }

  /**
   * Up to `n` distinct nodes for `key`, the owner first.
   * @throws RangeError if `n` is not a non-negative integer
   */
  preferenceList(key: string, n: number): string[] {
    checkCount('JumpHash.preferenceList', n);
    checkKey('JumpHash.preferenceList', key);
    const size = this.buckets.length;
    const want = Math.min(n, size);
    const chosen: number[] = [];
    if (want === 0) return [];
    const h = this.hash(key) >>> 0;
    for (let r = 0; chosen.length < want && r < 16 * want; r++) {
      const lo = r === 0 ? h : mix(h ^ Math.imul(r, 0x9e3779b1));
      const bucket = jump(mix(lo), lo, size);
      if (!chosen.includes(bucket)) chosen.push(bucket);
    }
    for (let bucket = chosen[0]; chosen.length < want; bucket = (bucket + 1) % size) {
      if (!chosen.includes(bucket)) chosen.push(bucket);
    }
    return chosen.map((bucket) => this.buckets[bucket]);
  }
}
