import type { Entry } from '../entry.js';
import type { ConfState, HardState } from '../raft-state.js';
import type { Snapshot } from '../snapshot.js';
import type { Storage } from '../storage.js';

/** The part of a `Ready` that must be durable before its messages go out. */
export interface ReadyWrite {
  readonly snapshot: Snapshot | undefined;
  readonly entriesToPersist: readonly Entry[];
  readonly hardState: HardState | undefined;
}

/**
 * A {@link Storage} that a {@link RaftNode} can also write: the reads Raft needs, plus durable,
 * asynchronous writes. Each returned promise resolves only once the write survives a crash
 * (fsync): the node sends a Ready's votes and acknowledgements only after `save` resolves.
 * The node never starts a write before the previous one resolved.
 *
 * @example
 * const storage: PersistentStorage = new MemoryPersistentStorage({ voters: ['a', 'b', 'c'] });
 */
export interface PersistentStorage extends Storage {
  /**
   * Persists a Ready: `snapshot` first (it replaces the whole log), then `entriesToPersist` (an
   * entry at index `i` replaces every stored entry from `i` on), then `hardState`. One
   * exception to "durable when it resolves": a write that only moves `hardState.commit` may
   * resolve before it is durable (the commit index may go back in a crash; Raft learns it again
   * from the leader), as long as it is durable before any later durable write is.
   */
  save(write: ReadyWrite): Promise<void>;
  /** Persists the membership after the node applied a configuration change. */
  saveConfState(confState: ConfState): Promise<void>;
  /**
   * Stores a snapshot of the state machine as of `index` (applied, ≤ `lastIndex()`), with the
   * membership then, and discards the entries up to `index`.
   */
  compact(index: number, confState: ConfState, data: Uint8Array): Promise<void>;
  /** The latest snapshot (index 0 and empty data when none). */
  snapshot(): Snapshot;
}

/**
 * Whether a Ready's write must reach the disk before what depends on it: a snapshot, entries, or
 * a new term or vote. A change of the commit index alone need not (etcd's `MustSync`; see
 * `FilePersistentStorage.save`).
 */
export function needsSync(ready: ReadyWrite, stored: HardState): boolean {
  if (ready.snapshot !== undefined || ready.entriesToPersist.length > 0) return true;
  const next = ready.hardState;
  return next !== undefined && (next.term !== stored.term || next.vote !== stored.vote);
}
