import type { NodeId } from '../../raft/entry.js';
import type { ReadState } from '../../raft/read-only.js';

/** A `get` waiting to be served by ReadIndex: the client to answer, its call key and the key read. */
export interface PendingRead {
  readonly client: NodeId;
  readonly key: string;
  readonly kvKey: string;
}

const decoder = new TextDecoder();

/**
 * A simulated server's ReadIndex reads (thesis §6.4): asked (waiting for the leader to confirm
 * it still leads), then confirmed with a read index (waiting for the state machine to apply it),
 * then served. Internal to the simulator.
 */
export class ReadQueue {
  private readonly asked = new Map<string, PendingRead>();
  private confirmed: (PendingRead & { readonly index: number })[] = [];
  /** Reads served so far. */
  served = 0;

  /** A read went to Raft with `context`. */
  ask(context: string, read: PendingRead): void {
    this.asked.set(context, read);
  }

  /** A Ready's read states: those of reads asked here are confirmed (others are ignored). */
  confirm(readStates: readonly ReadState[]): void {
    for (const { index, context } of readStates) {
      const key = decoder.decode(context);
      const read = this.asked.get(key);
      if (read === undefined) continue;
      this.asked.delete(key);
      this.confirmed.push({ ...read, index });
    }
  }

  /** Serves, with `answer`, every confirmed read whose index the state machine has reached. */
  serve(appliedIndex: number, answer: (read: PendingRead) => void): void {
    if (this.confirmed.length === 0) return;
    const waiting: typeof this.confirmed = [];
    for (const read of this.confirmed) {
      if (read.index > appliedIndex) {
        waiting.push(read);
        continue;
      }
      this.served++;
      answer(read);
    }
    this.confirmed = waiting;
  }

  /**
   * The leader changed: reads not confirmed yet may never be (the leader they went to is gone). A
   * read has no effect, so its client simply retries after its timeout. Confirmed ones stay valid.
   */
  forgetUnconfirmed(): void {
    this.asked.clear();
  }

  /** The server crashed or retired: everything goes. */
  clear(): void {
    this.asked.clear();
    this.confirmed = [];
  }
}
