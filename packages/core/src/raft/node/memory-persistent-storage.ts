import type { Entry, NodeId } from '../entry.js';
import { MemoryStorage } from '../memory-storage.js';
import type { ConfState } from '../raft-state.js';
import type { Snapshot } from '../snapshot.js';
import type { InitialState } from '../storage.js';
import type { PersistentStorage, ReadyWrite } from './persistent-storage.js';

/**
 * A {@link PersistentStorage} over {@link MemoryStorage}, for tests and examples: every write is
 * "durable" at once (it survives a {@link RaftNode} being stopped and a new one started on the
 * same object, not the process). `saves` counts the writes, so tests can see batching.
 *
 * @example
 * const storage = new MemoryPersistentStorage({ voters: ['a', 'b', 'c'] });
 * const node = new RaftNode({ id: 'a', storage, transport, stateMachine, clock, random });
 */
export class MemoryPersistentStorage implements PersistentStorage {
  /** The storage underneath. */
  readonly memory: MemoryStorage;
  /** How many `save` calls completed. */
  saves = 0;

  /**
   * @param options the initial membership, as for {@link MemoryStorage}
   * @throws {TypeError} when `voters` or `learners` is malformed
   */
  constructor(options: { voters: readonly NodeId[]; learners?: readonly NodeId[] }) {
    this.memory = new MemoryStorage(options);
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

  async save(write: ReadyWrite): Promise<void> {
    if (write.snapshot !== undefined) this.memory.applySnapshot(write.snapshot);
    this.memory.append(write.entriesToPersist);
    if (write.hardState !== undefined) this.memory.setHardState(write.hardState);
    this.saves++;
  }

  async saveConfState(confState: ConfState): Promise<void> {
    this.memory.setConfState(confState);
  }

  async compact(index: number, confState: ConfState, data: Uint8Array): Promise<void> {
    this.memory.createSnapshot(index, confState, data);
    this.memory.compact(index);
  }
}
