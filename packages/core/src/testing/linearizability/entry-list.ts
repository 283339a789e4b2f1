/** The node that starts the list; it is never lifted. */
export const HEAD = 0;
/** The end of the list. */
export const NIL = -1;

/**
 * One partition's history as a doubly linked list of call and return entries in time order
 * (Lowe, "Testing for linearizability", 2017; Porcupine's representation), in typed arrays.
 * Node 0 is the head; nodes 1..2n are the entries.
 *
 * Linearizing an operation lifts its call and return entries out of the list; backtracking puts
 * them back. A lifted node keeps its own links ("dancing links"), so as long as operations are
 * unlifted in the reverse order of lifting, each step is O(1).
 *
 * Invariant: the calls before the first return in the list are exactly the operations that may
 * take effect next (no operation still in the list returned before they were called).
 */
export class EntryList {
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** For a call node, its return node; NIL for a return node and the head. */
  readonly match: Int32Array;
  /** The operation (index into the partition) of each node; -1 for the head. */
  readonly op: Int32Array;

  /**
   * @param calls call time of each operation
   * @param returns return time of each operation (`Infinity` when unknown)
   */
  constructor(calls: ArrayLike<number>, returns: ArrayLike<number>) {
    const n = calls.length;
    // Entry e < n is the call of operation e, entry e >= n the return of operation e - n. Ties go
    // calls first: closed intervals, so touching operations overlap.
    const entries = Array.from({ length: 2 * n }, (_, e) => e);
    const time = (e: number) => (e < n ? calls[e] : returns[e - n]);
    entries.sort((a, b) => time(a) - time(b) || Number(a >= n) - Number(b >= n) || a - b);
    const size = 2 * n + 1;
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.match = new Int32Array(size).fill(NIL);
    this.op = new Int32Array(size).fill(-1);
    const nodeOfReturn = new Int32Array(n);
    entries.forEach((e, i) => {
      if (e >= n) nodeOfReturn[e - n] = i + 1;
    });
    entries.forEach((e, i) => {
      const node = i + 1;
      this.op[node] = e < n ? e : e - n;
      if (e < n) this.match[node] = nodeOfReturn[e];
    });
    for (let node = 0; node < size; node++) {
      this.next[node] = node + 1 < size ? node + 1 : NIL;
      this.prev[node] = node - 1;
    }
  }

  /** Whether `node` is a call entry. */
  isCall(node: number): boolean {
    return this.match[node] !== NIL;
  }

  /** Removes a call node and its return node. */
  lift(call: number): void {
    const { next, prev } = this;
    const ret = this.match[call];
    // A call always has its return after it, so next[call] is a node.
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call];
    next[prev[ret]] = next[ret];
    if (next[ret] !== NIL) prev[next[ret]] = prev[ret];
  }

  /** Puts back the most recently lifted call node and its return node. */
  unlift(call: number): void {
    const { next, prev } = this;
    const ret = this.match[call];
    next[prev[ret]] = ret;
    if (next[ret] !== NIL) prev[next[ret]] = ret;
    next[prev[call]] = call;
    prev[next[call]] = call;
  }
}
