import type { Event } from '../events/event.js';
import { EventSource } from '../events/event.js';
import type { Clock } from '../time/clock.js';
import { systemClock } from '../time/clock.js';
import type { Random } from '../time/random.js';
import { systemRandom } from '../time/random.js';
import { runUntilAborted } from './run-until-aborted.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { checkBetween, checkNonNegative, checkObject, show } from './validate.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';

const WHERE = 'chaos';

/** What the `fault` and `outcome` functions receive. */
export interface ChaosContext {
  /** The attempt number of the call. */
  readonly attempt: number;
}

/** What the `outcome` function receives: the call's context and its real result. */
export interface ChaosOutcomeContext extends ChaosContext {
  /** What `fn` resolved with, which the outcome replaces. */
  readonly result: unknown;
}

/**
 * Options for {@link chaos}. Each kind of chaos has a rate, the chance (0 to 1) that a call gets
 * it, drawn independently per call; a rate needs its strategy and a strategy needs its rate.
 */
export interface ChaosOptions {
  /** The chance that a call fails with `fault` instead of running. */
  readonly faultRate?: number;
  /** The error to throw (the same object each time), or a function returning a fresh one. */
  readonly fault?: Error | ((context: ChaosContext) => Error);
  /** The chance that a call is delayed by `latencyMs` before running. */
  readonly latencyRate?: number;
  /** The injected delay in milliseconds. */
  readonly latencyMs?: number;
  /** The chance that a call's result is replaced by `outcome`. */
  readonly outcomeRate?: number;
  /**
   * The result to return instead of the real one, or a function computing it from the real one
   * (so to inject a function as the result, return it from a function). Only a call that
   * succeeded has its result replaced: chaos adds trouble, it never hides a real failure.
   */
  readonly outcome?: unknown;
  /** Whether chaos is injected from the start (default true); see `enable()`/`disable()`. */
  readonly enabled?: boolean;
  /** The random source the rates are drawn from (default `Math.random`); seed it to replay. */
  readonly random?: Random;
  /** The source of timers for `latencyMs` (default `systemClock`). */
  readonly clock?: Clock;
}

/** Live, monotonic counters since construction (`policy.metrics()`). */
export interface ChaosMetrics {
  /** Calls failed with the injected fault. */
  readonly faults: number;
  /** Calls delayed by the injected latency (counted when the delay starts). */
  readonly delays: number;
  /** Calls whose result was replaced. */
  readonly outcomes: number;
}

/** The payload of {@link ChaosPolicy.onFault}. */
export interface ChaosFaultEvent extends ChaosContext {
  readonly error: Error;
}

/** The payload of {@link ChaosPolicy.onLatency}. */
export interface ChaosLatencyEvent extends ChaosContext {
  readonly delayMs: number;
}

/** The payload of {@link ChaosPolicy.onOutcome}. */
export interface ChaosOutcomeEvent extends ChaosContext {
  /** The real result, which was replaced. */
  readonly result: unknown;
  /** What the call returned instead. */
  readonly outcome: unknown;
}



/**
 * A chaos policy (see {@link chaos}). Per call, in this order: **latency** (wait `latencyMs`) →
 * **fault** (throw instead of calling) → **the call** → **outcome** (replace its result). The
 * three draws are made up front, in that order, for the strategies configured, so a seeded
 * `random` replays the same decisions whatever the calls' timing.
 */
export class ChaosPolicy implements Policy {
  private readonly faultSource = new EventSource<ChaosFaultEvent>();
  private readonly latencySource = new EventSource<ChaosLatencyEvent>();
  private readonly outcomeSource = new EventSource<ChaosOutcomeEvent>();
  /** Emitted when a fault is injected, before the call rejects with it. */
  readonly onFault: Event<ChaosFaultEvent> = this.faultSource.event;
  /** Emitted when a delay starts. */
  readonly onLatency: Event<ChaosLatencyEvent> = this.latencySource.event;
  /** Emitted when a result is replaced, before the call resolves with the replacement. */
  readonly onOutcome: Event<ChaosOutcomeEvent> = this.outcomeSource.event;

  private isEnabled: boolean;
  private nFaults = 0;
  private nDelays = 0;
  private nOutcomes = 0;

  /** @internal Use {@link chaos}, which validates the options. */
  constructor(
    private readonly options: ChaosOptions,
    private readonly faultRate: number,
    private readonly latencyRate: number,
    private readonly outcomeRate: number,
    private readonly random: Random,
    private readonly clock: Clock,
  ) {
    this.isEnabled = options.enabled ?? true;
  }

  /** Whether chaos is being injected now. */
  get enabled(): boolean {
    return this.isEnabled;
  }

  /** Starts injecting chaos (for calls that start from now on). */
  enable(): void {
    this.isEnabled = true;
  }

  /** Stops injecting chaos: calls that start from now on pass straight through. */
  disable(): void {
    this.isEnabled = false;
  }

  /**
   * Runs `fn` with chaos injected (see the class). Disabled, it only calls `fn`. The caller's
   * abort during an injected delay cancels the delay and rejects with the signal's reason
   * (`fn` never runs); during the call, it rejects at once with the signal's reason.
   *
   * @throws (rejects with) the injected `fault`, or whatever `fn` throws
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const context: ExecuteContext = { signal: signal ?? NEVER_ABORTED, attempt: options?.attempt ?? 1 };
    if (!this.isEnabled) return runUntilAborted(fn, context, signal);
    const o = this.options;
    const random = this.random;
    const delay = o.latencyMs !== undefined && random() < this.latencyRate;
    const fault = o.fault !== undefined && random() < this.faultRate;
    const replace = 'outcome' in o && random() < this.outcomeRate;
    const proceed = (): Promise<T> => {
      if (fault) return this.injectFault(context.attempt);
      const result = runUntilAborted(fn, context, signal);
      return replace ? result.then((value) => this.replace(value, context.attempt)) : result;
    };
    if (!delay) return proceed();
    this.nDelays++;
    const delayMs = o.latencyMs as number;
    try {
      if (this.latencySource.hasListeners) this.latencySource.emit({ attempt: context.attempt, delayMs });
    } catch (error) {
      return Promise.reject(error);
    }
    return this.sleep(delayMs, signal).then(proceed);
  }

  /** Live, monotonic counters since construction. */
  metrics(): ChaosMetrics {
    return { faults: this.nFaults, delays: this.nDelays, outcomes: this.nOutcomes };
  }

  /** For example `chaos(fault=0.1, latency=0.2×500ms, outcome=0.05)`, with `disabled` when it is. */
  describe(): string {
    const o = this.options;
    const parts: string[] = [];
    if (o.fault !== undefined) parts.push(`fault=${this.faultRate}`);
    if (o.latencyMs !== undefined) parts.push(`latency=${this.latencyRate}×${o.latencyMs}ms`);
    if ('outcome' in o) parts.push(`outcome=${this.outcomeRate}`);
    if (!this.isEnabled) parts.push('disabled');
    return `chaos(${parts.join(', ')})`;
  }

  private injectFault<T>(attempt: number): Promise<T> {
    const fault = this.options.fault as Error | ((context: ChaosContext) => Error);
    try {
      const error = typeof fault === 'function' ? fault({ attempt }) : fault;
      this.nFaults++;
      if (this.faultSource.hasListeners) this.faultSource.emit({ attempt, error });
      return Promise.reject(error);
    } catch (thrown) {
      // The fault factory or a listener threw: a bug in the caller's code, surfaced on this call.
      return Promise.reject(thrown);
    }
  }

  private replace<T>(result: T, attempt: number): T {
    const outcome = this.options.outcome;
    const value = typeof outcome === 'function' ? (outcome as (context: ChaosOutcomeContext) => unknown)({ attempt, result }) : outcome;
    this.nOutcomes++;
    if (this.outcomeSource.hasListeners) this.outcomeSource.emit({ attempt, result, outcome: value });
    return value as T;
  }

  /** Waits `delayMs` on the clock; the caller's abort clears the timer and rejects at once. */
  private sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const clock = this.clock;
      const onAbort = (): void => {
        clock.clearTimeout(handle);
        reject((signal as AbortSignal).reason);
      };
      const handle = clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, delayMs);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * Creates a chaos policy for tests and demos, after Polly's Simmy strategies: it injects faults,
 * latency and replaced results at given rates, so that the policies around it (retries,
 * breakers, timeouts, fallbacks) can be seen to work. Order per call: latency → fault → call →
 * outcome. Pass a seeded `random` (`seededRandom` from `@bulwark/core/testing`) to replay a run,
 * and a `ManualClock` to drive the latency.
 *
 * @throws TypeError when an option has the wrong type, a rate is given without its strategy or
 *   a strategy without its rate, or no strategy is given; RangeError when a rate is outside 0..1
 *   or `latencyMs` is negative
 * @example
 * const monkey = chaos({ faultRate: 0.1, fault: () => new Error('injected'), latencyRate: 0.2, latencyMs: 500, random: seededRandom(7) });
 * const flaky = wrap(retry({ maxAttempts: 3 }), monkey);
 * if (!process.env.CHAOS) monkey.disable();
 * await flaky.execute(() => fetchUser(42));
 */
export function chaos(options: ChaosOptions): ChaosPolicy {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${WHERE}: options must be an object, got ${show(options)}`);
  }
  const hasOutcome = 'outcome' in options;
  const pairs: Array<[rate: 'faultRate' | 'latencyRate' | 'outcomeRate', strategy: 'fault' | 'latencyMs' | 'outcome', present: boolean]> = [
    ['faultRate', 'fault', options.fault !== undefined],
    ['latencyRate', 'latencyMs', options.latencyMs !== undefined],
    ['outcomeRate', 'outcome', hasOutcome],
  ];
  const rates: number[] = [];
  for (const [rate, strategy, present] of pairs) {
    const value = options[rate];
    if (present && value === undefined) throw new TypeError(`${WHERE}: options.${rate} is required with options.${strategy}`);
    if (!present && value !== undefined) throw new TypeError(`${WHERE}: options.${strategy} is required with options.${rate}`);
    rates.push(value === undefined ? 0 : checkBetween(WHERE, rate, value, 0, 1));
  }
  if (!pairs.some(([, , present]) => present)) {
    throw new TypeError(`${WHERE}: pass at least one of options.fault, options.latencyMs and options.outcome`);
  }
  const fault: unknown = options.fault;
  if (fault !== undefined && !(fault instanceof Error) && typeof fault !== 'function') {
    throw new TypeError(`${WHERE}: options.fault must be an Error or a function returning one, got ${show(fault)}`);
  }
  if (options.latencyMs !== undefined) checkNonNegative(WHERE, 'latencyMs', options.latencyMs);
  if (options.enabled !== undefined && typeof options.enabled !== 'boolean') {
    throw new TypeError(`${WHERE}: options.enabled must be a boolean, got ${show(options.enabled)}`);
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new TypeError(`${WHERE}: options.random must be a function, got ${show(options.random)}`);
  }
  let clock = systemClock;
  if (options.clock !== undefined) {
    const c = checkObject(WHERE, 'clock', options.clock);
    if (typeof c['setTimeout'] !== 'function' || typeof c['clearTimeout'] !== 'function') {
      throw new TypeError(`${WHERE}: options.clock must have setTimeout() and clearTimeout()`);
    }
    clock = options.clock;
  }
  // A copy: later changes to the caller's object do not change the policy.
  return new ChaosPolicy({ ...options }, rates[0], rates[1], rates[2], options.random ?? systemRandom, clock);
}
