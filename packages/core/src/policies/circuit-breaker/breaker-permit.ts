/**
 * @internal What a permit needs of its breaker. Implemented by `CircuitBreaker`; an interface so
 * this file does not import the class (no import cycle).
 */
export interface PermitOwner {
  /** @internal */ _permitSucceeded(permit: BreakerPermit): void;
  /** @internal */ _permitFailed(permit: BreakerPermit, error: unknown): void;
  /** @internal */ _permitReleased(permit: BreakerPermit): void;
}

/**
 * A call admitted by `CircuitBreaker.acquirePermit()`, whose outcome its holder reports: exactly
 * one of {@link succeed}, {@link fail} or {@link release} counts, the first one called; later
 * calls do nothing. A permit that is never settled holds its place (a `capacity` slot, a
 * half-open trial) for good, so settle it in a `finally` or on every path that ends the call.
 */
export class BreakerPermit {
  /** @internal */ settled = false;

  /** Use `CircuitBreaker.acquirePermit()`. */
  constructor(
    /** @internal */ readonly owner: PermitOwner,
    /** When the call was admitted, on the breaker's clock (ms). */
    readonly startedAt: number,
    /** @internal The half-open episode this call was admitted as a trial in, or 0. */
    readonly trialEpisode: number,
    /** @internal False when the breaker was disabled at admission: the outcome is not counted. */
    readonly counted: boolean,
  ) {}

  /** True once the permit has been settled, either way. */
  get done(): boolean {
    return this.settled;
  }

  /**
   * The call succeeded: counted as a success (or a slow call, by its duration), `'success'` is
   * emitted with `undefined` and the latency, and a half-open trial counts toward closing.
   */
  succeed(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner._permitSucceeded(this);
  }

  /**
   * The call failed with `error`: it goes through `errorFilter` (a filtered error counts as a
   * success, as in opossum), else counts as a failure, emits `'failure'` and may open the
   * breaker. No fallback runs: the holder decides what the caller gets.
   */
  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.owner._permitFailed(this, error);
  }

  /**
   * The call was given up before it had an outcome (its caller went away): it counts as neither
   * success nor failure, and a half-open trial gives its place back, as an aborted `execute()`.
   */
  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.owner._permitReleased(this);
  }
}
