import type { Entry } from './entry.js';
import type { ConfState, HardState } from './raft-state.js';
import type { Snapshot } from './snapshot.js';

/** What a node restarts from: its last persisted hard state and membership. */
export interface InitialState {
  readonly hardState: HardState;
  /**
   * The membership as of the index the state machine restarts from (`RaftConfig.applied`, or the
   * snapshot's index when that is later): the snapshot's, plus every configuration change the
   * caller applied after it. `MemoryStorage` keeps it through `setConfState` and `applySnapshot`.
   */
  readonly confState: ConfState;
}

/**
 * The durable log and state Raft **reads**; the caller writes it while handling a `Ready`
 * (see {@link MemoryStorage} for the writes). Modelled on etcd-io/raft's `Storage`.
 *
 * Contract:
 * - Indexes are contiguous from `firstIndex()` to `lastIndex()`; `lastIndex() ≥ firstIndex() - 1`
 *   (an empty log has `firstIndex() = 1`, `lastIndex() = 0`). Everything before `firstIndex()`
 *   was compacted: folded into the snapshot and discarded.
 * - `term(i)` answers for every `i` in `[firstIndex() - 1, lastIndex()]`: index `firstIndex() - 1`
 *   is the last entry folded into the snapshot (index 0 has term 0). Below it, `term` and
 *   `entries` throw `LogCompactedError`; past `lastIndex()` they throw a `RangeError`.
 * - `entries(lo, hi, maxBytes)` returns the entries `[lo, hi)` in order, with
 *   `firstIndex() ≤ lo ≤ hi ≤ lastIndex() + 1`; it may stop early once their sizes pass
 *   `maxBytes`, but returns at least one entry when `lo < hi`.
 * - `snapshot()` returns the latest snapshot, whose `metadata.index ≥ firstIndex() - 1` (never
 *   compact past the snapshot: a follower restored from it must find the entries after it). It
 *   may throw `SnapshotTemporarilyUnavailableError`; Raft asks again later. Storage that
 *   never compacts may leave it out; Raft only asks once `firstIndex() > 1`.
 * - Everything read must already be durable: Raft acknowledges what it reads from here.
 * - Calls are synchronous and must not call back into Raft.
 *
 * The application compacts (etcd's `CreateSnapshot` then `Compact`): it takes a snapshot of its
 * state machine at an applied index, stores it, and discards the entries up to it. A leader
 * whose follower needs compacted entries sends `snapshot()` instead.
 */
export interface Storage {
  /** The hard state and membership saved last (term 0 and no vote for a new node). */
  initialState(): InitialState;
  /**
   * Entries `[lo, hi)`, at least one, at most `maxBytes` in total after the first (default: no limit).
   *
   * @throws {LogCompactedError} when `lo < firstIndex()`
   */
  entries(lo: number, hi: number, maxBytes?: number): readonly Entry[];
  /**
   * The term of the entry at `index`, for `index` in `[firstIndex() - 1, lastIndex()]`.
   *
   * @throws {LogCompactedError} when `index < firstIndex() - 1`
   */
  term(index: number): number;
  /** The index of the first entry still held (1 until compaction). */
  firstIndex(): number;
  /** The index of the last entry held (0 when empty). */
  lastIndex(): number;
  /**
   * The latest snapshot (index 0 and empty data when none was taken).
   *
   * @throws {SnapshotTemporarilyUnavailableError} when it cannot be read now
   */
  snapshot?(): Snapshot;
}
