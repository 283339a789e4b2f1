/** How a finished call counts toward opening the breaker. */
export type Outcome = 'success' | 'slow' | 'failure';

/**
 * A decision window other than opossum's time buckets (a Bulwark extension). The breaker still
 * keeps its time-bucketed `stats` for reporting; the window only decides when to open.
 */
export interface OutcomeWindow {
  record(outcome: Outcome): void;
  /** True when the recorded outcomes call for opening the breaker. */
  shouldOpen(): boolean;
  /** Forgets everything (on close, so a fresh period starts). */
  reset(): void;
}

/**
 * The last `size` call outcomes (success, slow success, failure) in a ring. Opens when at least
 * `minimumCalls` are recorded and the failure rate exceeds `failureRatePercent` or the slow rate
 * exceeds `slowRatePercent` (strict `>`, as opossum's threshold).
 */
export class CountWindow implements OutcomeWindow {
  private readonly ring: Uint8Array;
  private next = 0;
  private recorded = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    readonly size: number,
    private readonly minimumCalls: number,
    private readonly failureRatePercent: () => number,
    private readonly slowRatePercent: number | undefined,
  ) {
    this.ring = new Uint8Array(size);
  }

  record(outcome: Outcome): void {
    const code = outcome === 'success' ? 1 : outcome === 'slow' ? 2 : 3;
    if (this.recorded === this.size) {
      const old = this.ring[this.next];
      if (old === 2) this.slow--;
      else if (old === 3) this.failures--;
    } else {
      this.recorded++;
    }
    this.ring[this.next] = code;
    this.next = (this.next + 1) % this.size;
    if (code === 2) this.slow++;
    else if (code === 3) this.failures++;
  }

  shouldOpen(): boolean {
    if (this.recorded === 0 || this.recorded < this.minimumCalls) return false;
    if ((this.failures / this.recorded) * 100 > this.failureRatePercent()) return true;
    return this.slowRatePercent !== undefined && (this.slow / this.recorded) * 100 > this.slowRatePercent;
  }

  reset(): void {
    this.ring.fill(0);
    this.next = this.recorded = this.failures = this.slow = 0;
  }
}

/**
 * Opens after `threshold` failures in a row (slow successes count as failures when a slow-call
 * threshold is set); any success ends the streak.
 */
export class ConsecutiveWindow implements OutcomeWindow {
  private streak = 0;

  constructor(readonly threshold: number) {}

  record(outcome: Outcome): void {
    this.streak = outcome === 'success' ? 0 : this.streak + 1;
  }

  shouldOpen(): boolean {
    return this.streak >= this.threshold;
  }

  reset(): void {
    this.streak = 0;
  }
}
