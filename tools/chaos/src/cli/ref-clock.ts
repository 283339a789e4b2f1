/**
 * The real clock with timers that keep the process alive. `systemClock` unrefs its timers, as
 * a library's must; a command-line run waiting only on a retry delay or the nemesis's next
 * step must not exit instead.
 */
import type { Clock } from '@bulwark/core';

/** `performance.timeOrigin + performance.now()` (monotonic) and ref'd Node timers. */
export const refClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
