import { type Entry, type NodeId, entrySize } from './entry.js';
import { LogCompactedError } from './errors/log-compacted-error.js';
import { type ConfState, EMPTY_HARD_STATE, type HardState } from './raft-state.js';
import type { Snapshot } from './snapshot.js';
import type { InitialState, Storage } from './storage.js';

const EMPTY = new Uint8Array(0);

/**
 * A {@link Storage} in memory, for tests and for the simulator; it survives nothing. The caller
 * handles each `Ready` by calling {@link MemoryStorage.applySnapshot} with `snapshot`,
 * {@link MemoryStorage.append} with `entriesToPersist` and {@link MemoryStorage.setHardState} with
 * `hardState`, then sends the messages. To compact, it calls
 * {@link MemoryStorage.createSnapshot} at an applied index, then {@link MemoryStorage.compact}.
 *
 * @example
 * const storage = new MemoryStorage({ voters: ['a', 'b', 'c'] });
 * const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
 * // later, once the state machine applied index 100:
 * storage.createSnapshot(100, confState, encode(stateMachine));
 * storage.compact(100);
 */
export class MemoryStorage implements Storage {
  // entries[0] is a sentinel standing for the last compacted entry (the snapshot's index and
  // term; index 0, term 0 before any); entries[i] has index entries[0].index + i.
  // Invariants: contiguous indexes; entries[0].index ≤ snapshot index (never compact past it).
  private entriesHeld: Entry[] = [{ index: 0, term: 0, type: 'normal', data: EMPTY }];
  private hardState: HardState = EMPTY_HARD_STATE;
  private confState: ConfState;
  private latest: Snapshot;

  /**
   * @param options `voters`: the cluster's initial voters (the same list on every node, also on
   *   a node that joins later: it replays the membership changes from there); `learners`: the
   *   initial learners (default none)
   * @throws {TypeError} when `voters` or `learners` is not an array of non-empty, distinct
   *   strings, or a node is in both
   */
  constructor(options: { voters: readonly NodeId[]; learners?: readonly NodeId[] }) {
    const voters = ids(options?.voters, 'voters');
    const learners = options?.learners === undefined ? [] : ids(options.learners, 'learners');
    if (learners.some((id) => voters.includes(id))) {
      throw new TypeError(`MemoryStorage: a node cannot be in both options.voters and options.learners`);
    }
    this.confState = learners.length === 0 ? { voters } : { voters, learners };
    this.latest = { metadata: { index: 0, term: 0, confState: this.confState }, data: EMPTY };
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.confState };
  }

  /** Saves the hard state of a `Ready` (replacing the previous one). */
  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  firstIndex(): number {
    return this.offset() + 1;
  }

  lastIndex(): number {
    return this.offset() + this.entriesHeld.length - 1;
  }

  term(index: number): number {
    const offset = this.offset();
    if (index < offset) throw new LogCompactedError(index, offset + 1);
    if (index > this.lastIndex()) {
      throw new RangeError(`MemoryStorage: term(${index}) is past the last index ${this.lastIndex()}`);
    }
    return (this.entriesHeld[index - offset] as Entry).term;
  }

  entries(lo: number, hi: number, maxBytes = Infinity): readonly Entry[] {
    const offset = this.offset();
    if (lo <= offset) throw new LogCompactedError(lo, offset + 1);
    if (hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(`MemoryStorage: entries(${lo}, ${hi}) is outside [${offset + 1}, ${this.lastIndex() + 1})`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.entriesHeld[i - offset] as Entry;
      bytes += entrySize(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** The latest snapshot: the last one created or applied (index 0 and no data before any). */
  snapshot(): Snapshot {
    return this.latest;
  }

  /**
   * Appends the entries of a `Ready`. An entry at index `i` replaces the held entries from `i` on
   * (they lost to a newer leader, Raft §5.3); entries at or below the compacted index are skipped.
   *
   * @throws {RangeError} when the entries are not contiguous, or would leave a gap after `lastIndex()`
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    entries.forEach((entry, i) => {
      if (entry.index !== first + i) throw new RangeError(`MemoryStorage: append() needs contiguous indexes`);
    });
    const offset = this.offset();
    if (first > this.lastIndex() + 1) {
      throw new RangeError(`MemoryStorage: append() from ${first} leaves a gap after ${this.lastIndex()}`);
    }
    const fresh = first <= offset ? entries.slice(offset + 1 - first) : entries;
    if (fresh.length === 0) return;
    this.entriesHeld.length = (fresh[0] as Entry).index - offset;
    this.entriesHeld.push(...fresh);
  }

  /**
   * Saves the membership the caller's state machine is at, after it applied a configuration
   * change (`Raft.applyConfChange` returns it); `initialState()` hands it back on a restart.
   */
  setConfState(confState: ConfState): void {
    this.confState = confState;
  }

  /**
   * Replaces the whole log with a snapshot (the `snapshot` of a `Ready`, received from a leader):
   * every entry is dropped, the membership becomes the snapshot's. Persist it before the Ready's
   * entries.
   *
   * @throws {RangeError} when the snapshot is not newer than the one held (etcd's `ErrSnapOutOfDate`)
   */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.latest.metadata.index) {
      throw new RangeError(`MemoryStorage: applySnapshot() at ${index} is not newer than the snapshot at ${this.latest.metadata.index}`);
    }
    this.latest = snapshot;
    this.entriesHeld = [{ index, term, type: 'normal', data: EMPTY }];
    this.confState = confState;
  }

  /**
   * Records a snapshot of the caller's state machine as of `index` (an index it has applied),
   * with the membership then; a leader hands it to followers that need compacted entries. It does
   * not compact: call {@link MemoryStorage.compact} next.
   *
   * @param index the last index the snapshot covers; at most `lastIndex()`, after the current snapshot
   * @param confState the membership as of `index`
   * @param data the state machine's state, opaque to Raft
   * @throws {RangeError} when `index` is not after the current snapshot or past `lastIndex()`
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.latest.metadata.index) {
      throw new RangeError(`MemoryStorage: createSnapshot(${index}) is not after the snapshot at ${this.latest.metadata.index}`);
    }
    if (index > this.lastIndex()) {
      throw new RangeError(`MemoryStorage: createSnapshot(${index}) is past the last index ${this.lastIndex()}`);
    }
    this.latest = { metadata: { index, term: this.term(index), confState }, data };
    return this.latest;
  }

  /**
   * Discards the entries up to and including `index`, which the snapshot must cover (the caller
   * applied them and took a snapshot at or after `index`).
   *
   * @throws {LogCompactedError} when `index` is already compacted
   * @throws {RangeError} when `index` is past `lastIndex()` or past the snapshot's index
   */
  compact(index: number): void {
    const offset = this.offset();
    if (index <= offset) throw new LogCompactedError(index, offset + 1);
    if (index > this.lastIndex()) {
      throw new RangeError(`MemoryStorage: compact(${index}) is past the last index ${this.lastIndex()}`);
    }
    if (index > this.latest.metadata.index) {
      throw new RangeError(
        `MemoryStorage: compact(${index}) is past the snapshot at ${this.latest.metadata.index}; createSnapshot first`,
      );
    }
    const kept = this.entriesHeld.slice(index - offset);
    const head = kept[0] as Entry;
    kept[0] = { index: head.index, term: head.term, type: 'normal', data: EMPTY };
    this.entriesHeld = kept;
  }

  private offset(): number {
    return (this.entriesHeld[0] as Entry).index;
  }
}

function ids(value: unknown, name: string): readonly NodeId[] {
  if (
    !Array.isArray(value) ||
    value.some((id) => typeof id !== 'string' || id === '') ||
    new Set(value).size !== value.length
  ) {
    throw new TypeError(`MemoryStorage: options.${name} must be an array of distinct non-empty strings`);
  }
  return Object.freeze([...(value as NodeId[])]);
}
