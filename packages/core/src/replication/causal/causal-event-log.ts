import type { Dot } from '../clocks/dotted-version-vector.js';
import { dotKey } from '../clocks/dotted-version-vector.js';
import type { VectorClock } from '../clocks/vector-clock.js';
import { checkReplicaId } from '../validate.js';
import { CausalDeliveryBuffer } from './causal-delivery-buffer.js';
import type { CausalEvent } from './causal-event.js';
import { compareEvents, eventDot } from './causal-event.js';

/** Options of {@link CausalEventLog}. */
export interface CausalEventLogOptions {
  /** This replica's id. Required. */
  readonly replica: string;
  /** The most received events held back waiting for their dependencies. Default 1000. */
  readonly maxBuffered?: number;
}

/** An event of the log, or its dot. */
export type EventRef = Dot | CausalEvent<unknown>;

/**
 * One replica's log of causally ordered events: the events it made (`recordLocal`) and the
 * events of other replicas it received (`receive`), the latter delivered in causal order
 * through a {@link CausalDeliveryBuffer}. It answers happened-before and concurrency questions
 * about any two recorded events, and gives an event's causal history.
 *
 * A local event depends on everything recorded before it: its clock is the log's clock with this
 * replica's entry incremented. The log keeps every event (memory grows with the history);
 * `causalHistory` scans it (O(events)).
 *
 * @example
 * const a = new CausalEventLog<string>({ replica: 'a' });
 * const b = new CausalEventLog<string>({ replica: 'b' });
 * const question = a.recordLocal('lunch?');
 * b.receive(question);
 * const answer = b.recordLocal('yes');
 * const aside = a.recordLocal('or later');
 * b.isConcurrent(answer, question); // false: the answer saw the question
 * a.receive(answer);
 * a.isConcurrent(answer, aside); // true
 * a.causalHistory(answer).map((e) => e.payload); // ['lunch?']
 */
export class CausalEventLog<P> {
  /** This replica's id. */
  readonly replica: string;
  private readonly buffer: CausalDeliveryBuffer<P>;
  private readonly recorded: CausalEvent<P>[] = [];
  private readonly byDot = new Map<string, CausalEvent<P>>();

  /** @throws TypeError for a missing replica id; RangeError for a bad `maxBuffered` */
  constructor(options: CausalEventLogOptions) {
    this.replica = checkReplicaId(options?.replica, 'CausalEventLog: replica');
    this.buffer = new CausalDeliveryBuffer({ maxBuffered: options.maxBuffered });
  }

  /** What the log has recorded: its count of events per replica. */
  get clock(): VectorClock {
    return this.buffer.delivered;
  }

  /** How many received events wait for their dependencies. */
  get pending(): number {
    return this.buffer.size;
  }

  /** Every recorded event, in the order recorded (a causal order). */
  events(): readonly CausalEvent<P>[] {
    return this.recorded;
  }

  /** Records an event made here and returns it, to be sent to the other replicas. */
  recordLocal(payload: P): CausalEvent<P> {
    const event: CausalEvent<P> = Object.freeze({ replica: this.replica, clock: this.buffer.delivered.increment(this.replica), payload });
    // The buffer must count our own events, so that an echo of one is seen as a duplicate.
    this.buffer.receive(event);
    this.record(event);
    return event;
  }

  /**
   * Takes in an event from another replica (in any order, duplicates included) and returns the
   * events recorded because of it, in causal order: none if it waits for events not received
   * yet or was recorded already.
   *
   * @throws CausalBufferOverflowError when it would wait and `maxBuffered` events already do;
   *   RangeError for an event of this replica that this log did not record (a replica must
   *   not be restarted with a fresh log under the same id)
   */
  receive(event: CausalEvent<P>): CausalEvent<P>[] {
    if (event?.replica === this.replica && !this.byDot.has(dotKey(eventDot(event)))) {
      throw new RangeError(`CausalEventLog.receive: event ${event.clock.get(this.replica)} of this replica (${JSON.stringify(this.replica)}) was not recorded here`);
    }
    const delivered = this.buffer.receive(event);
    for (const e of delivered) this.record(e);
    return delivered;
  }

  /** The recorded event with this dot, if any. */
  get(dot: Dot): CausalEvent<P> | undefined {
    return this.byDot.get(dotKey(dot));
  }

  /**
   * How two recorded events are ordered: `'before'` when `a` happened before `b`.
   *
   * @throws RangeError if either is not recorded in this log
   */
  compare(a: EventRef, b: EventRef): 'before' | 'after' | 'equal' | 'concurrent' {
    return compareEvents(this.resolve(a, 'a'), this.resolve(b, 'b'));
  }

  /** True when `a` happened before `b`. @throws RangeError if either is not recorded */
  happenedBefore(a: EventRef, b: EventRef): boolean {
    return this.compare(a, b) === 'before';
  }

  /** True when neither happened before the other. @throws RangeError if either is not recorded */
  isConcurrent(a: EventRef, b: EventRef): boolean {
    return this.compare(a, b) === 'concurrent';
  }

  /**
   * Every recorded event that happened before `event` (not the event itself), in the order
   * recorded, which is a causal order.
   *
   * @throws RangeError if the event is not recorded
   */
  causalHistory(event: EventRef): CausalEvent<P>[] {
    const target = this.resolve(event, 'event');
    return this.recorded.filter((e) => e !== target && target.clock.get(e.replica) >= e.clock.get(e.replica));
  }

  private record(event: CausalEvent<P>): void {
    this.recorded.push(event);
    this.byDot.set(dotKey(eventDot(event)), event);
  }

  private resolve(ref: EventRef, name: string): CausalEvent<P> {
    const dot = 'clock' in ref ? eventDot(ref) : ref;
    const event = this.byDot.get(dotKey(dot));
    if (event === undefined) throw new RangeError(`CausalEventLog: ${name} (${dot.replica}:${dot.counter}) is not recorded in this log`);
    return event;
  }
}
