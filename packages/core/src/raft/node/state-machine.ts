/**
 * The application a {@link RaftNode} replicates. Every node applies the same commands in the
 * same order, so `apply` must be deterministic: the same state and command give the same state
 * and result on every node (no clock reads, no randomness).
 *
 * @typeParam R what `apply` returns; the leader's `propose()` resolves with it
 * @example
 * class Counter implements StateMachine<number> {
 *   value = 0;
 *   apply(command: Uint8Array): number { return (this.value += command[0]); }
 *   snapshot(): Uint8Array { return new TextEncoder().encode(String(this.value)); }
 *   restore(data: Uint8Array): void { this.value = Number(new TextDecoder().decode(data) || 0); }
 * }
 */
export interface StateMachine<R = unknown> {
  /** Applies a committed command; `index` is its log index (increasing, each once). */
  apply(command: Uint8Array, index: number): R | Promise<R>;
  /** Serializes the state as of the last applied index (for compaction). */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the state with a snapshot's `data` (from this node's storage or from a leader). */
  restore(data: Uint8Array): void | Promise<void>;
}
