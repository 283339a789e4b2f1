import type { ConfState, Entry, InitialState, PersistentStorage, ReadyWrite, Snapshot } from '@bulwark/core';

/**
 * A {@link PersistentStorage} wrapper that lets the app compact the log on demand
 * (`POST /cluster/snapshot`) while a `RaftNode` writes to it: every write, the node's and the
 * app's, runs one at a time in call order, as `PersistentStorage` requires. It also tells
 * whether a membership change is being saved, since a snapshot must not be cut then (its
 * membership would be ahead of its index).
 */
export class CompactableStorage implements PersistentStorage {
  #tail: Promise<unknown> = Promise.resolve();
  #savingConfState = false;

  constructor(readonly inner: PersistentStorage & { close?(): void }) {}

  /** True while the node saves the membership of a configuration change it is applying. */
  get savingConfState(): boolean {
    return this.#savingConfState;
  }

  initialState(): InitialState {
    return this.inner.initialState();
  }
  entries(lo: number, hi: number, maxBytes?: number): readonly Entry[] {
    return this.inner.entries(lo, hi, maxBytes);
  }
  term(index: number): number {
    return this.inner.term(index);
  }
  firstIndex(): number {
    return this.inner.firstIndex();
  }
  lastIndex(): number {
    return this.inner.lastIndex();
  }
  snapshot(): Snapshot {
    return this.inner.snapshot();
  }

  save(write: ReadyWrite): Promise<void> {
    return this.#serial(() => this.inner.save(write));
  }

  saveConfState(confState: ConfState): Promise<void> {
    this.#savingConfState = true;
    return this.#serial(() => this.inner.saveConfState(confState)).finally(() => {
      this.#savingConfState = false;
    });
  }

  compact(index: number, confState: ConfState, data: Uint8Array): Promise<void> {
    return this.#serial(() => this.inner.compact(index, confState, data));
  }

  close(): void {
    this.inner.close?.();
  }

  #serial(write: () => Promise<void>): Promise<void> {
    const run = this.#tail.then(write, write);
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
