import type { Clock, TimerHandle } from '../../time/clock.js';

/** Something with a deadline that the queue times out. */
export interface Deadline {
  /** When it times out, in the clock's ms. */
  deadline: number;
  /** @internal links; owned by the queue */
  prev: Deadline | undefined;
  /** @internal */
  next: Deadline | undefined;
  /** @internal true while queued */
  queued: boolean;
  /** Called once when the deadline passes while still queued. */
  expire(now: number): void;
}

/**
 * Times out many calls with one timer. Calls of one breaker share a timeout, so deadlines arrive
 * in order: adding is an append and removing an unlink, both O(1). A single timer is armed for
 * the earliest deadline; when a call settles its entry is unlinked but the timer is left alone,
 * and when the timer fires it expires what is due and re-arms for the next deadline, if any.
 * So a stream of fast calls arms at most one timer per timeout period instead of one per call
 * (opossum's `setTimeout`/`clearTimeout` per call is about half its per-call cost).
 */
export class DeadlineQueue {
  private head: Deadline | undefined;
  private tail: Deadline | undefined;
  private timer: TimerHandle | undefined;
  private timerDueAt = Infinity;

  constructor(private readonly clock: Clock) {}

  add(item: Deadline): void {
    item.queued = true;
    let after = this.tail;
    // Only a timeout shortened at run time breaks the order; walk back to keep it sorted.
    while (after !== undefined && after.deadline > item.deadline) after = after.prev;
    item.prev = after;
    item.next = after ? after.next : this.head;
    if (item.next) item.next.prev = item;
    else this.tail = item;
    if (after) after.next = item;
    else this.head = item;
    if (item.deadline < this.timerDueAt) this.arm(item.deadline);
  }

  remove(item: Deadline): void {
    if (!item.queued) return;
    item.queued = false;
    if (item.prev) item.prev.next = item.next;
    else this.head = item.next;
    if (item.next) item.next.prev = item.prev;
    else this.tail = item.prev;
    item.prev = item.next = undefined;
  }

  /** True when no deadline is queued. */
  get isEmpty(): boolean {
    return this.head === undefined;
  }

  /** Drops every entry and the timer (entries do not expire). */
  clear(): void {
    for (let item = this.head; item; ) {
      const next = item.next;
      item.queued = false;
      item.prev = item.next = undefined;
      item = next;
    }
    this.head = this.tail = undefined;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Infinity;
  }

  private arm(dueAt: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = this.clock.setTimeout(this.onTimer, Math.max(0, dueAt - this.clock.now()));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerDueAt = Infinity;
    const now = this.clock.now();
    // Arm for the first deadline still ahead before any expire() runs: a timer an expire()
    // callback arms (a breaker's reset timer, when the timeout opens it) then comes after it,
    // as with opossum's timer per call, armed when the call started. For two timers due at
    // the same time, that decides which runs first.
    let ahead = this.head;
    while (ahead !== undefined && ahead.deadline <= now) ahead = ahead.next;
    if (ahead !== undefined && ahead.deadline < this.timerDueAt) this.arm(ahead.deadline);
    for (let item = this.head; item !== undefined && item.deadline <= now; item = this.head) {
      this.remove(item);
      item.expire(now);
    }
    // An expire() callback may have added an item, arming the timer for its (later) deadline:
    // re-arm whenever the head is due before whatever is armed, not only when nothing is.
    if (this.head !== undefined && this.head.deadline < this.timerDueAt) this.arm(this.head.deadline);
  };
}
