import { type Entry, entrySize } from './entry.js';
import { LogUnstable } from './log-unstable.js';
import type { Storage } from './storage.js';

/** An index and the term of the entry there (0 when that term is unknown). */
export interface IndexTerm {
  readonly index: number;
  readonly term: number;
}

/**
 * A node's log: the durable entries in {@link Storage} followed by the {@link LogUnstable} tail.
 *
 * Invariants:
 * - `applied ≤ committed ≤ lastIndex()`, and neither `committed` nor `applied` ever decreases.
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
    this.committed = storage.initialState().hardState.commit;
    this.applied = Math.max(applied, storage.firstIndex() - 1);
  }

  /** The first index still held. */
  firstIndex(): number {
    return this.storage.firstIndex();
  }

  /** The index of the last entry, stable or not. */
  lastIndex(): number {
    return this.unstable.lastIndex() ?? this.storage.lastIndex();
  }

  /** The term of the last entry (0 for an empty log). */
  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** The term at `index`, or `undefined` when it is compacted or past the end. */
  term(index: number): number | undefined {
    const unstable = this.unstable.term(index);
    if (unstable !== undefined) return unstable;
    if (index < this.storage.firstIndex() - 1 || index > this.storage.lastIndex() || index >= this.unstable.offset) {
      return undefined;
    }
    return this.storage.term(index);
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
   */
  slice(lo: number, hi: number, maxBytes = Infinity, maxCount = Infinity): Entry[] {
    const end = Math.min(hi, lo + maxCount);
    if (lo >= end) return [];
    const out: Entry[] = [];
    const stableEnd = Math.min(end, this.unstable.offset);
    if (lo < stableEnd) out.push(...this.storage.entries(lo, stableEnd, maxBytes));
    if (out.length === stableEnd - lo && end > this.unstable.offset) {
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

  /**
   * The leader's commit rule (Raft §5.4.2): moves `committed` to `index` only when the entry there
   * is of the current `term`; earlier entries then commit with it, never by counting replicas.
   */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
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

  /** Whether committed entries wait to be applied. */
  hasNextCommittedEntries(): boolean {
    return this.committed > this.applied;
  }

  /** The committed entries not yet applied, oldest first, at most `maxBytes` after the first. */
  nextCommittedEntries(maxBytes = Infinity): Entry[] {
    return this.slice(this.applied + 1, this.committed + 1, maxBytes);
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
