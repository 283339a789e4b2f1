import { TimeoutError } from '../../errors/timeout-error.js';
import type { Clock } from '../../time/clock.js';
import { systemClock } from '../../time/clock.js';

/**
 * A counting semaphore in opossum's shape (`breaker.semaphore`): `test()` takes a permit
 * synchronously if one is free, `take()` waits for one (FIFO), `release()` returns one.
 * The breaker itself only uses `test()` and `release()`, which allocate nothing.
 */
export class Semaphore {
  private permits: number;
  private waiters: Array<() => void> | undefined;
  private readonly clock: Clock;

  constructor(count: number, clock: Clock = systemClock) {
    this.permits = count;
    this.clock = clock;
  }

  /** Free permits right now. */
  get count(): number {
    return this.permits;
  }

  /** Takes a permit if one is free; true when it did. */
  test(): boolean {
    if (this.permits < 1) return false;
    this.permits--;
    return true;
  }

  /**
   * Waits for a permit and resolves with `release`. With `timeoutMs`, rejects with a
   * `TimeoutError` (code `ETIMEDOUT`) if none frees up in time.
   */
  take(timeoutMs?: number): Promise<() => void> {
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve(() => this.release());
    }
    return new Promise((resolve, reject) => {
      let timer: unknown;
      const waiter = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        this.permits--;
        resolve(() => this.release());
      };
      (this.waiters ??= []).push(waiter);
      if (timeoutMs) {
        timer = this.clock.setTimeout(() => {
          const i = this.waiters?.indexOf(waiter) ?? -1;
          if (i >= 0) this.waiters?.splice(i, 1);
          reject(new TimeoutError(timeoutMs));
        }, timeoutMs);
      }
    });
  }

  /** Returns a permit and wakes the longest waiter, if any. */
  release(): void {
    this.permits++;
    const next = this.waiters?.shift();
    if (next) next();
  }
}
