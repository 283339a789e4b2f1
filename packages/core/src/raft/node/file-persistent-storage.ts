import { performance } from 'node:perf_hooks';
import type { Entry } from '../entry.js';
import type { ConfState } from '../raft-state.js';
import type { Snapshot } from '../snapshot.js';
import type { InitialState } from '../storage.js';
import { FileStorage, type FileStorageOptions } from '../wal/file-storage.js';
import { type PersistentStorage, type ReadyWrite, needsSync } from './persistent-storage.js';

/** Options of {@link FilePersistentStorage.open}: those of `FileStorage.open`, plus a sync hook. */
export interface FilePersistentStorageOptions extends FileStorageOptions {
  /**
   * Called after each durable write with how long it took, in **seconds** (the write plus its
   * fsync, as Prometheus histograms count), e.g. `(s) => fsyncSeconds.observe(s)`. Default none.
   * A listener that throws is ignored: metrics never fail a write.
   */
  readonly onSync?: (seconds: number) => void;
}

/**
 * The durable {@link PersistentStorage} for a {@link RaftNode}: {@link FileStorage}'s
 * segmented, checksummed write-ahead log in one directory. Each `save` (one Ready) writes the
 * snapshot, entries and hard state and fsyncs **once** — group commit: the node hands over every
 * proposal that arrived since the previous Ready in one `save`, and never overlaps two, so one
 * fsync covers them all. `saveConfState` and `compact` are durable when they resolve too.
 *
 * The disk calls are synchronous (see the WAL's design notes): a `save` blocks the event loop
 * for the duration of its fsync, which the node must wait for anyway before it sends.
 *
 * @example
 * const storage = FilePersistentStorage.open({ dir: '/var/lib/kv/a', voters: ['a', 'b', 'c'], onSync: (s) => hist.observe(s) });
 * const node = new RaftNode({ id: 'a', storage, transport, stateMachine, clock: systemClock, random: systemRandom });
 * // …
 * await node.stop();
 * storage.close();
 */
export class FilePersistentStorage implements PersistentStorage {
  /** The WAL-backed storage underneath (for `syncCount`, `segmentFiles()`). */
  readonly file: FileStorage;
  readonly #onSync: ((seconds: number) => void) | undefined;

  private constructor(file: FileStorage, onSync: ((seconds: number) => void) | undefined) {
    this.file = file;
    this.#onSync = onSync;
  }

  /**
   * Opens (or creates) the storage in `options.dir`, replaying its log; see `FileStorage.open`.
   *
   * @throws {TypeError} when `onSync` is given but not a function, or as `FileStorage.open`
   * @throws {RangeError | WalCorruptionError} as `FileStorage.open`
   */
  static open(options: FilePersistentStorageOptions): FilePersistentStorage {
    const onSync = options?.onSync;
    if (onSync !== undefined && typeof onSync !== 'function') {
      throw new TypeError(`FilePersistentStorage: options.onSync must be a function, got ${typeof onSync}`);
    }
    return new FilePersistentStorage(FileStorage.open(options), onSync);
  }

  initialState(): InitialState {
    return this.file.initialState();
  }
  entries(lo: number, hi: number, maxBytes?: number): readonly Entry[] {
    return this.file.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.file.term(index);
  }
  firstIndex(): number {
    return this.file.firstIndex();
  }
  lastIndex(): number {
    return this.file.lastIndex();
  }
  snapshot(): Snapshot {
    return this.file.snapshot();
  }

  /**
   * Persists one Ready (snapshot, entries, hard state) with one fsync; resolves once durable.
   * A Ready whose only change is the hard state's `commit` is written without an fsync (it
   * becomes durable with the next one), as etcd's `MustSync` allows: votes and log entries must
   * survive a crash before anything depends on them, but a commit index that goes back on a
   * restart is learnt again from the leader. This saves a follower, and a leader that has just
   * counted a quorum, one fsync per round of proposals.
   */
  async save(write: ReadyWrite): Promise<void> {
    if (!needsSync(write, this.file.initialState().hardState)) {
      if (write.hardState !== undefined) this.file.setHardState(write.hardState);
      return;
    }
    this.#timed(() => this.file.persist(write));
  }

  /** Persists the membership; resolves once durable. */
  async saveConfState(confState: ConfState): Promise<void> {
    this.#timed(() => {
      this.file.setConfState(confState);
      this.file.sync();
    });
  }

  /** Writes the snapshot file (fsynced, renamed), logs it, and drops the WAL segments it covers. */
  async compact(index: number, confState: ConfState, data: Uint8Array): Promise<void> {
    this.#timed(() => {
      this.file.createSnapshot(index, confState, data);
      this.file.compact(index); // syncs the snapshot record before deleting what it replaces
    });
  }

  /** Closes the files; stop the node first. Nothing acknowledged is lost (every write was synced). */
  close(): void {
    this.file.close();
  }

  #timed(write: () => void): void {
    if (this.#onSync === undefined) {
      write();
      return;
    }
    const start = performance.now();
    write();
    const seconds = (performance.now() - start) / 1000;
    try {
      this.#onSync(seconds);
    } catch {
      // a metrics hook must not fail a durable write
    }
  }
}

