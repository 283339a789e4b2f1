import type { Entry } from './entry.js';
import type { ConfState, HardState } from './raft-state.js';

/** What a node restarts from: its last persisted hard state and membership. */
export interface InitialState {
  readonly hardState: HardState;
  readonly confState: ConfState;
}

/**
 * The durable log and state Raft **reads**; the caller writes it while handling a `Ready`
 * (see {@link MemoryStorage} for the writes). Modelled on etcd-io/raft's `Storage`.
 *
 * Contract:
 * - Indexes are contiguous from `firstIndex()` to `lastIndex()`; `lastIndex() ≥ firstIndex() - 1`
 *   (an empty log has `firstIndex() = 1`, `lastIndex() = 0`).
 * - `term(i)` answers for every `i` in `[firstIndex() - 1, lastIndex()]`: index `firstIndex() - 1`
 *   is the last entry folded into a snapshot (index 0 has term 0). Raft never asks outside it.
 * - `entries(lo, hi, maxBytes)` returns the entries `[lo, hi)` in order, with
 *   `firstIndex() ≤ lo ≤ hi ≤ lastIndex() + 1`; it may stop early once their sizes pass
 *   `maxBytes`, but returns at least one entry when `lo < hi`.
 * - Everything read must already be durable: Raft acknowledges what it reads from here.
 * - Calls are synchronous and must not call back into Raft.
 *
 * Snapshots (`snapshot()`) and compaction join this interface with InstallSnapshot.
 */
export interface Storage {
  /** The hard state and membership saved last (term 0 and no vote for a new node). */
  initialState(): InitialState;
  /** Entries `[lo, hi)`, at least one, at most `maxBytes` in total after the first (default: no limit). */
  entries(lo: number, hi: number, maxBytes?: number): readonly Entry[];
  /** The term of the entry at `index`, for `index` in `[firstIndex() - 1, lastIndex()]`. */
  term(index: number): number;
  /** The index of the first entry still held (1 until compaction). */
  firstIndex(): number;
  /** The index of the last entry held (0 when empty). */
  lastIndex(): number;
}
