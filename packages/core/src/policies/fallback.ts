import { EventSource } from '../events/event.js';
import type { Event } from '../events/event.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { checkFunction, checkObject, show } from './validate.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';

/** What a fallback function receives: the error it stands in for, and the call's context. */
export interface FallbackContext {
  /** The error `fn` failed with (one `shouldHandle` accepted). */
  readonly error: unknown;
  /** The caller's signal (a signal that never aborts when the caller passed none). */
  readonly signal: AbortSignal;
  /** The attempt number the call was made with. */
  readonly attempt: number;
}

interface FallbackCommonOptions {
  /**
   * Which errors to replace with the fallback (default: every error). Whatever it says, an
   * error that arrives after the caller's own signal aborted is passed through: a caller that
   * gave up wants its abort, not a substitute answer. A predicate that throws rejects the call
   * with its error.
   */
  readonly shouldHandle?: (error: unknown) => boolean;
}

/** Options for {@link fallback}: exactly one of `value` and `fallback`, plus `shouldHandle`. */
export type FallbackOptions<R> = FallbackCommonOptions &
  (
    | {
        /** The value to answer with instead of a handled error. */
        readonly value: R;
        readonly fallback?: never;
      }
    | {
        /** Computes the answer instead of a handled error; may be async; may throw (the call then rejects with that). */
        readonly fallback: (context: FallbackContext) => R | PromiseLike<R>;
        readonly value?: never;
      }
  );

/** What {@link FallbackPolicy.onFallback} reports, just before the fallback answers. */
export interface FallbackEvent {
  /** The error being replaced. */
  readonly error: unknown;
  readonly attempt: number;
}

/** Monotonic counters since construction (`fallback.metrics()`). */
export interface FallbackMetrics {
  /** Errors replaced by the fallback. */
  readonly handled: number;
  /** Errors passed through: refused by `shouldHandle`, or arriving after the caller aborted. */
  readonly passedThrough: number;
}

// A signal for calls made without one: it never aborts.

/**
 * Answers with a fallback value when `fn` fails (see {@link fallback}). Put it outermost, so it
 * sees every error the policies below it leave or raise.
 */
export class FallbackPolicy<R> implements Policy {
  private readonly hasValue: boolean;
  private readonly value: R | undefined;
  private readonly compute: ((context: FallbackContext) => R | PromiseLike<R>) | undefined;
  private readonly shouldHandle: ((error: unknown) => boolean) | undefined;
  private readonly fallbacks = new EventSource<FallbackEvent>();
  /** A handled error is about to be replaced by the fallback. */
  readonly onFallback: Event<FallbackEvent> = this.fallbacks.event;
  private nHandled = 0;
  private nPassedThrough = 0;

  /** Use {@link fallback}, which validates the options. */
  constructor(options: FallbackOptions<R>) {
    const o = checkObject('fallback', 'options', options);
    const hasValue = 'value' in o;
    const hasFallback = o.fallback !== undefined;
    if (hasValue === hasFallback) {
      const got = hasValue ? `both (value ${show(o.value)} and fallback ${show(o.fallback)})` : 'neither';
      throw new TypeError(`fallback: options must have exactly one of value and fallback, got ${got}`);
    }
    this.hasValue = hasValue;
    this.value = o.value as R | undefined;
    this.compute = hasFallback ? checkFunction('fallback', 'fallback', o.fallback) : undefined;
    this.shouldHandle = o.shouldHandle === undefined ? undefined : checkFunction('fallback', 'shouldHandle', o.shouldHandle);
  }

  /**
   * Runs `fn`; if it throws or rejects with an error that `shouldHandle` accepts, answers with
   * the fallback instead. Called directly, the result is typed `T | R`. Through the `Policy`
   * interface (and so through `wrap`) it is typed as `fn`'s result `T`: give the fallback a
   * value of the type the composed call returns. A signal already aborted on entry rejects at
   * once with its reason, and `fn` is not called.
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T | R>;
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T>;
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T | R> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const attempt = options?.attempt ?? 1;
    const passed = signal ?? NEVER_ABORTED;
    let result: PromiseLike<T> | T;
    try {
      result = fn({ signal: passed, attempt });
    } catch (error) {
      return this.handle(error, passed, attempt);
    }
    return Promise.resolve(result).then(undefined, (error: unknown) => this.handle(error, passed, attempt));
  }

  /** Counters, for metrics exporters. */
  metrics(): FallbackMetrics {
    return { handled: this.nHandled, passedThrough: this.nPassedThrough };
  }

  /** For logs and `wrap(...).describe()`: `fallback(value)` or `fallback(function)`. */
  describe(): string {
    return `fallback(${this.hasValue ? 'value' : 'function'})`;
  }

  private async handle(error: unknown, signal: AbortSignal, attempt: number): Promise<R> {
    if (signal.aborted || (this.shouldHandle !== undefined && !this.shouldHandle(error))) {
      this.nPassedThrough++;
      throw error;
    }
    this.nHandled++;
    if (this.fallbacks.hasListeners) {
      try {
        this.fallbacks.emit({ error, attempt });
      } catch {
        // Listeners observe; one that throws must not change the answer.
      }
    }
    if (this.compute === undefined) return this.value as R;
    return this.compute(Object.freeze({ error, signal, attempt }));
  }
}

/**
 * A fallback: when `fn` fails with an error that `shouldHandle` accepts (default: any), answer
 * with `value`, or with what `fallback({ error, signal, attempt })` returns, instead. An error
 * that arrives after the caller's own signal aborted is never handled.
 *
 * @throws TypeError when not exactly one of `value` and `fallback` is given, or an option has
 *   the wrong type (the message names it)
 * @example
 * const cached = fallback({ fallback: ({ error }) => cache.get(key) ?? Promise.reject(error) });
 * const empty = fallback({ value: [] as Row[], shouldHandle: (e) => !(e instanceof ValidationError) });
 * const rows = await empty.execute(({ signal }) => fetchRows({ signal })); // Row[]
 */
export function fallback<R>(options: FallbackOptions<R>): FallbackPolicy<R> {
  return new FallbackPolicy(options);
}
