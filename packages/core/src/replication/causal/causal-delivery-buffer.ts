import { CausalBufferOverflowError } from '../errors/causal-buffer-overflow-error.js';
import { checkReplicaId } from '../validate.js';
import { VectorClock } from '../clocks/vector-clock.js';
import type { CausalEvent } from './causal-event.js';

/** Options of {@link CausalDeliveryBuffer}. */
export interface CausalDeliveryBufferOptions {
  /** What was delivered before (after a restart, say). Default: nothing. */
  readonly delivered?: VectorClock;
  /** The most events held back at once; one more throws `CausalBufferOverflowError`. Default 1000. */
  readonly maxBuffered?: number;
}

/**
 * Causal delivery for causal broadcast (Birman, Schiper, Stephenson 1991): holds an event back
 * until every event it depends on has been delivered, then hands it out. An event `e` of replica
 * `r` is deliverable when it is `r`'s next event (`e.clock[r] = delivered[r] + 1`) and everything
 * else it had seen was delivered (`e.clock[k] ≤ delivered[k]` for every other `k`). Duplicates —
 * events delivered or held already — are ignored, so the channel may repeat and reorder.
 *
 * Bounded: at most `maxBuffered` events wait. An event that would have to wait beyond that is
 * refused with `CausalBufferOverflowError` and not kept (nothing held is ever dropped, so the
 * output stays causal); the sender must send it again later.
 *
 * Mutable: `receive` updates the buffer in place.
 *
 * @example
 * const buffer = new CausalDeliveryBuffer<string>();
 * buffer.receive(reply);  // [] — it answers a question not delivered yet
 * buffer.receive(question); // [question, reply]
 */
export class CausalDeliveryBuffer<P> {
  /** The configured bound. */
  readonly maxBuffered: number;
  private deliveredClock: VectorClock;
  // Held events by replica, then by their number there.
  private readonly held = new Map<string, Map<number, CausalEvent<P>>>();
  private heldCount = 0;

  /** @throws RangeError if `maxBuffered` is not a non-negative safe integer; TypeError if `delivered` is not a VectorClock */
  constructor(options: CausalDeliveryBufferOptions = {}) {
    const maxBuffered = options.maxBuffered ?? 1000;
    if (!Number.isSafeInteger(maxBuffered) || maxBuffered < 0) {
      throw new RangeError(`CausalDeliveryBuffer: maxBuffered must be a non-negative safe integer, got ${maxBuffered}`);
    }
    if (options.delivered !== undefined && !(options.delivered instanceof VectorClock)) throw new TypeError('CausalDeliveryBuffer: delivered must be a VectorClock');
    this.maxBuffered = maxBuffered;
    this.deliveredClock = options.delivered ?? VectorClock.empty;
  }

  /** What has been delivered: the count of delivered events per replica. */
  get delivered(): VectorClock {
    return this.deliveredClock;
  }

  /** How many events are held back. */
  get size(): number {
    return this.heldCount;
  }

  /** The events held back, by replica and number. */
  pending(): CausalEvent<P>[] {
    return [...this.held.values()].flatMap((queue) => [...queue.values()].sort((a, b) => a.clock.get(a.replica) - b.clock.get(b.replica)));
  }

  /** True when `event` could be delivered now. */
  isDeliverable(event: CausalEvent<P>): boolean {
    const counter = event.clock.get(event.replica);
    if (counter !== this.deliveredClock.get(event.replica) + 1) return false;
    for (const [replica, seen] of event.clock.entries()) {
      if (replica !== event.replica && seen > this.deliveredClock.get(replica)) return false;
    }
    return true;
  }

  /**
   * Takes in an event and returns the events that became deliverable, in a causal order: the
   * event itself if it was ready, then any held events it unblocked. Empty if it must wait or is
   * a duplicate.
   *
   * @throws CausalBufferOverflowError if the event must wait and `maxBuffered` events already
   *   do (it is not kept); TypeError for an event whose clock does not count it at its replica
   */
  receive(event: CausalEvent<P>): CausalEvent<P>[] {
    checkReplicaId(event?.replica, 'CausalDeliveryBuffer.receive: event.replica');
    if (!(event.clock instanceof VectorClock)) throw new TypeError('CausalDeliveryBuffer.receive: event.clock must be a VectorClock');
    const counter = event.clock.get(event.replica);
    if (counter < 1) throw new TypeError(`CausalDeliveryBuffer.receive: the event's clock ${event.clock} does not count it at ${JSON.stringify(event.replica)}`);
    if (counter <= this.deliveredClock.get(event.replica) || this.held.get(event.replica)?.has(counter)) return [];
    if (!this.isDeliverable(event)) {
      if (this.heldCount >= this.maxBuffered) throw new CausalBufferOverflowError(this.maxBuffered, event.replica, counter);
      let queue = this.held.get(event.replica);
      if (queue === undefined) this.held.set(event.replica, (queue = new Map()));
      queue.set(counter, event);
      this.heldCount++;
      return [];
    }
    const out = [event];
    this.deliver(event);
    // Each delivery can unblock the next event of any replica; loop until none is ready.
    for (let progress = true; progress; ) {
      progress = false;
      for (const [replica, queue] of this.held) {
        const next = queue.get(this.deliveredClock.get(replica) + 1);
        if (next !== undefined && this.isDeliverable(next)) {
          queue.delete(next.clock.get(replica));
          if (queue.size === 0) this.held.delete(replica);
          this.heldCount--;
          this.deliver(next);
          out.push(next);
          progress = true;
        }
      }
    }
    return out;
  }

  private deliver(event: CausalEvent<P>): void {
    // Every other entry is ≤ delivered already, so the merge only moves the sender's entry.
    this.deliveredClock = this.deliveredClock.merge(event.clock);
  }
}
