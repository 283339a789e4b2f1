import { BulkheadRejectedError } from '../errors/bulkhead-rejected-error.js';
import type { BulkheadRejectionReason } from '../errors/bulkhead-rejected-error.js';
import { EventSource } from '../events/event.js';
import type { Event } from '../events/event.js';
import { systemClock } from '../time/clock.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { checkNonNegativeInteger, checkObject, checkPositive, checkPositiveInteger } from './validate.js';

/** Options for {@link bulkhead}. */
export interface BulkheadOptions {
  /** How many calls may run at once (a positive integer; required). */
  readonly maxConcurrent: number;
  /**
   * How many calls may wait for a slot, first in first out (a non-negative integer or
   * `Infinity`; default 0: a call that finds every slot busy is rejected at once).
   */
  readonly maxQueued?: number;
  /**
   * The longest a call may wait in the queue, in ms (a positive finite number; default: no
   * limit). A call that waits longer is rejected with reason `'queue-timeout'` and never runs.
   */
  readonly queueTimeoutMs?: number;
  /** The source of time and timers (default `systemClock`). */
  readonly clock?: Clock;
}

/** What {@link BulkheadPolicy.onAccepted} reports: a call got a slot and is starting. */
export interface BulkheadAcceptedEvent {
  /** How long the call waited in the queue, in ms (0 when it got a slot at once). */
  readonly waitedMs: number;
  /** Calls running, this one included. */
  readonly activeCount: number;
  /** Calls still waiting. */
  readonly queuedCount: number;
}

/** What {@link BulkheadPolicy.onRejected} reports: a call was refused and will never run. */
export interface BulkheadRejectedEvent {
  readonly reason: BulkheadRejectionReason;
  /** The error the call was rejected with. */
  readonly error: BulkheadRejectedError;
  readonly activeCount: number;
  readonly queuedCount: number;
}

/** Live gauges and monotonic counters since construction (`bulkhead.metrics()`). */
export interface BulkheadMetrics {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** Calls running now. */
  readonly activeCount: number;
  /** Calls waiting now. */
  readonly queuedCount: number;
  /** Calls that got a slot and started (at once or after waiting). */
  readonly accepted: number;
  /** Calls that had to wait in the queue (whatever became of them). */
  readonly queued: number;
  /** Accepted calls whose `fn` has settled (fulfilled or rejected). */
  readonly completed: number;
  /** Calls refused, by reason; `queueTimeout` counts the calls that timed out in the queue. */
  readonly rejected: { readonly full: number; readonly queueTimeout: number; readonly aborted: number };
}

type Fn = (context: ExecuteContext) => unknown;

// The recent mean call duration is an exponentially weighted moving average with this weight
// for the newest timed call: it forgets a phase of slow calls after a few dozen fast ones.
const EWMA_WEIGHT = 0.2;
/** While slots are free, one call in this many is timed for that average (see `admit`). */
const SAMPLE_EVERY = 8;

/**
 * A call waiting for a slot: a node of the FIFO queue (a doubly linked list, so a call that
 * leaves from the middle on abort unlinks in O(1)) and its own abort listener (`handleEvent`),
 * so waiting needs no closures.
 */
class Waiter {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;
  /** True while linked in the queue. */
  linked = true;

  constructor(
    readonly owner: BulkheadPolicy,
    readonly fn: Fn,
    readonly context: ExecuteContext,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly enqueuedAt: number,
    readonly deadline: number,
  ) {}

  /** The caller's signal aborted (EventTarget calls this). */
  handleEvent(): void {
    this.owner._abortWaiter(this);
  }
}

/**
 * Limits how many calls run at once, with an optional bounded FIFO queue (see {@link bulkhead}).
 *
 * Invariants: `activeCount <= maxConcurrent`; `queuedCount <= maxQueued`; a call waits only
 * while every slot is busy (a freed slot goes to the head of the queue at once); the queue
 * timer is armed exactly while the queue is non-empty and `queueTimeoutMs` is set.
 */
export class BulkheadPolicy implements Policy {
  /** How many calls may run at once. */
  readonly maxConcurrent: number;
  /** How many calls may wait for a slot. */
  readonly maxQueued: number;
  /** The longest a call may wait, in ms, or `undefined` for no limit. */
  readonly queueTimeoutMs: number | undefined;

  private readonly clock: Clock;
  private readonly accepted = new EventSource<BulkheadAcceptedEvent>();
  private readonly rejected = new EventSource<BulkheadRejectedEvent>();
  /** A call got a slot and is starting. */
  readonly onAccepted: Event<BulkheadAcceptedEvent> = this.accepted.event;
  /** A call was refused (full, queue timeout, or aborted while waiting); it never runs. */
  readonly onRejected: Event<BulkheadRejectedEvent> = this.rejected.event;

  private active = 0;
  private waiting = 0;
  private head: Waiter | undefined;
  private tail: Waiter | undefined;
  // One timer for the whole queue: every waiter has the same queueTimeoutMs and joins at the
  // tail, so deadlines rise from head to tail and the head's is always the earliest.
  private timer: TimerHandle | undefined;
  private meanDurationMs: number | undefined;

  private nAccepted = 0;
  private nQueued = 0;
  private nCompleted = 0;
  private nFull = 0;
  private nQueueTimeout = 0;
  private nAborted = 0;

  /** Use {@link bulkhead}, which validates the options. */
  constructor(options: BulkheadOptions) {
    const o = checkObject('bulkhead', 'options', options) as Partial<BulkheadOptions>;
    this.maxConcurrent = checkPositiveInteger('bulkhead', 'maxConcurrent', o.maxConcurrent);
    // `Infinity` is a valid unbounded queue, which checkNonNegativeInteger would refuse.
    if (o.maxQueued === undefined) this.maxQueued = 0;
    else if (o.maxQueued === Infinity) this.maxQueued = Infinity;
    else this.maxQueued = checkNonNegativeInteger('bulkhead', 'maxQueued', o.maxQueued);
    this.queueTimeoutMs = o.queueTimeoutMs === undefined ? undefined : checkPositive('bulkhead', 'queueTimeoutMs', o.queueTimeoutMs);
    this.clock = o.clock === undefined ? systemClock : (checkObject('bulkhead', 'clock', o.clock) as unknown as Clock);
  }

  /** Calls running now. */
  get activeCount(): number {
    return this.active;
  }

  /** Calls waiting for a slot now. */
  get queuedCount(): number {
    return this.waiting;
  }

  /**
   * Runs `fn` in a free slot, or queues it, or rejects at once with a
   * {@link BulkheadRejectedError} (`'full'`). A queued call leaves the queue at once, and never
   * runs, when the caller's signal aborts (`'aborted'`, `cause` = the signal's reason) or it has
   * waited `queueTimeoutMs` (`'queue-timeout'`). A signal already aborted on entry rejects with
   * its reason, like every policy, and counts as nothing.
   *
   * A running call keeps its slot until `fn` settles, however long that takes: the bulkhead
   * bounds the work in flight, so it does not cut a running call short. `fn` receives the
   * caller's signal; put a timeout inside the bulkhead to bound a call's duration.
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const context: ExecuteContext = { signal: signal ?? NEVER_ABORTED, attempt: options?.attempt ?? 1 };
    if (this.active < this.maxConcurrent) return this.runNow(fn, context);
    return new Promise<T>((resolve, reject) => {
      if (this.waiting >= this.maxQueued) {
        this.nFull++;
        reject(this.refuse('full', undefined));
        return;
      }
      const now = this.clock.now();
      const timeout = this.queueTimeoutMs;
      const waiter = new Waiter(this, fn, context, resolve as (value: unknown) => void, reject, signal, now, timeout === undefined ? Infinity : now + timeout);
      this.link(waiter);
      this.nQueued++;
      signal?.addEventListener('abort', waiter, { once: true });
      // Arm for the head, not for this call: they differ only when a listener queues a call
      // while the timer is expiring others.
      if (timeout !== undefined && this.timer === undefined) this.timer = this.clock.setTimeout(this.onTimer, (this.head as Waiter).deadline - now);
    });
  }

  /**
   * Takes a slot at once if one is free, for work whose end the caller reports itself (an HTTP
   * middleware's "call" is the rest of the request, and ends when its response does): returns a
   * permit to `release()` when the work is over, or `undefined` when every slot is taken, so the
   * caller can queue through {@link execute} or shed the work. `undefined` counts nothing.
   * A taken slot counts as accepted (`onAccepted` fires with `waitedMs: 0`); its release as
   * completed, and frees the slot for the head of the queue.
   *
   * The cost: one small object; no promise, closure or signal.
   *
   * @example
   * const permit = pool.tryAcquire();
   * if (permit === undefined) return shed();
   * job.once('end', () => permit.release());
   */
  tryAcquire(): BulkheadPermit | undefined {
    if (this.active >= this.maxConcurrent) return undefined;
    return new BulkheadPermit(this, this.admit(0));
  }

  /** @internal A permit's slot is given back. */
  _releasePermit(startedAt: number): void {
    this.release(startedAt);
  }

  /** Gauges and monotonic counters, for metrics exporters. */
  metrics(): BulkheadMetrics {
    return {
      maxConcurrent: this.maxConcurrent,
      maxQueued: this.maxQueued,
      activeCount: this.active,
      queuedCount: this.waiting,
      accepted: this.nAccepted,
      queued: this.nQueued,
      completed: this.nCompleted,
      rejected: { full: this.nFull, queueTimeout: this.nQueueTimeout, aborted: this.nAborted },
    };
  }

  /** For logs and `wrap(...).describe()`: `bulkhead(10, queue 5, queueTimeout=200ms)`. */
  describe(): string {
    const timeout = this.queueTimeoutMs === undefined ? '' : `, queueTimeout=${this.queueTimeoutMs}ms`;
    return `bulkhead(${this.maxConcurrent}, queue ${this.maxQueued}${timeout})`;
  }

  /** @internal The caller's signal aborted while `waiter` was queued. */
  _abortWaiter(waiter: Waiter): void {
    if (!waiter.linked) return;
    this.unlink(waiter);
    this.nAborted++;
    waiter.reject(this.refuse('aborted', waiter.signal?.reason));
  }

  /**
   * A call that found a free slot, the common case: what {@link run} does, with the call's promise
   * derived from `fn`'s by one `then` instead of a new promise settled from its callbacks. The
   * outcome and the order of events are the same (the slot is released before the call settles).
   */
  private runNow<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, context: ExecuteContext): Promise<T> {
    const start = this.admit(0);
    let result: PromiseLike<T> | T;
    try {
      result = fn(context);
    } catch (error) {
      this.release(start);
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => {
        this.release(start);
        return value;
      },
      (error: unknown) => {
        this.release(start);
        throw error;
      },
    );
  }

  /**
   * Takes a slot for a call about to start; returns its start time, or `NaN` for a call that is
   * not timed. The durations only feed the `retryAfterMs` estimate of rejections, which happen
   * only once every slot is busy, so a call that starts while half the slots or more are busy is
   * always timed (those are the calls still running when the bulkhead fills), and the others
   * one in {@link SAMPLE_EVERY} (the first included): two clock reads cost as much as the rest of
   * the success path, and a lightly loaded bulkhead should not pay them on every call.
   */
  private admit(waitedMs: number): number {
    this.active++;
    const n = this.nAccepted++;
    if (this.accepted.hasListeners) this.emit(this.accepted, { waitedMs, activeCount: this.active, queuedCount: this.waiting });
    return this.active * 2 >= this.maxConcurrent || n % SAMPLE_EVERY === 0 ? this.clock.now() : Number.NaN;
  }

  private run(fn: Fn, context: ExecuteContext, resolve: (value: unknown) => void, reject: (reason: unknown) => void, waitedMs: number): void {
    const start = this.admit(waitedMs);
    let result: unknown;
    try {
      result = fn(context);
    } catch (error) {
      this.release(start);
      reject(error);
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        this.release(start);
        resolve(value);
      },
      (error: unknown) => {
        this.release(start);
        reject(error);
      },
    );
  }

  /** A running call settled: give its slot to the head of the queue. */
  private release(start: number): void {
    this.active--;
    this.nCompleted++;
    if (start === start) {
      // Timed (not NaN): see admit().
      const duration = this.clock.now() - start;
      this.meanDurationMs = this.meanDurationMs === undefined ? duration : this.meanDurationMs + EWMA_WEIGHT * (duration - this.meanDurationMs);
    }
    // A loop, not an if: a call that throws synchronously frees its slot again at once.
    while (this.active < this.maxConcurrent && this.head !== undefined) {
      const waiter = this.head;
      this.unlink(waiter);
      this.run(waiter.fn, waiter.context, waiter.resolve, waiter.reject, this.clock.now() - waiter.enqueuedAt);
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    const now = this.clock.now();
    for (let waiter = this.head; waiter !== undefined && waiter.deadline <= now; waiter = this.head) {
      this.unlink(waiter);
      this.nQueueTimeout++;
      waiter.reject(this.refuse('queue-timeout', undefined));
    }
    // A listener may have queued a call (arming the timer) while we expired the others.
    if (this.head !== undefined && this.timer === undefined) this.timer = this.clock.setTimeout(this.onTimer, this.head.deadline - now);
  };

  private link(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail) this.tail.next = waiter;
    else this.head = waiter;
    this.tail = waiter;
    this.waiting++;
  }

  /** Takes `waiter` out of the queue and off the caller's signal; stops the timer when the queue empties. */
  private unlink(waiter: Waiter): void {
    waiter.linked = false;
    if (waiter.prev) waiter.prev.next = waiter.next;
    else this.head = waiter.next;
    if (waiter.next) waiter.next.prev = waiter.prev;
    else this.tail = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.waiting--;
    waiter.signal?.removeEventListener('abort', waiter);
    if (this.head === undefined && this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  /** Builds the rejection (with its retry-after estimate) and reports it. */
  private refuse(reason: BulkheadRejectionReason, cause: unknown): BulkheadRejectedError {
    const error =
      reason === 'aborted'
        ? new BulkheadRejectedError(reason, { cause })
        : new BulkheadRejectedError(reason, { retryAfterMs: this.estimateWaitMs() });
    if (this.rejected.hasListeners) this.emit(this.rejected, { reason, error, activeCount: this.active, queuedCount: this.waiting });
    return error;
  }

  /**
   * How long a call arriving now would likely wait for a slot: with `maxConcurrent` slots each
   * freeing after the recent mean duration, the queue ahead plus the call itself drains at
   * `maxConcurrent / mean` calls per ms.
   */
  private estimateWaitMs(): number | undefined {
    const mean = this.meanDurationMs;
    if (mean === undefined) return undefined;
    return Math.max(1, Math.ceil((mean * (this.waiting + 1)) / this.maxConcurrent));
  }

  // A listener that throws must not corrupt the bulkhead's books (a slot taken and never
  // released); its error is dropped. Listeners are for observation, not control.
  private emit<T>(source: EventSource<T>, value: T): void {
    try {
      source.emit(value);
    } catch {
      // Deliberately ignored: see above.
    }
  }
}

/** A slot taken with {@link BulkheadPolicy.tryAcquire}; {@link release} gives it back, once. */
export class BulkheadPermit {
  private released = false;

  /** Use `BulkheadPolicy.tryAcquire()`. */
  constructor(
    private readonly owner: BulkheadPolicy,
    // When the call started on the bulkhead's clock, or NaN when it is not timed (see admit()).
    private readonly startedAt: number,
  ) {}

  /** True once {@link release} has been called. */
  get done(): boolean {
    return this.released;
  }

  /** Gives the slot back (to the head of the queue, if anyone waits). Later calls do nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.owner._releasePermit(this.startedAt);
  }
}

/**
 * A bulkhead: at most `maxConcurrent` calls run at once; up to `maxQueued` more wait in a FIFO
 * queue, each for at most `queueTimeoutMs`; the rest are rejected at once with a
 * {@link BulkheadRejectedError} (`'full'`). Put it outside retries, so that retries never
 * multiply the load it admits.
 *
 * Costs: no timer unless a call is queued with `queueTimeoutMs` set, and then one for the whole
 * queue; a listener on the caller's signal only while a call waits.
 *
 * @throws TypeError or RangeError when an option is invalid (the message names it)
 * @example
 * const pool = bulkhead({ maxConcurrent: 10, maxQueued: 100, queueTimeoutMs: 2_000 });
 * const rows = await pool.execute(({ signal }) => db.query(sql, { signal }));
 */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
