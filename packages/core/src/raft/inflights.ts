/**
 * The appends in flight to one follower in `replicate` state, as a bounded window (etcd-io/raft
 * `tracker/inflights.go`): each append is recorded by its last index and its bytes; an
 * acknowledgement frees every append up to the acknowledged index. The leader sends nothing more
 * to the follower while the window is full — by count (`maxInflightMessages`) or by bytes
 * (`maxInflightBytes`) — so a slow follower cannot make it buffer without bound.
 *
 * Invariants: the recorded indexes increase from the oldest to the newest; `bytes` is the sum of
 * the recorded sizes; at most `capacity` appends are recorded.
 */
export class Inflights {
  // A ring: slots [start, start + count) modulo capacity hold the appends, oldest first.
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  private countHeld = 0;
  private bytesHeld = 0;

  /**
   * @param capacity most appends in flight (≥ 1)
   * @param maxBytes most bytes in flight (`Infinity`: no limit); one append always fits
   */
  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    this.indexes = new Array<number>(capacity).fill(0);
    this.sizes = new Array<number>(capacity).fill(0);
  }

  /** How many appends are in flight. */
  get count(): number {
    return this.countHeld;
  }

  /** How many bytes are in flight. */
  get bytes(): number {
    return this.bytesHeld;
  }

  /** Whether no more appends may go out. */
  full(): boolean {
    return this.countHeld === this.capacity || (this.maxBytes !== Infinity && this.bytesHeld >= this.maxBytes);
  }

  /**
   * Records an append ending at `index` with `bytes` of entries.
   *
   * @throws {Error} when the window is full or `index` does not follow the newest recorded one
   */
  add(index: number, bytes: number): void {
    if (this.countHeld === this.capacity) throw new Error('Raft: inflights window is full');
    if (this.countHeld > 0 && index <= (this.indexes[(this.start + this.countHeld - 1) % this.capacity] as number)) {
      throw new Error(`Raft: inflight index ${index} does not follow the newest one`);
    }
    const slot = (this.start + this.countHeld) % this.capacity;
    this.indexes[slot] = index;
    this.sizes[slot] = bytes;
    this.countHeld++;
    this.bytesHeld += bytes;
  }

  /** The follower acknowledged up to `index`: frees every append ending at or before it. */
  freeLE(index: number): void {
    while (this.countHeld > 0 && (this.indexes[this.start] as number) <= index) this.freeFirst();
  }

  /** Frees the oldest append (a heartbeat answer while full: the appends may be lost). */
  freeFirst(): void {
    if (this.countHeld === 0) return;
    this.bytesHeld -= this.sizes[this.start] as number;
    this.start = (this.start + 1) % this.capacity;
    this.countHeld--;
  }

  /** Forgets everything in flight. */
  reset(): void {
    this.start = 0;
    this.countHeld = 0;
    this.bytesHeld = 0;
  }
}
