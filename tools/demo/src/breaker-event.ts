/** The breaker events the demo listens to (opossum's names). */
export type BreakerEventName =
  | 'fire'
  | 'success'
  | 'failure'
  | 'timeout'
  | 'reject'
  | 'fallback'
  | 'open'
  | 'halfOpen'
  | 'close';

/** One breaker event as the demo saw it. */
export interface BreakerEventRecord {
  /** Milliseconds since the start of the run, read from the run's clock. */
  readonly atMs: number;
  readonly event: BreakerEventName;
  /** The latency the breaker reported (`success`, `failure`, `timeout`). */
  readonly latencyMs?: number;
  /** A short description: the error's message for `failure`/`reject`/`timeout`. */
  readonly detail?: string;
  /** True for the call admitted while half-open (its `fire`, and its `success` or `failure`). */
  readonly trial?: boolean;
}

/** A change of the breaker's state, as its events announce it. */
export type Transition = 'open' | 'halfOpen' | 'close';
