import { type Entry, entrySize } from './entry.js';
import { LogCompactedError, isLogCompactedError } from './errors/log-compacted-error.js';
import { LogUnstable } from './log-unstable.js';
import type { Snapshot } from './snapshot.js';
import type { Storage } from './storage.js';
import { plantedBugs } from './planted-bugs.js';

/** An index and the term of the entry there (0 when that term is unknown). */
export interface IndexTerm {
  readonly index: number;
  readonly term: number;
}

/**
 * A node's log: the durable entries in {@link Storage} followed by the {@link LogUnstable} tail
 * (which may start with a snapshot from the leader, replacing everything stored).
 *
 * Invariants:
 * - `applied ≤ committed ≤ lastIndex()`, and neither `committed` nor `applied` ever decreases.
 * - `firstIndex() - 1 ≤ committed`: only committed entries are ever compacted or snapshotted.
 * - Entries at or below `committed` are never overwritten (Raft §5.4, Leader Completeness).
 */
export class RaftLog {
  /** The highest index known committed on a quorum (Raft Figure 2, `commitIndex`). */
  committed: number;
  /** The highest index the caller has applied (acknowledged through `advance()`). */
  applied: number;
  private readonly unstable: LogUnstable;

  /**
   * @param storage the durable part
   * @param applied the last index the caller's state machine already holds (at most the stored commit)
   */
  constructor(
    private readonly storage: Storage,
    applied: number,
  ) {
    this.unstable = new LogUnstable(storage.lastIndex() + 1);
    const snapshotIndex = storage.firstIndex() - 1;
    this.committed = Math.max(storage.initialState().hardState.commit, snapshotIndex);
    this.applied = Math.max(applied, snapshotIndex);
  }

  /** The first index still held (after the snapshot's, when there is one). */
  firstIndex(): number {
    return this.unstable.firstIndex() ?? this.storage.firstIndex();
  }

  /** The index of the last entry, stable or not (the snapshot's when nothing follows it). */
  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** The term of the last entry (0 for an empty log). */
  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term at `index`, or `undefined` when it is compacted or past the end. */
  term(index: number): number | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    const unstable = this.unstable.term(index);
    if (unstable !== undefined) return unstable;
    if (index > this.storage.lastIndex() || index >= this.unstable.offset) return undefined;
    try {
      return this.storage.term(index);
    } catch (error) {
      if (isLogCompactedError(error)) return undefined; // compacted meanwhile
      throw error;
    }
  }

  /** True when the entry at `index` has term `term`. */
  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /**
   * Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as this one
   * (Raft §5.4.1): the later last term wins; with equal terms the longer log.
   */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ownTerm = this.lastTerm();
    return lastTerm > ownTerm || (lastTerm === ownTerm && lastIndex >= this.lastIndex());
  }

  /**
   * The index of the first of `entries` that this log does not hold (a different term, or past
   * the end), or 0 when it holds them all.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    return 0;
  }

  /**
   * The largest index ≤ `index` whose term is ≤ `term`, with its term: where a log that has an
   * entry of `term` at `index` can first agree with this one (etcd's `findConflictByTerm`). Used on
   * both sides of a rejected append to skip a whole term per round trip (Raft §5.3).
   * Returns `{ index, term: 0 }` when `index` is past the end or compacted (unknown).
   */
  findConflictByTerm(index: number, term: number): IndexTerm {
    let at = index;
    for (;;) {
      const found = this.term(at);
      if (found === undefined) return { index: at, term: 0 };
      if (found <= term) return { index: at, term: found };
      at--;
    }
  }

  /**
   * A follower's AppendEntries (Raft §5.3, receiver steps 2–5): when the entry at `prevIndex`
   * has `prevTerm`, drops any conflicting suffix, appends what is new, moves `committed` to
   * `min(commit, last new index)` and returns the last new index; otherwise `undefined`.
   *
   * @throws {Error} when the leader would overwrite a committed entry (a safety violation)
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`Raft: entry ${conflict} conflicts with the committed prefix (committed ${this.committed})`);
      }
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /**
   * Appends entries (contiguous, following an index this log holds), replacing any entries from
   * the first one's index on. Returns the new last index.
   *
   * @throws {Error} when that would overwrite a committed entry
   */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const first = (entries[0] as Entry).index;
    if (first - 1 < this.committed) {
      throw new Error(`Raft: append at ${first} would overwrite committed entries (committed ${this.committed})`);
    }
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * Entries `[lo, hi)`: at most `maxCount`, and past the first at most `maxBytes` in total.
   *
   * @throws {LogCompactedError} when `lo` is compacted (a leader then sends a snapshot)
   */
  slice(lo: number, hi: number, maxBytes = Infinity, maxCount = Infinity): Entry[] {
    const end = Math.min(hi, lo + maxCount);
    if (lo >= end) return [];
    if (lo < this.firstIndex()) throw new LogCompactedError(lo, this.firstIndex());
    const out: Entry[] = [];
    const stableEnd = Math.min(end, this.unstable.offset);
    if (lo < stableEnd) out.push(...this.storage.entries(lo, stableEnd, maxBytes));
    if (out.length === Math.max(0, stableEnd - lo) && end > this.unstable.offset) {
      out.push(...this.unstable.slice(Math.max(lo, this.unstable.offset), end));
    }
    return limitBytes(out, maxBytes);
  }

  /** Entries from `lo` to the end, limited as {@link RaftLog.slice}. */
  entriesFrom(lo: number, maxBytes = Infinity, maxCount = Infinity): Entry[] {
    return this.slice(lo, this.lastIndex() + 1, maxBytes, maxCount);
  }

  /** The entries the caller still has to persist. */
  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** The caller persisted entries up to `index` with term `term` (see {@link LogUnstable.stableTo}). */
  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  /** The snapshot the caller still has to persist and apply, if any. */
  unstableSnapshot(): Snapshot | undefined {
    return this.unstable.snapshot;
  }

  /** The caller persisted the snapshot at `index`. */
  stableSnapshotTo(index: number): void {
    this.unstable.stableSnapshotTo(index);
  }

  /**
   * Replaces the log with a leader's snapshot (Raft §7, InstallSnapshot receiver step 7: "discard
   * the entire log"): everything up to its index counts as committed; it becomes applied once
   * the caller applies it.
   */
  restore(snapshot: Snapshot): void {
    this.committed = snapshot.metadata.index;
    this.unstable.restore(snapshot);
  }

  /**
   * The leader's commit rule (Raft §5.4.2): moves `committed` to `index` only when the entry there
   * is of the current `term`; earlier entries then commit with it, never by counting replicas.
   */
  maybeCommit(index: number, term: number): boolean {
    // plantedBugs.commitPreviousTerm (test-only) counts replicas of earlier terms' entries: Figure 8.
    if (index > this.committed && (this.term(index) === term || plantedBugs.commitPreviousTerm)) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  /**
   * Moves `committed` forward to `index` (never back).
   *
   * @throws {Error} when `index` is past the last entry (the leader sent a bad commit)
   */
  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`Raft: commit ${index} is past the last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  /** The caller applied entries up to `index` (`applied ≤ index ≤ committed`). */
  appliedTo(index: number): void {
    if (index < this.applied || index > this.committed) {
      throw new Error(`Raft: applied ${index} is outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
  }

  /**
   * Whether committed entries wait to be applied. None do while a snapshot waits: it goes first,
   * and the entries it covers are not in the log.
   */
  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === undefined && this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** The committed entries not yet applied, oldest first, at most `maxBytes` after the first. */
  nextCommittedEntries(maxBytes = Infinity): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.slice(Math.max(this.applied + 1, this.firstIndex()), this.committed + 1, maxBytes);
  }
}

function limitBytes(entries: Entry[], maxBytes: number): Entry[] {
  if (maxBytes === Infinity) return entries;
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    bytes += entrySize(entries[i] as Entry);
    if (i > 0 && bytes > maxBytes) return entries.slice(0, i);
  }
  return entries;
}
