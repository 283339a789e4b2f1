import type { Entry } from './entry.js';
import type { Snapshot } from './snapshot.js';

/**
 * The tail of the log that is not durable yet: a snapshot received from a leader and entries
 * appended by this node (as leader) or received from a leader, waiting for the caller to persist
 * them through a `Ready`.
 *
 * Invariants (etcd-io/raft `log_unstable.go` keeps the same ones):
 * - `entries[i].index === offset + i`: the entries are contiguous from `offset`.
 * - With a snapshot, `offset === snapshot.metadata.index + 1` when it is restored: the entries
 *   follow it, and it replaces everything the storage holds.
 * - Without one, `offset ≤ storage.lastIndex() + 1`: when it is smaller, the unstable entries
 *   replace the stored ones from `offset` on (a new leader overwrote them, Raft §5.3); the
 *   caller's next `append` to storage truncates those.
 */
export class LogUnstable {
  private entriesHeld: Entry[] = [];
  private snapshotHeld: Snapshot | undefined;

  /** @param offsetIndex the index the next unstable entry gets: the storage's last index + 1 */
  constructor(private offsetIndex: number) {}

  /** The index of the first unstable entry (or where it would go). */
  get offset(): number {
    return this.offsetIndex;
  }

  /** The unstable entries, oldest first. */
  get entries(): readonly Entry[] {
    return this.entriesHeld;
  }

  /** The snapshot to persist, if one arrived. */
  get snapshot(): Snapshot | undefined {
    return this.snapshotHeld;
  }

  /** The first index of the log when an unstable snapshot replaces it, else `undefined`. */
  firstIndex(): number | undefined {
    return this.snapshotHeld === undefined ? undefined : this.snapshotHeld.metadata.index + 1;
  }

  /** The index of the last unstable entry (or of the snapshot), or `undefined` when there is neither. */
  lastIndex(): number | undefined {
    if (this.entriesHeld.length > 0) return this.offsetIndex + this.entriesHeld.length - 1;
    return this.snapshotHeld?.metadata.index;
  }

  /** The term at `index` if that entry is unstable, or is the unstable snapshot's last. */
  term(index: number): number | undefined {
    if (index < this.offsetIndex) {
      return this.snapshotHeld?.metadata.index === index ? this.snapshotHeld.metadata.term : undefined;
    }
    return this.entriesHeld[index - this.offsetIndex]?.term;
  }

  /** Entries `[lo, hi)`, all of them unstable (`offset ≤ lo ≤ hi ≤ lastIndex() + 1`). */
  slice(lo: number, hi: number): Entry[] {
    return this.entriesHeld.slice(lo - this.offsetIndex, hi - this.offsetIndex);
  }

  /**
   * Appends `entries` (contiguous, non-empty), first dropping every entry at or after the first
   * one's index. An index below `offset` moves `offset` back: those stored entries are replaced.
   */
  truncateAndAppend(entries: readonly Entry[]): void {
    const from = (entries[0] as Entry).index;
    if (from === this.offsetIndex + this.entriesHeld.length) {
      this.entriesHeld.push(...entries);
    } else if (from <= this.offsetIndex) {
      this.offsetIndex = from;
      this.entriesHeld = [...entries];
    } else {
      this.entriesHeld = [...this.entriesHeld.slice(0, from - this.offsetIndex), ...entries];
    }
  }

  /** Replaces the whole log with `snapshot` (InstallSnapshot, Raft §7): nothing follows it yet. */
  restore(snapshot: Snapshot): void {
    this.snapshotHeld = snapshot;
    this.offsetIndex = snapshot.metadata.index + 1;
    this.entriesHeld = [];
  }

  /**
   * The caller persisted entries up to `index`, whose term was `term`. Ignored when that entry
   * is no longer unstable with that term (it was overwritten after the `Ready` was handed out, so
   * the new one still has to be persisted).
   */
  stableTo(index: number, term: number): void {
    if (index < this.offsetIndex || this.term(index) !== term) return;
    this.entriesHeld = this.entriesHeld.slice(index + 1 - this.offsetIndex);
    this.offsetIndex = index + 1;
  }

  /** The caller persisted the snapshot at `index` (ignored when a newer one replaced it since). */
  stableSnapshotTo(index: number): void {
    if (this.snapshotHeld?.metadata.index === index) this.snapshotHeld = undefined;
  }
}
