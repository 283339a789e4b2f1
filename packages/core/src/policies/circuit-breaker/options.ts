import type { EventEmitter } from 'node:events';
import type { Clock } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import type { CacheTransport } from './memory-cache.js';
import type { Bucket, Stats, Status } from './status.js';

/**
 * A function type whose parameters are checked bivariantly (method style), so that a breaker of
 * `[number]` stays assignable to a `CircuitBreaker` of `unknown[]`, as with @types/opossum.
 */
export type Bivariant<A extends unknown[], R> = { fn(...args: A): R }['fn'];

/** Any opossum-shaped status, such as a value typed `CircuitBreaker.Status` by @types/opossum. */
export interface StatusLike extends EventEmitter {
  readonly stats: Partial<Stats>;
  readonly window: ReadonlyArray<Partial<Bucket>>;
}

/** What `toJSON().state` holds, and what the `state` option restores. */
export interface CircuitBreakerState {
  name: string;
  enabled: boolean;
  closed: boolean;
  open: boolean;
  halfOpen: boolean;
  warmUp: boolean;
  shutdown: boolean;
  /**
   * When the breaker last opened (ms since the epoch; opossum reports its construction time
   * here instead, see the package README), or `undefined` if it never did.
   */
  lastTimerAt: number | undefined;
}

/** The output of `breaker.toJSON()`, which `initialState` accepts back. */
export interface CircuitBreakerJSON {
  state: CircuitBreakerState;
  status: Stats;
}

/** Which calls decide when the breaker opens (a Bulwark extension; default `{ kind: 'time' }`). */
export type SlidingWindow =
  /** opossum's: the rolling time window (`rollingCountTimeout`, `rollingCountBuckets`). */
  | { kind: 'time' }
  /** The last `size` calls, whatever their age. */
  | { kind: 'count'; size: number }
  /** `failures` failures in a row. */
  | { kind: 'consecutive'; failures: number };

/** Longer and jittered waits while a dependency stays down (a Bulwark extension). */
export interface OpenBackoff {
  /** Each failed half-open trial multiplies the wait by this (default 2; at least 1). */
  multiplier?: number;
  /** The longest wait in ms (required). */
  maxResetTimeout: number;
  /**
   * `'full'`: a uniform wait in `[0, wait)`; `'equal'`: in `[wait/2, wait)`; `'none'` (default):
   * exactly `wait`. Jitter spreads the trials of many instances that opened together.
   */
  jitter?: 'none' | 'full' | 'equal';
}

/**
 * Options of `new CircuitBreaker(action, options)`: every opossum 10 option with the same
 * default, plus Bulwark's extensions (marked). The object you pass is the one the breaker keeps
 * as `breaker.options`, with the defaults written into it, as opossum does.
 */
export interface CircuitBreakerOptions<TI extends unknown[] = unknown[]> {
  /** ms before a call fails with `ETIMEDOUT` (default 10,000); `false` or 0: no time limit. */
  timeout?: number | false | undefined;
  /** ms from opening until a trial call is let through (default 30,000). */
  resetTimeout?: number | undefined;
  /** Opens when the failure percentage in the window exceeds this, strictly (default 50). */
  errorThresholdPercentage?: number | undefined;
  /** Length of the statistics window in ms (default 10,000); also the warm-up length. */
  rollingCountTimeout?: number | undefined;
  /** Buckets in the window (default 10). */
  rollingCountBuckets?: number | undefined;
  /** Default: the action's name, else a random v4-shaped id. */
  name?: string | undefined;
  /** For reporting; default: `name`. */
  group?: string | undefined;
  /** Keep latency percentiles (default true). */
  rollingPercentilesEnabled?: boolean | undefined;
  /** Most calls in flight; more fail with `ESEMLOCKED` (default unlimited). */
  capacity?: number | undefined;
  /** false: start disabled (calls pass straight through). */
  enabled?: boolean | undefined;
  /** Never open during the first `rollingCountTimeout` ms. */
  allowWarmUp?: boolean | undefined;
  /** The window needs this many calls before the breaker can open (default 0). */
  volumeThreshold?: number | undefined;
  /** Return true for errors that should count as successes (the call still rejects). */
  errorFilter?: Bivariant<[err: any, ...args: TI], boolean> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Cache the first successful result per `cacheGetKey`. */
  cache?: boolean | undefined;
  /** Cache lifetime in ms (default 0: forever). */
  cacheTTL?: number | undefined;
  /** Cache key of a call (default `JSON.stringify(args)`). */
  cacheGetKey?: Bivariant<TI, string> | undefined;
  /** Where the cache lives (default an in-memory `MemoryCache`). */
  cacheTransport?: CacheTransport | undefined;
  /** Most entries of the default cache. */
  cacheSize?: number | undefined;
  /** Share one in-flight call among concurrent calls with the same key. */
  coalesce?: boolean | undefined;
  /** How long a coalesced call is shared, in ms (default: `timeout`). */
  coalesceTTL?: number | false | undefined;
  /** Most entries of the coalescing cache. */
  coalesceSize?: number | undefined;
  /** Outcomes that end the sharing of a coalesced call at once. */
  coalesceResetOn?: Array<'error' | 'success' | 'timeout'> | undefined;
  /** Aborted after every timeout (one controller for the whole breaker, as in opossum). */
  abortController?: AbortController | undefined;
  /** Replace an aborted `abortController` when the breaker half-opens or closes. */
  autoRenewAbortController?: boolean | undefined;
  /** Emit `'snapshot'` on `status` every bucket interval while listened to (default true). */
  enableSnapshots?: boolean | undefined;
  /** Rotate buckets on this emitter's `'rotate'` events instead of by time. */
  rotateBucketController?: EventEmitter | undefined;
  /** A `Status` to use, or stats to start the window with. */
  status?: Status | StatusLike | Partial<Stats> | undefined;
  /** A state to restore, in opossum's semantics (see also `initialState`). */
  state?: Partial<Omit<CircuitBreakerState, 'lastTimerAt'>> & { lastTimerAt?: number | undefined };
  /** @deprecated opossum logs a deprecation and ignores it; so does Bulwark. */
  maxFailures?: number | undefined;

  // ---- Bulwark extensions ----
  /** Source of time and timers (default: the system clock). Tests pass a `ManualClock`. */
  clock?: Clock | undefined;
  /** Source of randomness for jitter and generated names (default `Math.random`). */
  random?: Random | undefined;
  /** Trial calls let through in half-open; all must succeed to close (default 1, as opossum). */
  halfOpenMaxCalls?: number | undefined;
  /** Which calls decide when to open (default: opossum's time window). */
  slidingWindow?: SlidingWindow | undefined;
  /** A success slower than this many ms counts as a slow call. */
  slowCallDurationMs?: number | undefined;
  /** Open when the percentage of slow calls exceeds this (default 100: never, unless set). */
  slowCallThresholdPercentage?: number | undefined;
  /** Grow (and jitter) the wait while open after failed trials. */
  openBackoff?: OpenBackoff | undefined;
  /**
   * A `toJSON()` output to restore, state and counts. Unlike opossum's `state`, an open breaker
   * half-opens after the time that was left, not after a fresh full `resetTimeout`.
   */
  initialState?: CircuitBreakerJSON | undefined;
}

type Extensions = Pick<
  CircuitBreakerOptions,
  'halfOpenMaxCalls' | 'slidingWindow' | 'slowCallDurationMs' | 'slowCallThresholdPercentage' | 'openBackoff' | 'clock' | 'random'
>;

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
};

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`CircuitBreaker: options.${name} must be a positive integer, got ${show(value)}`);
  }
}

function nonNegative(name: string, value: unknown): void {
  if (typeof value !== 'number' || !(value >= 0) || value === Infinity) {
    throw new RangeError(`CircuitBreaker: options.${name} must be a non-negative finite number, got ${show(value)}`);
  }
}

/**
 * Checks Bulwark's own options (opossum's are taken as opossum takes them, for compatibility).
 * Throws a `TypeError` or `RangeError` that names the option and the value received.
 */
export function validateExtensions(options: Extensions): void {
  if (options.halfOpenMaxCalls !== undefined) positiveInteger('halfOpenMaxCalls', options.halfOpenMaxCalls);
  if (options.slowCallDurationMs !== undefined) nonNegative('slowCallDurationMs', options.slowCallDurationMs);
  if (options.slowCallThresholdPercentage !== undefined) {
    const p = options.slowCallThresholdPercentage;
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
      throw new RangeError(`CircuitBreaker: options.slowCallThresholdPercentage must be a number from 0 to 100, got ${show(p)}`);
    }
  }
  const window = options.slidingWindow;
  if (window !== undefined) {
    if (typeof window !== 'object' || window === null) {
      throw new TypeError(`CircuitBreaker: options.slidingWindow must be an object with a kind, got ${show(window)}`);
    }
    if (window.kind === 'count') positiveInteger('slidingWindow.size', window.size);
    else if (window.kind === 'consecutive') positiveInteger('slidingWindow.failures', window.failures);
    else if (window.kind !== 'time') {
      throw new RangeError(
        `CircuitBreaker: options.slidingWindow.kind must be 'time', 'count' or 'consecutive', got ${show((window as { kind: unknown }).kind)}`,
      );
    }
  }
  const backoff = options.openBackoff;
  if (backoff !== undefined) {
    if (typeof backoff !== 'object' || backoff === null) {
      throw new TypeError(`CircuitBreaker: options.openBackoff must be an object, got ${show(backoff)}`);
    }
    nonNegative('openBackoff.maxResetTimeout', backoff.maxResetTimeout);
    if (backoff.multiplier !== undefined && (typeof backoff.multiplier !== 'number' || !(backoff.multiplier >= 1) || backoff.multiplier === Infinity)) {
      throw new RangeError(`CircuitBreaker: options.openBackoff.multiplier must be a finite number >= 1, got ${show(backoff.multiplier)}`);
    }
    if (backoff.jitter !== undefined && backoff.jitter !== 'none' && backoff.jitter !== 'full' && backoff.jitter !== 'equal') {
      throw new RangeError(`CircuitBreaker: options.openBackoff.jitter must be 'none', 'full' or 'equal', got ${show(backoff.jitter)}`);
    }
  }
  const clock = options.clock;
  if (clock !== undefined && (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function' || typeof clock.clearTimeout !== 'function')) {
    throw new TypeError('CircuitBreaker: options.clock must have now(), setTimeout() and clearTimeout() methods');
  }
  if (options.random !== undefined && typeof options.random !== 'function') {
    throw new TypeError(`CircuitBreaker: options.random must be a function returning numbers in [0, 1), got ${show(options.random)}`);
  }
}
