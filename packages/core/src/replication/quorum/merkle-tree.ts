/**
 * A fixed-shape Merkle tree over a key space (Merkle 1987; Dynamo §4.7): keys fall into
 * `fanout ** depth` leaves by a hash of the key; a leaf's hash covers its keys and their
 * digests, an inner node's hash its children's. Two replicas compare roots and descend only
 * into subtrees whose hashes differ, so an exchange costs in proportion to the differences,
 * not to the keys. Built from scratch (O(keys)) each time it is asked for; equal content gives
 * equal hashes whatever the insertion order. Hashes are 53-bit, so a difference goes unseen
 * with probability about 2⁻⁵³ per compared node.
 *
 * @example
 * const tree = MerkleTree.build([['cart', 'a:3'], ['user', 'b:1']], { depth: 2 });
 * tree.hash(0, 0); // the root
 * tree.leafOf('cart'); // the leaf that covers 'cart'
 */
export class MerkleTree {
  /** The number of leaves: `fanout ** depth`. */
  readonly leaves: number;
  // levels[0] is the root; levels[depth] the leaves. Empty nodes hash to 0.
  private readonly levels: Float64Array[];

  private constructor(
    readonly depth: number,
    readonly fanout: number,
    leafHashes: Float64Array,
  ) {
    this.leaves = leafHashes.length;
    this.levels = [leafHashes];
    for (let level = depth - 1; level >= 0; level--) {
      const below = this.levels[0];
      const here = new Float64Array(fanout ** level);
      for (let i = 0; i < here.length; i++) {
        let any = false;
        const parts: number[] = [];
        for (let c = 0; c < fanout; c++) {
          const h = below[i * fanout + c];
          parts.push(h);
          if (h !== 0) any = true;
        }
        here[i] = any ? hash53(parts.join(',')) : 0;
      }
      this.levels.unshift(here);
    }
  }

  /**
   * Builds the tree of `entries` (`[key, digest]`, the digest naming the key's content).
   *
   * @throws RangeError unless `depth` is an integer in [0, 8] and `fanout` in [2, 64] with at most 2²⁰ leaves
   */
  static build(entries: Iterable<readonly [key: string, digest: string]>, options: { readonly depth: number; readonly fanout?: number }): MerkleTree {
    const { depth } = options;
    const fanout = options.fanout ?? 16;
    if (!Number.isSafeInteger(depth) || depth < 0 || depth > 8) throw new RangeError(`MerkleTree: depth must be an integer in [0, 8], got ${depth}`);
    if (!Number.isSafeInteger(fanout) || fanout < 2 || fanout > 64) throw new RangeError(`MerkleTree: fanout must be an integer in [2, 64], got ${fanout}`);
    if (fanout ** depth > 2 ** 20) throw new RangeError(`MerkleTree: fanout ** depth must be at most 2^20 leaves, got ${fanout ** depth}`);
    const leaves = fanout ** depth;
    const byLeaf = new Map<number, string[]>();
    for (const [key, digest] of entries) {
      const leaf = hash53(key) % leaves;
      let list = byLeaf.get(leaf);
      if (list === undefined) byLeaf.set(leaf, (list = []));
      list.push(`${JSON.stringify(key)}=${digest}`);
    }
    const leafHashes = new Float64Array(leaves);
    for (const [leaf, items] of byLeaf) leafHashes[leaf] = hash53(items.sort().join('\n')) || 1;
    return new MerkleTree(depth, fanout, leafHashes);
  }

  /** The leaf that covers `key`. */
  leafOf(key: string): number {
    return hash53(key) % this.leaves;
  }

  /** The hash of node `index` at `level` (0 is the root): 0 for an empty subtree. @throws RangeError for a node outside the tree */
  hash(level: number, index: number): number {
    const row = this.levels[level];
    if (row === undefined || !Number.isInteger(index) || index < 0 || index >= row.length) throw new RangeError(`MerkleTree.hash: no node ${index} at level ${level}`);
    return row[index];
  }

  /** The indices of a node's children, one level down. */
  children(index: number): number[] {
    return Array.from({ length: this.fanout }, (_, c) => index * this.fanout + c);
  }
}

/**
 * A 53-bit string hash, stable across processes and versions: for placing keys in leaves and
 * comparing content, not for security. Two FNV-1a-style lanes with different offsets and
 * primes, each finished with MurmurHash3's 32-bit finaliser, give 32 + 21 bits.
 */
export function hash53(text: string): number {
  let a = 0x811c9dc5;
  let b = 0x1b873593;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return 0x100000000 * (fmix32(b ^ a) & 0x1fffff) + fmix32(a);
}

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
