import type { Entry, NodeId } from '../../raft/entry.js';
import { MemoryStorage } from '../../raft/memory-storage.js';
import type { ConfState, HardState } from '../../raft/raft-state.js';
import type { Snapshot } from '../../raft/snapshot.js';
import type { SimRandom } from './sim-random.js';

/**
 * Test-only ways for {@link SimStorage} to break its contract, to show that a simulation's checks
 * catch it:
 * - `forget-vote`: a restarted node reads its hard state without the vote it persisted, so it may
 *   vote twice in one term (Raft Figure 2: `votedFor` must survive a crash);
 * - `lying-fsync`: `sync()` returns before the data is durable; it becomes durable only with the
 *   next `sync()`, so a crash loses writes the node already acknowledged.
 */
export type SimStorageBug = 'forget-vote' | 'lying-fsync';

/**
 * One write handed to the disk: a snapshot from the leader (replacing the whole log), an entry
 * (replacing the log from its index on) or a hard state.
 */
type WriteOp =
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'hard-state'; readonly hardState: HardState };

/** Options of a {@link SimStorage}. */
export interface SimStorageOptions {
  /** The cluster's initial voters. Required. */
  readonly voters: readonly NodeId[];
  /** A planted bug (test-only). Default none. */
  readonly bug?: SimStorageBug;
}

/**
 * A disk for a simulated Raft node, with a page cache: writes are visible to reads at once (Raft
 * reads {@link SimStorage.live}) but reach the durable state only on {@link SimStorage.sync}
 * (fsync). A {@link SimStorage.crash} keeps the durable state plus a random prefix of the writes
 * not yet synced (the disk wrote some of them, in order; the last may be the half-written one
 * that is dropped), and loses the rest. {@link SimStorage.recover} rebuilds what a restarted node
 * reads from the durable state alone.
 *
 * Writes go in the order the Ready contract gives (a snapshot, the entries, then the hard
 * state), one record per entry, so a torn write never leaves a hard state without the entries
 * before it. Compaction ({@link SimStorage.compact}) is durable at once: the application writes
 * its snapshot file and fsyncs it before discarding entries.
 *
 * @example
 * const disk = new SimStorage({ voters: ['a', 'b', 'c'] });
 * const raft = new Raft({ id: 'a', storage: disk.live, random: seededRandom(1) });
 * // handling a Ready:
 * disk.write(ready.snapshot, ready.entriesToPersist, ready.hardState);
 * disk.sync(); // later, after the fsync latency; only then send ready.messages
 * // a crash before sync() loses the Ready's writes (some of them):
 * disk.crash(new SimRandom(7));
 * const restarted = new Raft({ id: 'a', storage: disk.recover(), random: seededRandom(2) });
 */
export class SimStorage {
  private liveStorage: MemoryStorage;
  private readonly durable: MemoryStorage;
  private readonly voters: readonly NodeId[];
  private readonly bug: SimStorageBug | undefined;
  private pending: WriteOp[] = [];
  /** With `lying-fsync`: writes `sync()` claimed durable but left for the next one. */
  private claimed: WriteOp[] = [];
  private writes = 0;
  private lost = 0;

  constructor(options: SimStorageOptions) {
    this.voters = [...options.voters];
    this.bug = options.bug;
    this.liveStorage = new MemoryStorage({ voters: this.voters });
    this.durable = new MemoryStorage({ voters: this.voters });
  }

  /** What Raft reads: everything written, synced or not. Replaced by {@link SimStorage.recover}. */
  get live(): MemoryStorage {
    return this.liveStorage;
  }

  /** Whether writes wait for a sync. */
  get dirty(): boolean {
    return this.pending.length > 0;
  }

  /** Writes handed over so far, and writes lost to crashes. */
  get counts(): { readonly writes: number; readonly lost: number } {
    return { writes: this.writes, lost: this.lost };
  }

  /** Hands a Ready's snapshot, entries and hard state to the disk (visible at once, durable after `sync()`). */
  write(snapshot: Snapshot | undefined, entries: readonly Entry[], hardState: HardState | undefined): void {
    if (snapshot !== undefined) {
      this.liveStorage.applySnapshot(snapshot);
      this.pending.push({ kind: 'snapshot', snapshot });
      this.writes++;
    }
    if (entries.length > 0) {
      this.liveStorage.append(entries);
      for (const entry of entries) this.pending.push({ kind: 'entry', entry });
    }
    if (hardState !== undefined) {
      this.liveStorage.setHardState(hardState);
      this.pending.push({ kind: 'hard-state', hardState });
    }
    this.writes += entries.length + (hardState === undefined ? 0 : 1);
  }

  /** fsync: everything written so far is durable (with `lying-fsync`, what the previous sync claimed). */
  sync(): void {
    if (this.bug === 'lying-fsync') {
      for (const op of this.claimed) applyOp(this.durable, op);
      this.claimed = this.pending;
    } else {
      for (const op of this.pending) applyOp(this.durable, op);
    }
    this.pending = [];
  }

  /**
   * The machine crashes: a random prefix of the unsynced writes reaches the disk, the rest is
   * lost. Returns how many writes were lost.
   */
  crash(random: SimRandom): number {
    const unsynced = [...this.claimed, ...this.pending];
    const kept = random.int(0, unsynced.length);
    for (const op of unsynced.slice(0, kept)) applyOp(this.durable, op);
    this.claimed = [];
    this.pending = [];
    this.lost += unsynced.length - kept;
    return unsynced.length - kept;
  }

  /**
   * The application takes a snapshot of its state machine at `index` (an index it applied) and
   * discards the entries up to it, durably at once.
   *
   * @throws {RangeError} from `MemoryStorage` when `index` is not after the snapshot or past the log
   */
  compact(index: number, confState: ConfState, data: Uint8Array): void {
    this.liveStorage.createSnapshot(index, confState, data);
    this.liveStorage.compact(index);
    // Applied entries are durable (they were synced before they were applied); with lying-fsync
    // they may not be yet, and the durable log keeps them.
    if (index <= this.durable.lastIndex() && index > this.durable.snapshot().metadata.index) {
      this.durable.createSnapshot(index, confState, data);
      this.durable.compact(index);
    }
  }

  /** What a restarting node reads: a fresh {@link MemoryStorage} holding the durable state only. */
  recover(): MemoryStorage {
    const storage = new MemoryStorage({ voters: this.voters });
    const snapshot = this.durable.snapshot();
    if (snapshot.metadata.index > 0) storage.applySnapshot(snapshot);
    const last = this.durable.lastIndex();
    if (last >= this.durable.firstIndex()) storage.append(this.durable.entries(this.durable.firstIndex(), last + 1));
    // The membership comes from the snapshot (applySnapshot above), or is the initial one: the
    // state machine restarts from the snapshot and replays the configuration changes after it.
    const { hardState } = this.durable.initialState();
    storage.setHardState(this.bug === 'forget-vote' ? { ...hardState, vote: undefined } : hardState);
    this.liveStorage = storage;
    this.pending = [];
    this.claimed = [];
    return storage;
  }

  /**
   * The membership the state machine reached by applying a configuration change, for the next
   * compaction's snapshot. Not a durable write of its own: a restart replays from the snapshot,
   * whose metadata holds the membership as of its index, and applies the changes after it again.
   */
  saveConfState(confState: ConfState): void {
    this.liveStorage.setConfState(confState);
  }

  /** The durable hard state. */
  durableHardState(): HardState {
    return this.durable.initialState().hardState;
  }

  /** The durable last index. */
  durableLastIndex(): number {
    return this.durable.lastIndex();
  }

  /** The durable snapshot (index 0 when none). */
  durableSnapshot(): Snapshot {
    return this.durable.snapshot();
  }

  /**
   * The durable entry at `index`: the entry, `'snapshot'` when a durable snapshot covers the
   * index, or `undefined` when the disk does not hold it.
   */
  durableEntry(index: number): Entry | 'snapshot' | undefined {
    if (index < this.durable.firstIndex()) return index <= this.durable.snapshot().metadata.index ? 'snapshot' : undefined;
    if (index > this.durable.lastIndex()) return undefined;
    return this.durable.entries(index, index + 1)[0];
  }
}

function applyOp(storage: MemoryStorage, op: WriteOp): void {
  switch (op.kind) {
    case 'snapshot':
      storage.applySnapshot(op.snapshot);
      break;
    case 'entry':
      storage.append([op.entry]);
      break;
    case 'hard-state':
      storage.setHardState(op.hardState);
  }
}
