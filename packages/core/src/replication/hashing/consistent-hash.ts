/**
 * The one shape every key-placement strategy in this folder has: {@link HashRing},
 * {@link BoundedLoadRing}, {@link RendezvousHash} and {@link JumpHash}.
 */

/**
 * Maps a key to an unsigned 32-bit integer. It must be deterministic (the same key always gives
 * the same number, in every process) and should spread keys evenly; the default is
 * {@link xxHash32}. Results are read with `>>> 0`, so a signed 32-bit result is fine too.
 */
export type HashFunction = (key: string) => number;

/**
 * A set of nodes (identified by strings) and a deterministic mapping from keys to them.
 *
 * What the implementations guarantee (property-tested): `get(key)` depends only on the set of
 * nodes and their weights, not on the order they were added in; adding a node moves only keys
 * that now belong to it; removing one moves only its keys; `preferenceList(key, n)` starts with
 * `get(key)` and holds distinct nodes.
 *
 * @example
 * function owners(placement: ConsistentHash, key: string): string[] {
 *   return placement.preferenceList(key, 3); // the primary, then two fallbacks
 * }
 */
export interface ConsistentHash {
  /** How many nodes are placed. */
  readonly size: number;
  /** The nodes, in the order they were added. */
  nodes(): string[];
  /** True when `node` is placed. */
  has(node: string): boolean;
  /**
   * Places `node` with a relative weight (default 1): a node of weight 2 gets about twice the
   * keys of a node of weight 1. Adding a node that is already there changes its weight.
   * @throws TypeError if `node` is not a non-empty string; RangeError if `weight` is not a
   *   positive finite number, or the implementation cannot honour it ({@link JumpHash} has no weights)
   */
  add(node: string, weight?: number): this;
  /**
   * Removes `node`; its keys go to the nodes that follow it. Returns false if it was not placed.
   * @throws RangeError where the implementation cannot remove that node ({@link JumpHash}
   *   removes only the node added last)
   */
  remove(node: string): boolean;
  /** The node that owns `key`, or `undefined` when no node is placed. */
  get(key: string): string | undefined;
  /**
   * Up to `n` distinct nodes for `key`, the owner first: where its replicas go, or whom to try
   * next. Fewer than `n` when fewer nodes are placed.
   * @throws RangeError if `n` is not a non-negative integer
   */
  preferenceList(key: string, n: number): string[];
}
