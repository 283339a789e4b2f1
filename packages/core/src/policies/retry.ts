import { RetryExhaustedError, type RetryExhaustedReason } from '../errors/retry-exhausted-error.js';
import { EventSource, type Event } from '../events/event.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { systemRandom, type Random } from '../time/random.js';
import { exponentialBackoff, type Backoff } from './backoff/backoff.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import type { RetryBudget } from './retry-budget.js';
import { checkFunction, checkNonNegative, checkObject, checkPositiveInteger } from './validate.js';

/**
 * What `shouldRetry` sees after each attempt: the attempt number, the time since the call began,
 * and exactly one of `error` (the attempt threw or rejected) or `result` (it returned). Test
 * which with `'error' in context`. Frozen.
 */
export type RetryContext =
  | { readonly attempt: number; readonly elapsedMs: number; readonly error: unknown }
  | { readonly attempt: number; readonly elapsedMs: number; readonly result: unknown };

/** What `onRetry` sees: the failed attempt's context and the wait before the next attempt. */
export type RetryEvent = RetryContext & { readonly delayMs: number };

/** What `onGiveUp` sees: the last attempt's context and why no further attempt is made. */
export type GiveUpEvent = RetryContext & { readonly reason: RetryExhaustedReason };

/** What `onSuccess` sees: the attempt that succeeded, its result and the time since the call began. */
export interface RetrySuccessEvent {
  readonly attempt: number;
  readonly elapsedMs: number;
  readonly result: unknown;
}

/**
 * Live counters of a {@link RetryPolicy}, monotonic since construction (resilience4j's kinds, the
 * `kind` label of `resilience_retry_calls_total`). A call ended by the caller's signal counts in none.
 */
export interface RetryMetrics {
  /** Calls that succeeded on the first attempt. */
  readonly successfulWithoutRetry: number;
  /** Calls that succeeded after one or more retries. */
  readonly successfulWithRetry: number;
  /** Calls that failed on the first attempt without being retried (not retryable, or `maxAttempts` 1, or no budget). */
  readonly failedWithoutRetry: number;
  /** Calls that failed after one or more retries. */
  readonly failedWithRetry: number;
}

/** Options of {@link retry}. */
export interface RetryOptions {
  /**
   * Attempts in all, the first one included (default 3). `Infinity` is allowed only together
   * with `maxElapsedMs`, so that no call retries forever by accident.
   */
  readonly maxAttempts?: number;
  /**
   * The delay before each retry (default `exponentialBackoff()`: 100 ms, ×2, capped at 30 s,
   * full jitter). See `constantBackoff`, `linearBackoff`, `exponentialBackoff`.
   */
  readonly backoff?: Backoff;
  /**
   * Decides whether an attempt's outcome calls for a retry. It sees the error, or the result:
   * a result can be retried too (`'result' in c && c.result.status === 503`). Default: retry
   * every error, accept every result. An error it declines is rethrown as is (it is not
   * retryable, so retrying did not run out); a result it declines is the call's result.
   */
  readonly shouldRetry?: (context: RetryContext) => boolean;
  /** Called before each wait, with the delay chosen; a throw rejects the call with its error. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * The cap on any single wait in ms, applied after a failure's `retryAfterMs` has raised the
   * backoff's delay. Default: none beyond the backoff's own cap.
   */
  readonly maxDelayMs?: number;
  /**
   * A budget for the whole call in ms, measured from `execute()`: no retry is started whose
   * wait would end past it. It does not cut a running attempt short (use a timeout policy).
   */
  readonly maxElapsedMs?: number;
  /** A retry budget shared with other policies (see `retryBudget`). Default: none. */
  readonly budget?: RetryBudget;
  /** The source of time and timers (default the system clock). */
  readonly clock?: Clock;
  /** The source of jitter (default `Math.random`). */
  readonly random?: Random;
}

const retryAll = (context: RetryContext): boolean => 'error' in context;

/** A delay a failure asks for (`retryAfterMs` on our rejection errors and on HTTP adapters' errors), if any. */
function retryAfterOf(outcome: unknown): number | undefined {
  if (typeof outcome !== 'object' || outcome === null) return undefined;
  const value = (outcome as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && value >= 0 && value !== Infinity ? value : undefined;
}

/**
 * Runs a call again when it fails, waiting between attempts. Built by {@link retry}.
 *
 * Between attempts it waits `max(backoff delay, failure's retryAfterMs)`, capped by `maxDelayMs`,
 * with one `clock.setTimeout`; the caller's signal cancels the wait (and the whole call, even
 * during an attempt) at once, rejecting with the signal's reason. The success path arms no timer.
 */
export class RetryPolicy implements Policy {
  readonly maxAttempts: number;
  readonly maxDelayMs: number | undefined;
  readonly maxElapsedMs: number | undefined;
  private readonly backoff: Backoff;
  private readonly shouldRetry: (context: RetryContext) => boolean;
  private readonly retryCallback: ((event: RetryEvent) => void) | undefined;
  private readonly budget: RetryBudget | undefined;
  private readonly clock: Clock;
  private readonly random: Random;

  private readonly retried = new EventSource<RetryEvent>();
  private readonly gaveUp = new EventSource<GiveUpEvent>();
  private readonly succeeded = new EventSource<RetrySuccessEvent>();
  /** Fires before each wait, after `options.onRetry`. A listener that throws rejects the call. */
  readonly onRetry: Event<RetryEvent> = this.retried.event;
  /** Fires when the policy stops while the last outcome still called for a retry. A listener that throws rejects the call. */
  readonly onGiveUp: Event<GiveUpEvent> = this.gaveUp.event;
  /** Fires when a call ends with a result that `shouldRetry` accepted. A listener that throws rejects the call. */
  readonly onSuccess: Event<RetrySuccessEvent> = this.succeeded.event;

  private nSuccessWithout = 0;
  private nSuccessWith = 0;
  private nFailedWithout = 0;
  private nFailedWith = 0;

  /** Prefer {@link retry}, which documents the options and their defaults. */
  constructor(options: RetryOptions = {}) {
    const where = 'retry';
    checkObject(where, 'options', options);
    this.maxElapsedMs = options.maxElapsedMs === undefined ? undefined : checkNonNegative(where, 'maxElapsedMs', options.maxElapsedMs);
    this.maxAttempts = options.maxAttempts === undefined ? 3 : checkPositiveInteger(where, 'maxAttempts', options.maxAttempts, true);
    if (this.maxAttempts === Infinity && this.maxElapsedMs === undefined) {
      throw new RangeError('retry: options.maxAttempts may be Infinity only together with options.maxElapsedMs, got Infinity');
    }
    this.maxDelayMs = options.maxDelayMs === undefined ? undefined : checkNonNegative(where, 'maxDelayMs', options.maxDelayMs);
    if (options.backoff === undefined) {
      this.backoff = exponentialBackoff();
    } else {
      checkObject(where, 'backoff', options.backoff);
      checkFunction(where, 'backoff.delay', options.backoff.delay);
      this.backoff = options.backoff;
    }
    this.shouldRetry = options.shouldRetry === undefined ? retryAll : checkFunction(where, 'shouldRetry', options.shouldRetry);
    this.retryCallback = options.onRetry === undefined ? undefined : checkFunction(where, 'onRetry', options.onRetry);
    if (options.budget !== undefined) {
      const budget = checkObject(where, 'budget', options.budget);
      checkFunction(where, 'budget.deposit', budget.deposit);
      checkFunction(where, 'budget.tryWithdraw', budget.tryWithdraw);
    }
    this.budget = options.budget;
    this.clock = options.clock === undefined ? systemClock : (checkObject(where, 'clock', options.clock) as unknown as Clock);
    this.random = options.random === undefined ? systemRandom : checkFunction(where, 'random', options.random);
  }

  /**
   * Runs `fn`, again after each outcome that `shouldRetry` calls for, until it succeeds or the
   * policy gives up. `fn` receives `{ signal, attempt }` (attempt 1, 2, …; the signal is the
   * caller's, or one that never aborts).
   *
   * @returns the first accepted result; or, when the policy gives up on a *result* it would have
   *   retried (say a 503 `Response`), that last result, so the caller can read it
   * @throws the error of an attempt that `shouldRetry` declined, as is
   * @throws RetryExhaustedError when it gives up on an error it would have retried (`reason`
   *   `'attempts'`, `'elapsed'` or `'budget'`; `cause` is the last error, `errors` all of them)
   * @throws the signal's reason when the caller's signal aborts (an aborted signal never calls `fn`)
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.budget?.deposit();
    if (signal !== undefined) return new Promise<T>((resolve, reject) => new RetryRun<T>(this, fn, signal, resolve, reject, this.clock.now()).start());
    return this.executeUnsignalled(fn);
  }

  /**
   * `execute()` without a caller's signal, the common case: the first attempt runs here and,
   * when it returns a native promise and `shouldRetry` is the default, a success costs one `then`
   * (no run object, no outer promise). Anything else continues in a {@link RetryRun}, as if it
   * had started there. The one difference: a call whose first attempt fails settles two
   * microtask turns later than it would have (the `then` adopts the run's promise).
   */
  private executeUnsignalled<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T): Promise<T> {
    const startedAt = this.clock.now();
    let outcome: PromiseLike<T> | T;
    try {
      outcome = fn({ signal: NEVER_ABORTED, attempt: 1 });
    } catch (error) {
      return new Promise<T>((resolve, reject) => new RetryRun<T>(this, fn, undefined, resolve, reject, startedAt, 1).failed(error));
    }
    if (!(outcome instanceof Promise) || outcome.constructor !== Promise || !this._acceptsEveryResult) {
      // A plain value, a foreign thenable, a Promise subclass, or results to judge: the run
      // handles them exactly as it handles any attempt's outcome.
      return new Promise<T>((resolve, reject) => new RetryRun<T>(this, fn, undefined, resolve, reject, startedAt, 1).watch(outcome));
    }
    return (outcome as Promise<T>).then(
      (result) => {
        // What RetryRun.returned does for the default shouldRetry; a listener's throw rejects.
        this._accept(1, result, startedAt);
        return result;
      },
      (error: unknown) => new Promise<T>((resolve, reject) => new RetryRun<T>(this, fn, undefined, resolve, reject, startedAt, 1).failed(error)),
    );
  }

  /** Live counters since construction. */
  metrics(): RetryMetrics {
    return {
      successfulWithoutRetry: this.nSuccessWithout,
      successfulWithRetry: this.nSuccessWith,
      failedWithoutRetry: this.nFailedWithout,
      failedWithRetry: this.nFailedWith,
    };
  }

  /** For example `retry(maxAttempts=3, exponential full jitter)`. */
  describe(): string {
    const parts = [`maxAttempts=${this.maxAttempts}`, this.backoff.description ?? 'custom backoff'];
    if (this.maxDelayMs !== undefined) parts.push(`maxDelayMs=${this.maxDelayMs}`);
    if (this.maxElapsedMs !== undefined) parts.push(`maxElapsedMs=${this.maxElapsedMs}`);
    if (this.budget !== undefined) parts.push('budget');
    return `retry(${parts.join(', ')})`;
  }

  /** @internal The outcome of one attempt: the wait before the next one, or how the call ends. */
  _decide(context: RetryContext, start: number, previousDelay: number): Decision {
    if (!this.shouldRetry(context)) {
      if ('error' in context) {
        if (context.attempt === 1) this.nFailedWithout++;
        else this.nFailedWith++;
        return { kind: 'reject', error: context.error };
      }
      this._accept(context.attempt, context.result, start, context.elapsedMs);
      return { kind: 'resolve', result: context.result };
    }
    let reason: RetryExhaustedReason | undefined;
    let backoffDelay = 0;
    let delayMs = 0;
    if (context.attempt >= this.maxAttempts) {
      reason = 'attempts';
    } else {
      backoffDelay = this.backoff.delay(context.attempt, previousDelay, this.random);
      delayMs = Math.max(backoffDelay, retryAfterOf('error' in context ? context.error : context.result) ?? 0);
      if (this.maxDelayMs !== undefined) delayMs = Math.min(delayMs, this.maxDelayMs);
      if (!(delayMs >= 0)) delayMs = 0; // a custom backoff returned NaN or a negative number
      if (this.maxElapsedMs !== undefined && this.clock.now() - start + delayMs > this.maxElapsedMs) reason = 'elapsed';
      // The budget is asked last, so that a retry refused for another reason spends nothing.
      else if (this.budget !== undefined && !this.budget.tryWithdraw()) reason = 'budget';
    }
    if (reason !== undefined) {
      if (context.attempt === 1) this.nFailedWithout++;
      else this.nFailedWith++;
      if (this.gaveUp.hasListeners) this.gaveUp.emit(Object.freeze({ ...context, reason }));
      return { kind: 'giveUp', reason };
    }
    if (this.retryCallback !== undefined || this.retried.hasListeners) {
      const event: RetryEvent = Object.freeze({ ...context, delayMs });
      this.retryCallback?.(event);
      this.retried.emit(event);
    }
    return { kind: 'wait', delayMs, backoffDelay };
  }

  /**
   * @internal A call ends with a result `shouldRetry` accepted: count it and report it. Without
   * `elapsedMs`, the clock is read only if someone listens.
   */
  _accept(attempt: number, result: unknown, start: number, elapsedMs?: number): void {
    if (attempt === 1) this.nSuccessWithout++;
    else this.nSuccessWith++;
    if (this.succeeded.hasListeners) this.succeeded.emit(Object.freeze({ attempt, elapsedMs: elapsedMs ?? this.clock.now() - start, result }));
  }

  /** @internal True when `shouldRetry` is the default, which accepts every result without looking at it. */
  get _acceptsEveryResult(): boolean {
    return this.shouldRetry === retryAll;
  }

  /** @internal */
  get _clock(): Clock {
    return this.clock;
  }
}

/** @internal What {@link RetryPolicy._decide} tells a run to do next. */
type Decision =
  | { readonly kind: 'resolve'; readonly result: unknown }
  | { readonly kind: 'reject'; readonly error: unknown }
  | { readonly kind: 'giveUp'; readonly reason: RetryExhaustedReason }
  | { readonly kind: 'wait'; readonly delayMs: number; readonly backoffDelay: number };

/**
 * One `execute()` call. It is its own abort listener (`handleEvent`), added once for the whole
 * call and removed when the call settles, so no closure per attempt and no listener left behind.
 */
class RetryRun<T> {
  private attempt = 0;
  private settled = false;
  private timer: TimerHandle | undefined;
  private previousDelay = 0;
  // Allocated on the first failure: the success path needs none.
  private errors: unknown[] | undefined;
  // The timer's callback, made on the first wait.
  private wake: (() => void) | undefined;

  /**
   * @param startedAt when `execute()` was called (on the policy's clock)
   * @param attempt attempts already made (1 when `execute()` ran the first one itself)
   */
  constructor(
    private readonly policy: RetryPolicy,
    private readonly fn: (context: ExecuteContext) => PromiseLike<T> | T,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (value: T) => void,
    private readonly reject: (reason: unknown) => void,
    private readonly startedAt: number,
    attempt = 0,
  ) {
    this.attempt = attempt;
  }

  start(): void {
    this.signal?.addEventListener('abort', this);
    this.run();
  }

  /** The caller's signal aborted: stop waiting (or stop caring about the running attempt) now. */
  handleEvent(): void {
    if (this.settled) return;
    this.finish();
    this.reject((this.signal as AbortSignal).reason); // only ever added as a listener to this.signal
  }

  private run(): void {
    this.timer = undefined;
    const attempt = ++this.attempt;
    let outcome: PromiseLike<T> | T;
    try {
      outcome = this.fn({ signal: this.signal ?? NEVER_ABORTED, attempt });
    } catch (error) {
      this.failed(error);
      return;
    }
    this.watch(outcome);
  }

  /** Waits for the current attempt's outcome (a value or a thenable), then decides. */
  watch(outcome: PromiseLike<T> | T): void {
    if (typeof (outcome as PromiseLike<T> | undefined)?.then === 'function') {
      try {
        (outcome as PromiseLike<T>).then(this.returned, this.failed);
      } catch (error) {
        this.failed(error); // a thenable whose then() throws
      }
    } else {
      this.returned(outcome as T);
    }
  }

  private readonly returned = (result: T): void => {
    if (this.settled) return;
    const policy = this.policy;
    if (!policy._acceptsEveryResult) {
      this.next(Object.freeze({ attempt: this.attempt, elapsedMs: this.elapsed(), result }));
      return;
    }
    // The default shouldRetry accepts every result: the same outcome as next() would reach,
    // without its context, decision and clock read (the success path of nearly every call).
    try {
      policy._accept(this.attempt, result, this.startedAt);
    } catch (error) {
      // An onSuccess listener threw: that ends the call, as in next().
      this.finish();
      this.reject(error);
      return;
    }
    // A listener may have aborted the caller's signal, which already settled the call.
    if (this.settled) return;
    this.finish();
    this.resolve(result);
  };

  /** The current attempt threw or rejected. */
  readonly failed = (error: unknown): void => {
    if (this.settled) return;
    (this.errors ??= []).push(error);
    this.next(Object.freeze({ attempt: this.attempt, elapsedMs: this.elapsed(), error }));
  };

  private next(context: RetryContext): void {
    let decision: Decision;
    try {
      decision = this.policy._decide(context, this.startedAt, this.previousDelay);
    } catch (error) {
      // shouldRetry, onRetry or a listener threw: that ends the call.
      this.finish();
      this.reject(error);
      return;
    }
    // A callback may have aborted the caller's signal, which already settled the call.
    if (this.settled) return;
    switch (decision.kind) {
      case 'wait':
        this.previousDelay = decision.backoffDelay;
        this.timer = this.policy._clock.setTimeout((this.wake ??= () => this.run()), decision.delayMs);
        return;
      case 'resolve':
        this.finish();
        this.resolve(decision.result as T);
        return;
      case 'reject':
        this.finish();
        this.reject(decision.error);
        return;
      case 'giveUp':
        this.finish();
        if ('error' in context) this.reject(new RetryExhaustedError(this.attempt, Object.freeze(this.errors ?? []), decision.reason));
        else this.resolve(context.result as T);
        return;
    }
  }

  private elapsed(): number {
    return this.policy._clock.now() - this.startedAt;
  }

  private finish(): void {
    this.settled = true;
    if (this.timer !== undefined) {
      this.policy._clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.signal?.removeEventListener('abort', this);
  }
}

/**
 * Creates a retry policy: it runs a call again when it fails, after a backoff delay.
 *
 * Defaults are bounded: 3 attempts in all, exponential backoff from 100 ms (×2, capped at 30 s)
 * with full jitter, every error retried and every result accepted. A failure's `retryAfterMs`
 * (an open breaker's, a full bulkhead's, a rate limiter's, an HTTP `Retry-After`) raises the
 * next delay to at least that, still capped by `maxDelayMs`.
 *
 * @throws TypeError / RangeError naming the bad option
 * @example
 * const policy = retry({
 *   maxAttempts: 4,
 *   maxDelayMs: 5_000,
 *   shouldRetry: (c) => ('error' in c ? true : (c.result as Response).status === 503),
 * });
 * const response = await policy.execute(({ signal }) => fetch(url, { signal }));
 */
export function retry(options: RetryOptions = {}): RetryPolicy {
  return new RetryPolicy(options);
}
