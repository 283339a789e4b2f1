import { TimeoutError } from '../errors/timeout-error.js';
import { EventSource } from '../events/event.js';
import type { Event } from '../events/event.js';
import { systemClock } from '../time/clock.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { checkObject, checkOneOf, checkPositive } from './validate.js';
import { callerSignal } from './never-aborted.js';

/**
 * What a timeout does at the deadline:
 * - `'cooperative'`: aborts `fn`'s signal and waits for `fn` to settle, then rejects with a
 *   {@link TimeoutError}. Nothing is left running behind the caller's back, but a `fn` that
 *   ignores its signal delays the rejection.
 * - `'aggressive'`: aborts `fn`'s signal and rejects at once; whatever `fn`
 *   does afterwards is ignored (its rejection is handled, so it is never unhandled).
 */
export type TimeoutStrategy = 'cooperative' | 'aggressive';

/** Options for {@link timeout}. */
export interface TimeoutOptions {
  /** The time limit for one call, in ms (a positive finite number; required). */
  readonly timeoutMs: number;
  /** What happens at the deadline (default `'cooperative'`). */
  readonly strategy?: TimeoutStrategy;
  /** The source of time and timers (default `systemClock`). */
  readonly clock?: Clock;
}

/** What {@link TimeoutPolicy.onTimeout} reports, at the deadline. */
export interface TimeoutEvent {
  readonly timeoutMs: number;
  /** The attempt number the call was made with. */
  readonly attempt: number;
  /** The error the call rejects (or will reject, once `fn` settles) with. */
  readonly error: TimeoutError;
}

/** Monotonic counters since construction (`timeout.metrics()`). */
export interface TimeoutMetrics {
  /** Calls started. */
  readonly calls: number;
  /** Calls whose deadline passed. */
  readonly timedOut: number;
  /** Calls whose caller's signal aborted before the deadline. */
  readonly callerAborted: number;
}

const RUNNING = 0;
const TIMED_OUT = 1; // cooperative, deadline passed, waiting for fn
const CALLER_ABORTED = 2; // cooperative, caller aborted, waiting for fn
const DONE = 3; // the caller's promise is settled
type CallState = typeof RUNNING | typeof TIMED_OUT | typeof CALLER_ABORTED | typeof DONE;

/**
 * One call under a timeout, and the context `fn` receives. Its `signal` is created only when
 * `fn` reads it (an `AbortController` costs more than the rest of the call): until then an abort
 * is only recorded, and a signal created afterwards starts aborted with the recorded reason. So
 * the cooperative semantics hold whenever `fn` reads its signal, before or after the deadline.
 * It is also its own listener on the caller's signal (`handleEvent`).
 */
class TimeoutCall implements ExecuteContext {
  state: CallState = RUNNING;
  timer: TimerHandle | undefined;
  /** Set at the deadline: what the call rejects with. */
  error: TimeoutError | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private isAborted = false;

  constructor(
    private readonly owner: TimeoutPolicy,
    readonly attempt: number,
    readonly callerSignal: AbortSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === undefined) {
      controller = this.controller = new AbortController();
      if (this.isAborted) controller.abort(this.abortReason);
    }
    return controller.signal;
  }

  /** Aborts `fn`'s signal (now if created, else when `fn` reads it). */
  abort(reason: unknown): void {
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  readonly onDeadline = (): void => {
    this.owner._deadline(this);
  };

  /** The caller's signal aborted (EventTarget calls this). */
  handleEvent(): void {
    this.owner._callerAborted(this);
  }
}

/**
 * Bounds how long a call may take (see {@link timeout}). It arms one timer per call, cleared
 * when the call settles: unlike the breaker's and the bulkhead's, its deadlines are not shared
 * by a queue the policy owns, and a per-call timer keeps "no timer pending after the call"
 * true, which a lazily re-armed shared timer would not.
 */
export class TimeoutPolicy implements Policy {
  /** The time limit, in ms. */
  readonly timeoutMs: number;
  /** What happens at the deadline. */
  readonly strategy: TimeoutStrategy;

  private readonly clock: Clock;
  private readonly timeouts = new EventSource<TimeoutEvent>();
  /** A call's deadline passed (emitted at the deadline, in both strategies). */
  readonly onTimeout: Event<TimeoutEvent> = this.timeouts.event;

  private nCalls = 0;
  private nTimedOut = 0;
  private nCallerAborted = 0;

  /** Use {@link timeout}, which validates the options. */
  constructor(options: TimeoutOptions) {
    const o = checkObject('timeout', 'options', options) as Partial<TimeoutOptions>;
    this.timeoutMs = checkPositive('timeout', 'timeoutMs', o.timeoutMs);
    this.strategy = o.strategy === undefined ? 'cooperative' : checkOneOf('timeout', 'strategy', o.strategy, ['cooperative', 'aggressive'] as const);
    this.clock = o.clock === undefined ? systemClock : (checkObject('timeout', 'clock', o.clock) as unknown as Clock);
  }

  /**
   * Runs `fn` with a signal that aborts at the deadline (reason: a `DOMException` named
   * `'TimeoutError'`, as `AbortSignal.timeout()` gives) or when the caller's signal aborts
   * (reason: the caller's). Past the deadline the call rejects with a {@link TimeoutError} whose
   * `cause` is that abort reason: at once (`'aggressive'`) or once `fn` settles
   * (`'cooperative'`), whatever `fn` returned. A caller's abort before the deadline rejects with
   * the caller's reason: at once when aggressive, once `fn` settles when cooperative (the
   * cooperative promise is never to return before `fn` has stopped). A signal already aborted on
   * entry rejects at once with its reason, and `fn` is not called.
   *
   * After the call settles, no listener remains on the caller's signal and no timer is armed.
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.nCalls++;
    return new Promise<T>((resolve, reject) => {
      const call = new TimeoutCall(this, options?.attempt ?? 1, signal, resolve as (value: unknown) => void, reject);
      call.timer = this.clock.setTimeout(call.onDeadline, this.timeoutMs);
      signal?.addEventListener('abort', call, { once: true });
      let result: PromiseLike<T> | T;
      try {
        result = fn(call);
      } catch (error) {
        this.settle(call, false, error);
        return;
      }
      Promise.resolve(result).then(
        (value) => this.settle(call, true, value),
        (error: unknown) => this.settle(call, false, error),
      );
    });
  }

  /** Monotonic counters, for metrics exporters. */
  metrics(): TimeoutMetrics {
    return { calls: this.nCalls, timedOut: this.nTimedOut, callerAborted: this.nCallerAborted };
  }

  /** For logs and `wrap(...).describe()`: `timeout(2000ms, cooperative)`. */
  describe(): string {
    return `timeout(${this.timeoutMs}ms, ${this.strategy})`;
  }

  /** @internal The deadline passed. */
  _deadline(call: TimeoutCall): void {
    call.timer = undefined;
    if (call.state !== RUNNING) return;
    call.callerSignal?.removeEventListener('abort', call);
    this.nTimedOut++;
    const reason = new DOMException(`The operation timed out after ${this.timeoutMs}ms`, 'TimeoutError');
    const error = new TimeoutError(this.timeoutMs, { cause: reason });
    if (this.strategy === 'aggressive') {
      call.state = DONE;
      call.reject(error);
    } else {
      call.state = TIMED_OUT;
      call.error = error;
    }
    call.abort(reason);
    if (this.timeouts.hasListeners) {
      try {
        this.timeouts.emit({ timeoutMs: this.timeoutMs, attempt: call.attempt, error });
      } catch {
        // A listener's error must not leave the call unsettled; listeners observe, they do not control.
      }
    }
  }

  /** @internal The caller's signal aborted before the deadline. */
  _callerAborted(call: TimeoutCall): void {
    if (call.state !== RUNNING) return;
    // `once` removed it already; removing it again is harmless and keeps add/remove paired.
    call.callerSignal?.removeEventListener('abort', call);
    this.clearTimer(call);
    this.nCallerAborted++;
    const reason: unknown = call.callerSignal?.reason;
    if (this.strategy === 'aggressive') {
      call.state = DONE;
      call.reject(reason);
    } else {
      call.state = CALLER_ABORTED;
    }
    call.abort(reason);
  }

  /** `fn` settled. */
  private settle(call: TimeoutCall, ok: boolean, value: unknown): void {
    switch (call.state) {
      case RUNNING:
        call.state = DONE;
        this.clearTimer(call);
        call.callerSignal?.removeEventListener('abort', call);
        if (ok) call.resolve(value);
        else call.reject(value);
        return;
      case TIMED_OUT:
        call.state = DONE;
        call.reject(call.error);
        return;
      case CALLER_ABORTED:
        call.state = DONE;
        call.reject(call.callerSignal?.reason);
        return;
      case DONE:
        // Aggressive: the caller has its answer already; fn's outcome is dropped on purpose.
        return;
    }
  }

  private clearTimer(call: TimeoutCall): void {
    if (call.timer !== undefined) {
      this.clock.clearTimeout(call.timer);
      call.timer = undefined;
    }
  }
}

/**
 * A timeout: `fn` gets a signal that aborts after `timeoutMs` (or when the caller's does), and
 * the call rejects with a {@link TimeoutError} (`code` `'ETIMEDOUT'`, `cause` = the abort
 * reason). See {@link TimeoutStrategy} for the two strategies.
 *
 * Costs: one timer per call (armed on entry, cleared when the call settles); an
 * `AbortController` only if `fn` reads `signal`; a listener on the caller's signal while the
 * call runs.
 *
 * @throws TypeError or RangeError when an option is invalid (the message names it)
 * @example
 * const attemptTimeout = timeout({ timeoutMs: 2_000 });
 * const body = await attemptTimeout.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
 */
export function timeout(options: TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(options);
}
