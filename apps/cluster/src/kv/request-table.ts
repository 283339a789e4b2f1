import type { KvResult } from './kv-command.js';

/** One remembered request: what it was (operation and key) and what it answered. */
export interface RequestRecord {
  readonly fingerprint: string;
  readonly result: KvResult;
}

/**
 * The client request ids the state machine has applied, with their first answer, so that a
 * retried write (same `x-request-id`) applies once. Bounded: past `maxEntries` the oldest id is
 * forgotten (first in, first out, in log order, so every replica forgets the same ones); a retry
 * arriving after its id was forgotten runs again. Part of the state machine's snapshot.
 */
export class RequestTable {
  readonly #records = new Map<string, RequestRecord>();

  /** @param maxEntries how many ids to remember, ≥ 1 */
  constructor(readonly maxEntries: number) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`RequestTable: maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** How many ids are remembered. */
  get size(): number {
    return this.#records.size;
  }

  /** The record of `requestId`, if it is remembered. */
  get(requestId: string): RequestRecord | undefined {
    return this.#records.get(requestId);
  }

  /** Remembers an id (never called twice for one id), forgetting the oldest beyond the bound. */
  remember(requestId: string, record: RequestRecord): void {
    this.#records.set(requestId, record);
    while (this.#records.size > this.maxEntries) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  /** The records oldest first, for a snapshot. */
  entries(): Array<[string, RequestRecord]> {
    return [...this.#records];
  }

  /** Replaces the contents (oldest first), keeping the newest `maxEntries`. */
  restore(entries: ReadonlyArray<readonly [string, RequestRecord]>): void {
    this.#records.clear();
    for (const [id, record] of entries) this.remember(id, record);
  }
}
