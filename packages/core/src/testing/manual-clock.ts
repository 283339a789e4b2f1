import type { Clock, TimerHandle } from '../time/clock.js';

interface ManualTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/**
 * A {@link Clock} whose time moves only when a test says so. Timers fire in due order (ties in
 * the order they were armed), each with `now()` equal to its due time, so code under test sees
 * exactly the time it would have seen for real.
 *
 * @example
 * const clock = new ManualClock();
 * const breaker = new CircuitBreaker(action, { clock, resetTimeout: 1000 });
 * breaker.open();
 * clock.advance(1000); // the reset timer fires: the breaker is half-open
 */
export class ManualClock implements Clock {
  private time: number;
  private nextId = 1;
  // Kept sorted by (dueAt, id); tests hold few timers, so insertion is cheap enough.
  private timers: ManualTimer[] = [];

  /** @param startMs the initial value of `now()` (default 0) */
  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`ManualClock: startMs must be a finite number, got ${startMs}`);
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    if (typeof callback !== 'function') throw new TypeError('ManualClock.setTimeout: callback must be a function');
    const delay = Number.isFinite(delayMs) && delayMs > 0 ? delayMs : 0;
    const timer: ManualTimer = { id: this.nextId++, dueAt: this.time + delay, callback };
    let i = this.timers.length;
    while (i > 0 && this.timers[i - 1].dueAt > timer.dueAt) i--;
    this.timers.splice(i, 0, timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    const i = this.timers.findIndex((t) => t.id === handle);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** How many timers are armed and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer is due, or `undefined` if none is armed. */
  nextDueAt(): number | undefined {
    return this.timers[0]?.dueAt;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way (including timers
   * armed by those callbacks, when they fall due within the same span).
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance: ms must be a non-negative finite number, got ${ms}`);
    const target = this.time + ms;
    for (let timer = this.takeDue(target); timer; timer = this.takeDue(target)) {
      this.time = timer.dueAt;
      timer.callback();
    }
    this.time = target;
  }

  /**
   * Like {@link advance}, but lets promise callbacks run after each timer (and before the
   * first), so async code reacting to a timer is settled before the next one fires.
   */
  async advanceAsync(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advanceAsync: ms must be a non-negative finite number, got ${ms}`);
    const target = this.time + ms;
    await flushPromises();
    for (let timer = this.takeDue(target); timer; timer = this.takeDue(target)) {
      this.time = timer.dueAt;
      timer.callback();
      await flushPromises();
    }
    this.time = target;
  }

  /** Fires every pending timer, moving time to each one's due time; returns how many fired. */
  runAll(limit = 10_000): number {
    let fired = 0;
    for (let timer = this.timers.shift(); timer; timer = this.timers.shift()) {
      if (++fired > limit) throw new Error(`ManualClock.runAll: more than ${limit} timers fired; a timer re-arms itself forever`);
      this.time = Math.max(this.time, timer.dueAt);
      timer.callback();
    }
    return fired;
  }

  private takeDue(target: number): ManualTimer | undefined {
    const first = this.timers[0];
    if (first === undefined || first.dueAt > target) return undefined;
    this.timers.shift();
    return first;
  }
}

/**
 * Resolves after every promise callback queued so far (and those they queue, several levels
 * deep) has run. It waits for one macrotask turn (`setImmediate`), not for any time to pass.
 */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
