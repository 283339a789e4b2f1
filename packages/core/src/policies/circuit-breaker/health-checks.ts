import type { Clock, TimerHandle } from '../../time/clock.js';

interface Check {
  handle: TimerHandle | undefined;
}

/**
 * The repeating health checks of one breaker, each a chain of one-shot timers on the breaker's
 * clock, all stopped by {@link stopAll} (opossum never stops its health-check intervals, not
 * even on shutdown).
 */
export class HealthChecks {
  private readonly checks = new Set<Check>();

  constructor(private readonly clock: Clock) {}

  /**
   * Runs `run` every `intervalMs` ms until {@link stopAll}. A rejection, a synchronous throw or
   * a result that is not a promise is passed to `failed` (opossum would throw it from a timer,
   * an uncaught exception).
   */
  every(intervalMs: number, run: () => Promise<unknown>, failed: (error: unknown) => void): void {
    const check: Check = { handle: undefined };
    this.checks.add(check);
    const schedule = (): void => {
      check.handle = this.clock.setTimeout(() => {
        if (!this.checks.has(check)) return;
        schedule();
        try {
          run().catch(failed);
        } catch (error) {
          failed(error);
        }
      }, intervalMs);
    };
    schedule();
  }

  /** Stops every check. */
  stopAll(): void {
    for (const check of this.checks) if (check.handle !== undefined) this.clock.clearTimeout(check.handle);
    this.checks.clear();
  }
}
