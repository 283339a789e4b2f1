import { type Entry, type NodeId, entrySize } from './entry.js';
import { type ConfState, EMPTY_HARD_STATE, type HardState } from './raft-state.js';
import type { InitialState, Storage } from './storage.js';

/**
 * A {@link Storage} in memory, for tests and for the simulator; it survives nothing. The caller
 * handles each `Ready` by calling {@link MemoryStorage.append} with `entriesToPersist` and
 * {@link MemoryStorage.setHardState} with `hardState`, then sends the messages.
 *
 * @example
 * const storage = new MemoryStorage({ voters: ['a', 'b', 'c'] });
 * const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
 */
export class MemoryStorage implements Storage {
  // entries[0] is a sentinel standing for the last compacted entry (index 0, term 0 until
  // snapshots land); entries[i] has index entries[0].index + i. Invariant: contiguous indexes.
  private entriesHeld: Entry[] = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array(0) }];
  private hardState: HardState = EMPTY_HARD_STATE;
  private confState: ConfState;

  /**
   * @param options `voters`: the cluster's initial members (the same list on every node)
   * @throws {TypeError} when `voters` is not an array of non-empty, distinct strings
   */
  constructor(options: { voters: readonly NodeId[] }) {
    const voters: unknown = options?.voters;
    if (
      !Array.isArray(voters) ||
      voters.some((id) => typeof id !== 'string' || id === '') ||
      new Set(voters).size !== voters.length
    ) {
      throw new TypeError(`MemoryStorage: options.voters must be an array of distinct non-empty strings`);
    }
    this.confState = { voters: Object.freeze([...(voters as NodeId[])]) };
  }

  initialState(): InitialState {
    return { hardState: this.hardState, confState: this.confState };
  }

  /** Saves the hard state of a `Ready` (replacing the previous one). */
  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  firstIndex(): number {
    return (this.entriesHeld[0] as Entry).index + 1;
  }

  lastIndex(): number {
    return (this.entriesHeld[0] as Entry).index + this.entriesHeld.length - 1;
  }

  term(index: number): number {
    const offset = (this.entriesHeld[0] as Entry).index;
    if (index < offset || index > this.lastIndex()) {
      throw new RangeError(`MemoryStorage: term(${index}) is outside [${offset}, ${this.lastIndex()}]`);
    }
    return (this.entriesHeld[index - offset] as Entry).term;
  }

  entries(lo: number, hi: number, maxBytes = Infinity): readonly Entry[] {
    const offset = (this.entriesHeld[0] as Entry).index;
    if (lo <= offset || hi > this.lastIndex() + 1 || lo > hi) {
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

  /**
   * Appends the entries of a `Ready`. An entry at index `i` replaces the held entries from `i` on
   * (they lost to a newer leader, Raft §5.3).
   *
   * @throws {RangeError} when the entries are not contiguous, or would leave a gap after `lastIndex()`
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = (entries[0] as Entry).index;
    entries.forEach((entry, i) => {
      if (entry.index !== first + i) throw new RangeError(`MemoryStorage: append() needs contiguous indexes`);
    });
    const offset = (this.entriesHeld[0] as Entry).index;
    if (first > this.lastIndex() + 1) {
      throw new RangeError(`MemoryStorage: append() from ${first} leaves a gap after ${this.lastIndex()}`);
    }
    // Entries already compacted are dropped; none can be until snapshots land.
    const fresh = first <= offset ? entries.slice(offset + 1 - first) : entries;
    if (fresh.length === 0) return;
    this.entriesHeld.length = (fresh[0] as Entry).index - offset;
    this.entriesHeld.push(...fresh);
  }
}
