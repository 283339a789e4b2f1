/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time for every timing-dependent piece of Bulwark. Policies read time and arm
 * timers only through a `Clock`, so tests can drive them with `ManualClock` from
 * `@bulwark/core/testing` and never sleep.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch (the same scale as `Date.now()`). */
  now(): number;
  /**
   * Calls `callback` once after `delayMs` milliseconds. Timers armed by Bulwark never keep the
   * process alive on their own (the system clock unrefs them).
   */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const handle = setTimeout(callback, delayMs);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
