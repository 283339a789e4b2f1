import * as path from 'node:path';
import type { Entry, NodeId } from '../entry.js';
import { MemoryStorage } from '../memory-storage.js';
import { type ConfState, EMPTY_HARD_STATE, type HardState } from '../raft-state.js';
import type { Snapshot, SnapshotMetadata } from '../snapshot.js';
import type { InitialState, Storage } from '../storage.js';
import { Wal } from './wal.js';
import { WalCorruptionError } from './wal-corruption-error.js';
import { type WalFs, nodeWalFs } from './wal-fs.js';
import { type WalRecord, decodeSnapshotFile, encodeSnapshotFile } from './wal-record.js';

/** Options of {@link FileStorage.open}. */
export interface FileStorageOptions {
  /** The node's data directory (created if missing). One node per directory. */
  readonly dir: string;
  /** The initial voters, used only when `dir` holds no log yet (as in `MemoryStorage`). */
  readonly voters: readonly NodeId[];
  /** The initial learners, used only when `dir` holds no log yet (default none). */
  readonly learners?: readonly NodeId[];
  /** Roll the WAL to a new segment once the current one reaches this size, in bytes (default 16 MiB). */
  readonly maxSegmentBytes?: number;
  /** The file operations (default {@link nodeWalFs}); tests inject faults here. */
  readonly fs?: WalFs;
}

/** What {@link FileStorage.persist} takes: the persistence part of a Raft `Ready`. */
export interface PersistableReady {
  readonly snapshot: Snapshot | undefined;
  readonly entriesToPersist: readonly Entry[];
  readonly hardState: HardState | undefined;
}

const SNAPSHOT = /^snap-(\d{20})\.snap$/;
const snapshotName = (index: number): string => `snap-${String(index).padStart(20, '0')}.snap`;

/**
 * A durable {@link Storage}: a write-ahead log of segment files plus snapshot files in one
 * directory, replayed into memory on open. Writes (`append`, `setHardState`, `setConfState`,
 * `applySnapshot`, `createSnapshot`) update memory at once and become durable at the next
 * {@link FileStorage.sync} — one fsync for all of them (group commit). Handle each Ready with
 * {@link FileStorage.persist} and send its messages **only after it returns** (Raft Figure 2:
 * "updated on stable storage before responding to RPCs"); no Raft call may come in between,
 * since Raft treats what it reads here as durable. Synchronous, like `Storage` itself.
 *
 * @example
 * const storage = FileStorage.open({ dir: '/var/lib/kv/a', voters: ['a', 'b', 'c'] });
 * const raft = new Raft({ id: 'a', storage, random: seededRandom(1) });
 * const ready = raft.ready();
 * storage.persist(ready); // entries + hard state, one fsync
 * send(ready.messages);   // only now
 */
export class FileStorage implements Storage {
  private memory: MemoryStorage;
  private readonly wal: Wal;
  private readonly fs: WalFs;
  private readonly dir: string;

  private constructor(options: FileStorageOptions) {
    this.memory = new MemoryStorage(
      options.learners === undefined ? { voters: options.voters } : { voters: options.voters, learners: options.learners },
    );
    this.fs = options.fs ?? nodeWalFs;
    this.dir = options.dir;
    const { wal, records } = Wal.open({
      dir: options.dir,
      fs: this.fs,
      maxSegmentBytes: options.maxSegmentBytes ?? 16 * 1024 * 1024,
      header: () => this.header(),
    });
    this.wal = wal;
    try {
      this.memory = this.replay(records);
      this.removeLeftovers();
    } catch (error) {
      wal.close();
      throw error;
    }
  }

  /**
   * Opens the storage in `options.dir`, replaying its log (a fresh directory starts empty with
   * `options.voters`). A torn last record — a crash mid-write — is cut off.
   *
   * @throws {TypeError} when `dir` is not a non-empty string, `fs` lacks a method, or the voters
   *   are invalid (as `MemoryStorage`'s)
   * @throws {RangeError} when `maxSegmentBytes` is not a positive integer
   * @throws {WalCorruptionError} when a record before the last is damaged, a snapshot file the
   *   log names is missing or damaged, or entries are missing
   */
  static open(options: FileStorageOptions): FileStorage {
    if (typeof options?.dir !== 'string' || options.dir === '') {
      throw new TypeError(`FileStorage: options.dir must be a non-empty string, got ${String(options?.dir)}`);
    }
    const max = options.maxSegmentBytes;
    if (max !== undefined && (!Number.isInteger(max) || max <= 0)) {
      throw new RangeError(`FileStorage: options.maxSegmentBytes must be a positive integer, got ${String(max)}`);
    }
    if (options.fs !== undefined) {
      for (const name of Object.keys(nodeWalFs) as (keyof WalFs)[]) {
        if (typeof options.fs[name] !== 'function') throw new TypeError(`FileStorage: options.fs.${name} must be a function`);
      }
    }
    return new FileStorage(options);
  }

  initialState(): InitialState {
    return this.memory.initialState();
  }
  entries(lo: number, hi: number, maxBytes?: number): readonly Entry[] {
    return this.memory.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.memory.term(index);
  }
  firstIndex(): number {
    return this.memory.firstIndex();
  }
  lastIndex(): number {
    return this.memory.lastIndex();
  }
  snapshot(): Snapshot {
    return this.memory.snapshot();
  }

  /**
   * Appends a Ready's entries (an entry at index `i` replaces the stored ones from `i` on);
   * durable after {@link FileStorage.sync}.
   *
   * @throws {RangeError} as `MemoryStorage.append`
   */
  append(entries: readonly Entry[]): void {
    this.memory.append(entries);
    if (entries.length > 0) this.wal.append({ type: 'entries', entries });
  }

  /** Saves a Ready's hard state; durable after {@link FileStorage.sync}. */
  setHardState(hardState: HardState): void {
    this.memory.setHardState(hardState);
    this.wal.append({ type: 'hard-state', hardState });
  }

  /** Saves the membership the state machine is at (`Raft.applyConfChange`'s result); durable after {@link FileStorage.sync}. */
  setConfState(confState: ConfState): void {
    this.memory.setConfState(confState);
    this.wal.append({ type: 'conf-state', confState });
  }

  /**
   * Replaces the whole log by a snapshot received from a leader. The snapshot file is durable
   * when this returns; the switch to it after {@link FileStorage.sync}.
   *
   * @throws {RangeError} when the snapshot is not newer than the one held
   */
  applySnapshot(snapshot: Snapshot): void {
    const current = this.memory.snapshot().metadata.index;
    if (snapshot.metadata.index <= current) {
      throw new RangeError(`FileStorage: applySnapshot() at ${snapshot.metadata.index} is not newer than the snapshot at ${current}`);
    }
    this.writeSnapshotFile(snapshot.metadata, snapshot.data);
    this.memory.applySnapshot(snapshot);
    this.wal.append({ type: 'snapshot', kind: 'applied', metadata: snapshot.metadata });
  }

  /**
   * Records a snapshot of the state machine as of applied `index` (as `MemoryStorage.createSnapshot`):
   * the file is durable when this returns, the log names it after {@link FileStorage.sync}.
   * Call {@link FileStorage.compact} next to drop the entries it covers.
   *
   * @throws {RangeError} when `index` is not after the current snapshot or past `lastIndex()`
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const current = this.memory.snapshot().metadata.index;
    if (index <= current || index > this.memory.lastIndex()) {
      return this.memory.createSnapshot(index, confState, data); // throws its RangeError
    }
    const metadata: SnapshotMetadata = { index, term: this.memory.term(index), confState };
    this.writeSnapshotFile(metadata, data);
    const snapshot = this.memory.createSnapshot(index, confState, data);
    this.wal.append({ type: 'snapshot', kind: 'created', metadata });
    return snapshot;
  }

  /**
   * Syncs, then discards the entries up to `index` (covered by the snapshot): deletes the WAL
   * segments holding only such entries and the older snapshot files, then fsyncs the directory.
   *
   * @throws {LogCompactedError} when `index` is already compacted
   * @throws {RangeError} when `index` is past `lastIndex()` or past the snapshot's index
   */
  compact(index: number): void {
    this.memory.compact(index);
    this.sync(); // the snapshot record must be durable before the files it replaces go
    this.wal.removeSegmentsThrough(index);
    const keep = this.memory.snapshot().metadata.index;
    let removed = false;
    for (const name of this.fs.readdir(this.dir)) {
      const m = SNAPSHOT.exec(name);
      if (m !== null && Number(m[1]) < keep) {
        this.fs.unlink(path.join(this.dir, name));
        removed = true;
      }
    }
    if (removed) this.fs.fsyncDir(this.dir);
  }

  /** Makes every write so far durable: one write and one fsync (plus a directory fsync when a segment rolls). */
  sync(): void {
    this.wal.sync();
  }

  /**
   * Persists the storage part of a Raft `Ready` in the order design.md's Ready contract asks —
   * snapshot, entries, hard state — with one fsync. Send the Ready's messages only after it returns.
   */
  persist(ready: PersistableReady): void {
    if (ready.snapshot !== undefined) this.applySnapshot(ready.snapshot);
    this.append(ready.entriesToPersist);
    if (ready.hardState !== undefined) this.setHardState(ready.hardState);
    this.sync();
  }

  /** fsyncs done so far (WAL and directory), for measurements. */
  get syncCount(): number {
    return this.wal.syncs;
  }

  /** The WAL's segment files, oldest first. */
  segmentFiles(): readonly string[] {
    return this.wal.segmentFiles();
  }

  /** Closes the files. Writes not yet synced are dropped, as a crash would. */
  close(): void {
    this.wal.close();
  }

  // The records at the top of each segment: enough to rebuild everything but the entries.
  private header(): WalRecord[] {
    const { hardState, confState } = this.memory.initialState();
    return [
      { type: 'snapshot', kind: 'header', metadata: this.memory.snapshot().metadata },
      { type: 'conf-state', confState },
      { type: 'hard-state', hardState },
    ];
  }

  // Replays the records in order. `base` is the index of held[0]; a gap (older segments deleted
  // by a compaction) restarts the run, which a later snapshot record must then cover. A header
  // repeats the snapshot already known, so it only drops entries it covers.
  private replay(records: readonly WalRecord[]): MemoryStorage {
    let snapshot: SnapshotMetadata = { index: 0, term: 0, confState: this.memory.initialState().confState };
    let confState = snapshot.confState;
    let hardState: HardState = EMPTY_HARD_STATE;
    let held: Entry[] = [];
    let base = 1;
    for (const record of records) {
      if (record.type === 'hard-state') hardState = record.hardState;
      else if (record.type === 'conf-state') confState = record.confState;
      else if (record.type === 'snapshot') {
        const { index } = record.metadata;
        if (record.kind === 'applied') {
          held = [];
          confState = record.metadata.confState;
        } else held = held.filter((e) => e.index > index);
        if (index >= snapshot.index) snapshot = record.metadata;
        base = held.length > 0 ? (held[0] as Entry).index : snapshot.index + 1;
      } else {
        const fresh = record.entries.filter((e) => e.index > snapshot.index);
        if (fresh.length === 0) continue;
        const first = (fresh[0] as Entry).index;
        // A gap, or a rewrite reaching back before a run that began after a gap: what came
        // before `first` is unknown here, so the run restarts (a later snapshot must cover it).
        if (first > base + held.length || first < base) {
          held = [];
          base = first;
        }
        held.length = first - base;
        held.push(...fresh);
      }
    }
    if (held.length > 0 && base !== snapshot.index + 1) {
      throw new WalCorruptionError(this.dir, 0, `entries ${snapshot.index + 1} to ${base - 1} are missing (a segment was lost)`);
    }
    const memory = new MemoryStorage({ voters: [] });
    if (snapshot.index > 0) {
      const file = path.join(this.dir, snapshotName(snapshot.index));
      let bytes: Uint8Array;
      try {
        bytes = this.fs.readFile(file);
      } catch (error) {
        throw new WalCorruptionError(file, 0, `the snapshot file the log names cannot be read (${String(error)})`);
      }
      const decoded = decodeSnapshotFile(bytes);
      if (decoded === undefined || decoded.metadata.index !== snapshot.index) {
        throw new WalCorruptionError(file, 0, 'the snapshot file is damaged');
      }
      memory.applySnapshot({ metadata: snapshot, data: decoded.data });
    }
    memory.append(held);
    memory.setHardState(hardState);
    memory.setConfState(confState);
    return memory;
  }

  // Snapshot files: written to a temporary name, fsynced, renamed, then the directory fsynced.
  private writeSnapshotFile(metadata: SnapshotMetadata, data: Uint8Array): void {
    const file = path.join(this.dir, snapshotName(metadata.index));
    const tmp = `${file}.tmp`;
    const fd = this.fs.openAppend(tmp);
    try {
      this.fs.truncate(tmp, 0);
      this.fs.write(fd, encodeSnapshotFile(metadata, data));
      this.fs.fsync(fd);
    } finally {
      this.fs.close(fd);
    }
    this.fs.rename(tmp, file);
    this.fs.fsyncDir(this.dir);
  }

  private removeLeftovers(): void {
    for (const name of this.fs.readdir(this.dir)) {
      if (name.endsWith('.snap.tmp')) this.fs.unlink(path.join(this.dir, name));
    }
  }
}

