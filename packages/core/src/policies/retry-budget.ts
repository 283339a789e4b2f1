import { systemClock, type Clock } from '../time/clock.js';
import { checkNonNegative, checkObject, checkPositive } from './validate.js';

/** Options of {@link retryBudget}. */
export interface RetryBudgetOptions {
  /** Retries allowed per original call over the window, ≥ 0 (default 0.2: one retry per five calls). */
  readonly ratio?: number;
  /** Retries allowed per second whatever the traffic, so quiet services can still retry (default 10). */
  readonly minRetriesPerSecond?: number;
  /** How far back deposits and withdrawals count, in ms (default 10 000). */
  readonly windowMs?: number;
  /** The source of time (default the system clock). */
  readonly clock?: Clock;
}

/** Live counters of a {@link RetryBudget}, monotonic since construction. */
export interface RetryBudgetMetrics {
  /** Original calls recorded. */
  readonly deposits: number;
  /** Retries granted. */
  readonly withdrawals: number;
  /** Retries refused because the budget was empty. */
  readonly rejected: number;
}

// The window is split into this many buckets that expire one at a time, like the breaker's
// rolling window: an old deposit stops counting within windowMs/BUCKETS of leaving the window.
const BUCKETS = 10;

/**
 * A retry budget shared by any number of retry policies (Finagle's `RetryBudget`, gRPC's retry
 * throttling, failsafe-go's `budget`): it caps retries relative to traffic, so that when a
 * dependency fails, retries add at most `ratio` more load instead of multiplying it (a retry
 * storm). Each original call deposits one token, each retry withdraws one; over the last
 * `windowMs` the balance is
 *
 *     minRetriesPerSecond · windowMs/1000 + ratio · deposits − withdrawals
 *
 * and a retry is granted only while it is ≥ 1. A retry policy whose budget refuses gives up at
 * once with a `RetryExhaustedError` whose `reason` is `'budget'`.
 *
 * No timer: buckets are rotated lazily from `clock.now()` when the budget is used.
 */
export class RetryBudget {
  readonly ratio: number;
  readonly minRetriesPerSecond: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly bucketMs: number;
  // Per bucket: which bucket number (floor(now / bucketMs)) it holds, and its sums.
  private readonly epochs = new Float64Array(BUCKETS).fill(-Infinity);
  private readonly deposited = new Float64Array(BUCKETS);
  private readonly withdrawn = new Float64Array(BUCKETS);
  private nDeposits = 0;
  private nWithdrawals = 0;
  private nRejected = 0;

  /** Prefer {@link retryBudget}, which documents the options and their defaults. */
  constructor(options: RetryBudgetOptions = {}) {
    const where = 'retryBudget';
    checkObject(where, 'options', options);
    this.ratio = options.ratio === undefined ? 0.2 : checkNonNegative(where, 'ratio', options.ratio);
    this.minRetriesPerSecond = options.minRetriesPerSecond === undefined ? 10 : checkNonNegative(where, 'minRetriesPerSecond', options.minRetriesPerSecond);
    this.windowMs = options.windowMs === undefined ? 10_000 : checkPositive(where, 'windowMs', options.windowMs);
    this.clock = options.clock ?? systemClock;
    this.bucketMs = this.windowMs / BUCKETS;
  }

  /** Records an original call (retry policies call this once per `execute`). */
  deposit(): void {
    this.deposited[this.bucket()]++;
    this.nDeposits++;
  }

  /** Takes one retry from the budget: true when granted, false (and counted) when empty. */
  tryWithdraw(): boolean {
    const slot = this.bucket();
    if (this.balance() < 1) {
      this.nRejected++;
      return false;
    }
    this.withdrawn[slot]++;
    this.nWithdrawals++;
    return true;
  }

  /** Retries that would be granted now (the balance, rounded down, never negative). */
  available(): number {
    this.bucket();
    return Math.max(0, Math.floor(this.balance()));
  }

  /** Live counters since construction. */
  metrics(): RetryBudgetMetrics {
    return { deposits: this.nDeposits, withdrawals: this.nWithdrawals, rejected: this.nRejected };
  }

  /** A short description, such as `retryBudget(ratio=0.2, minRetriesPerSecond=10, windowMs=10000)`. */
  describe(): string {
    return `retryBudget(ratio=${this.ratio}, minRetriesPerSecond=${this.minRetriesPerSecond}, windowMs=${this.windowMs})`;
  }

  /** The balance over the window; call after {@link bucket} so that expired buckets are cleared. */
  private balance(): number {
    let deposits = 0;
    let withdrawals = 0;
    for (let i = 0; i < BUCKETS; i++) {
      deposits += this.deposited[i];
      withdrawals += this.withdrawn[i];
    }
    return (this.minRetriesPerSecond * this.windowMs) / 1000 + this.ratio * deposits - withdrawals;
  }

  /** Clears buckets that fell out of the window and returns the current bucket's slot. */
  private bucket(): number {
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    for (let i = 0; i < BUCKETS; i++) {
      // A bucket counts while it is one of the last BUCKETS epochs. A clock that goes back in
      // time (epochs[i] > epoch) also clears it, so stale future buckets cannot linger.
      const held = this.epochs[i];
      if (held !== -Infinity && (held <= epoch - BUCKETS || held > epoch)) {
        this.epochs[i] = -Infinity;
        this.deposited[i] = 0;
        this.withdrawn[i] = 0;
      }
    }
    const slot = ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.deposited[slot] = 0;
      this.withdrawn[slot] = 0;
    }
    return slot;
  }
}

/**
 * Creates a {@link RetryBudget} to share between retry policies:
 * `retry({ budget })` deposits on every call and withdraws on every retry.
 *
 * @param options `ratio` (default 0.2), `minRetriesPerSecond` (default 10), `windowMs`
 *   (default 10 000), `clock` (default the system clock)
 * @throws TypeError / RangeError naming the bad option
 * @example
 * const budget = retryBudget({ ratio: 0.1 });
 * const users = retry({ maxAttempts: 3, budget });
 * const orders = retry({ maxAttempts: 5, budget }); // both draw from the same budget
 */
export function retryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  return new RetryBudget(options);
}
