import type { Clock } from '../../time/clock.js';

/** How many search steps run between two clock reads: a step costs well under a microsecond. */
export const STEPS_PER_CLOCK_READ = 1024;

/**
 * The checker's deadline. The search decrements `countdown` every step and calls `expired()` when
 * it reaches zero, so the clock is read once per {@link STEPS_PER_CLOCK_READ} steps, and never
 * when there is no limit.
 */
export class TimeLimit {
  countdown = STEPS_PER_CLOCK_READ;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly deadline: number;

  constructor(clock: Pick<Clock, 'now'>, timeoutMs: number) {
    this.clock = clock;
    this.deadline = timeoutMs === Infinity ? Infinity : clock.now() + timeoutMs;
  }

  /** Re-arms the countdown; `true` once the deadline has passed. */
  expired(): boolean {
    this.countdown = STEPS_PER_CLOCK_READ;
    return this.deadline !== Infinity && this.clock.now() >= this.deadline;
  }
}
