import { LazyEventEmitter, hasListeners } from '../../events/lazy-event-emitter.js';
import { withoutStack } from '../../errors/bulwark-error.js';
import { CircuitOpenError } from '../../errors/circuit-open-error.js';
import { CircuitShutdownError } from '../../errors/circuit-shutdown-error.js';
import { OPOSSUM_BRAND } from '../../errors/opossum-brand.js';
import { SemaphoreLockedError } from '../../errors/semaphore-locked-error.js';
import { TimeoutError } from '../../errors/timeout-error.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import { systemClock } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { systemRandom } from '../../time/random.js';
import { callerSignal } from '../never-aborted.js';
import type { ExecuteContext, ExecuteOptions, Policy } from '../policy.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { CircuitBreakerEventMap, CircuitBreakerEventName } from './events.js';
import { HealthChecks } from './health-checks.js';
import type { Bivariant, CircuitBreakerJSON, CircuitBreakerOptions, CircuitBreakerState, OpenBackoff } from './options.js';
import { validateExtensions } from './options.js';
import { NEVER_FILTERED, applyOpossumDefaults } from './resolve-options.js';
import type { ResolvedCircuitBreakerOptions } from './resolve-options.js';
import type { OutcomeWindow } from './outcome-window.js';
import { ConsecutiveWindow, CountWindow } from './outcome-window.js';
import { CallAbort } from './abortable-call.js';
import { BreakerPermit } from './breaker-permit.js';
import type { PermitOwner } from './breaker-permit.js';
import type { AbortSource, AbortableCall } from './abortable-call.js';
import type { CallOwner } from './pending-call.js';
import { BreakerContext, PendingCall } from './pending-call.js';
import { Semaphore } from './semaphore.js';
import type * as cacheTypes from './memory-cache.js';
import type * as optionTypes from './options.js';
import type * as statusTypes from './status.js';
import type { Stats, StatusOptions } from './status.js';
import { Status } from './status.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const SHUTDOWN = 3;
type StateCode = typeof CLOSED | typeof OPEN | typeof HALF_OPEN | typeof SHUTDOWN;

/** The breaker's state as a word (`breaker.state`). */
export type CircuitState = 'closed' | 'open' | 'halfOpen' | 'isolated' | 'shutdown';

/** Live, monotonic counters since construction (`breaker.metrics()`), for metrics exporters. */
export interface CircuitBreakerMetrics {
  readonly state: CircuitState;
  readonly enabled: boolean;
  readonly fires: number;
  readonly successes: number;
  readonly failures: number;
  readonly rejects: number;
  readonly timeouts: number;
  readonly fallbacks: number;
  readonly semaphoreRejections: number;
  readonly slowCalls: number;
  /** Failure percentage over the current window (0 when it is empty). */
  readonly failureRate: number;
  /** Calls in flight. */
  readonly inFlight: number;
}

/** A disposable returned by {@link CircuitBreaker.isolate}. */
export interface Isolation {
  /** Ends this isolation; the breaker closes when the last one ends. Idempotent. */
  dispose(): void;
}

// Bivariant: `CircuitBreaker<[number], X>` must stay assignable to `CircuitBreaker` (`unknown[]`).
type Action<TI extends unknown[], TR> = Bivariant<TI, TR | PromiseLike<TR>>;
type AnyFunction = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

function nullResultError(result: null | undefined): TypeError {
  // The TypeError V8 raises for `result.then`, which is what opossum reports in this case.
  return new TypeError(`Cannot read properties of ${String(result)} (reading 'then')`);
}

/**
 * A circuit breaker that is a drop-in replacement for opossum 10's `CircuitBreaker`: the same
 * constructor, options and defaults, methods, properties, events (same arguments, same order),
 * error codes and messages, `stats`/`status`/`toJSON()` shapes, caching and coalescing. It is
 * also a Bulwark {@link Policy}, so `breaker.execute(fn, { signal })` composes with the others.
 *
 * What differs is the cost: no timer per call (one shared deadline per breaker), counters updated
 * directly and events emitted only when someone listens, buckets that rotate lazily by time (no
 * intervals: an idle breaker costs nothing), O(1) threshold checks and percentiles from a bounded
 * histogram computed only when asked. Known differences from opossum are listed in the README.
 *
 * @example
 * const breaker = new CircuitBreaker(fetchUser, { timeout: 3000, errorThresholdPercentage: 50 });
 * breaker.fallback(() => ({ name: 'unknown' }));
 * breaker.on('open', () => log.warn('user service is failing'));
 * const user = await breaker.fire(42);
 */
// The class merges with the interface at the end of this file, which only adds typed `on`/`once`
// overloads (no members that the class would have to initialise).
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class CircuitBreaker<TI extends unknown[] = unknown[], TR = unknown> extends LazyEventEmitter implements Policy, CallOwner, PermitOwner {
  /** True for the errors a breaker raises itself (open, timeout, semaphore locked, shutdown). */
  static isOurError(error: Error): boolean {
    // Like opossum, this throws a TypeError for null or undefined.
    return !!(error as unknown as Record<symbol, unknown>)[OPOSSUM_BRAND];
  }

  /** A new statistics window (opossum's `CircuitBreaker.newStatus`). */
  static newStatus(options: StatusOptions): Status {
    return new Status(options);
  }

  /** The options object passed in, with the defaults written into it (as opossum does). */
  readonly options: ResolvedCircuitBreakerOptions<TI>;
  /** The function the breaker protects. */
  readonly action: Action<TI, TR>;
  /** The semaphore enforcing `capacity`. */
  readonly semaphore: Semaphore;

  private readonly _status: Status;
  private readonly _clock: Clock;
  private readonly _random: Random;
  private _state: StateCode = CLOSED;
  private _enabled: boolean;
  private _trialsLeft = 0;
  private _halfOpenSuccesses = 0;
  private _episode = 0;
  private readonly _halfOpenMax: number;
  private _warmUpUntil: number | undefined;
  private readonly _volumeThreshold: number;
  private readonly _name: string;
  private readonly _group: string;
  private _fallbackFn: AnyFunction | undefined;
  private _resetTimer: TimerHandle | undefined;
  private _resetDueAt: number | undefined;
  private _lastTimerAt: number | undefined;
  private _reopenCount = 0;
  private readonly _backoff: OpenBackoff | undefined;
  private _isolations = 0;
  private readonly _window: OutcomeWindow | undefined;
  private readonly _slowMs: number | undefined;
  private readonly _slowPercent: number | undefined;
  private _deadlines: DeadlineQueue | undefined;
  private _healthChecks: HealthChecks | undefined;
  // Monotonic counters for metrics().
  private _nFires = 0;
  private _nSuccesses = 0;
  private _nFailures = 0;
  private _nRejects = 0;
  private _nTimeouts = 0;
  private _nFallbacks = 0;
  private _nSemaphore = 0;
  private _nSlow = 0;
  private _inFlight = 0;
  // Hot options, read once: `breaker.options` is the caller's object, whose shape differs from one
  // breaker to the next, so reading it on every call is a megamorphic load.
  private readonly _timeout: number;
  private readonly _keyed: boolean;

  /**
   * @param action the function to protect (a non-function value becomes `() => Promise.resolve(value)`)
   * @param options opossum's options plus Bulwark's extensions; see {@link CircuitBreakerOptions}
   * @throws TypeError when `action` is missing, `cacheTransport` or `abortController` is malformed,
   *   or a Bulwark option has the wrong type; RangeError when a Bulwark option is out of range
   */
  constructor(action: (...args: TI) => PromiseLike<TR>, options?: CircuitBreakerOptions<TI>);
  constructor(action: (...args: TI) => TR, options?: CircuitBreakerOptions<TI>);
  constructor(action: Action<TI, TR>, options: CircuitBreakerOptions<TI> = {}) {
    super();
    validateExtensions(options);
    if (options.state !== undefined && options.initialState !== undefined) {
      throw new TypeError('CircuitBreaker: pass either options.state (opossum) or options.initialState, not both');
    }
    const clock = (this._clock = options.clock ?? systemClock);
    this._random = options.random ?? systemRandom;

    // opossum writes its defaults into the caller's object; code reads them back from there.
    const o = applyOpossumDefaults(options, clock);
    this.options = o;
    this._timeout = typeof o.timeout === 'number' && o.timeout > 0 ? o.timeout : 0;
    this._keyed = !!(o.cache || o.coalesce);
    this.semaphore = new Semaphore(o.capacity, clock);

    if (!action) {
      throw new TypeError('No action provided. Cannot construct a CircuitBreaker without an invocable action.');
    }
    if (o.autoRenewAbortController && !o.abortController) o.abortController = new AbortController();
    if (o.abortController && typeof o.abortController.abort !== 'function') {
      throw new TypeError('AbortController does not contain `abort()` method');
    }

    this._volumeThreshold = Number.isInteger(options.volumeThreshold) ? (options.volumeThreshold as number) : 0;
    let warmUp = options.allowWarmUp === true;

    const imported = options.initialState;
    if (o.status instanceof Status) {
      this._status = o.status;
    } else if (o.status) {
      // opossum: a plain object is stats for a default-sized window, ignoring this breaker's
      // rolling options.
      this._status = new Status({ stats: o.status as Partial<Stats>, clock });
    } else {
      this._status = new Status({
        rollingCountBuckets: o.rollingCountBuckets,
        rollingCountTimeout: o.rollingCountTimeout,
        rollingPercentilesEnabled: o.rollingPercentilesEnabled,
        enableSnapshots: o.enableSnapshots,
        rotateBucketController: o.rotateBucketController,
        stats: imported?.status,
        clock,
      });
    }

    const state = options.state ?? imported?.state;
    let closed = true;
    let halfOpen = false;
    let shutdown = false;
    if (state) {
      this._enabled = state.enabled !== false;
      warmUp = state.warmUp || warmUp;
      closed = state.closed !== false;
      halfOpen = !!state.halfOpen;
      shutdown = !!state.shutdown;
    } else {
      this._enabled = options.enabled !== false;
    }
    this._name = options.name || (action as { name?: string }).name || this.nextName();
    this._group = options.group || this._name;
    if (warmUp) this._warmUpUntil = clock.now() + o.rollingCountTimeout;

    this.action = typeof action === 'function' ? action : () => Promise.resolve(action as TR);
    // opossum logs this for a deprecated option and otherwise ignores it.
    if (options.maxFailures) console.error('options.maxFailures is deprecated. Please use options.errorThresholdPercentage');

    this._halfOpenMax = options.halfOpenMaxCalls ?? 1;
    this._slowMs = options.slowCallDurationMs;
    this._slowPercent = options.slowCallDurationMs === undefined ? undefined : options.slowCallThresholdPercentage;
    this._backoff = options.openBackoff;
    const sliding = options.slidingWindow;
    if (sliding?.kind === 'count') {
      this._window = new CountWindow(sliding.size, this._volumeThreshold, () => this.options.errorThresholdPercentage, this._slowPercent);
    } else if (sliding?.kind === 'consecutive') {
      this._window = new ConsecutiveWindow(sliding.failures);
    }

    // Restore the imported state (opossum's order: shutdown, closed, open, half-open).
    if (shutdown) {
      this._state = SHUTDOWN;
      this.shutdown();
    } else if (!closed && !halfOpen) {
      this.restoreOpen(state?.lastTimerAt, imported !== undefined);
    } else if (!closed && halfOpen) {
      this._state = HALF_OPEN;
      this._trialsLeft = this._halfOpenMax;
      this._episode++;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Properties (opossum's getters)

  /** The breaker's name (`options.name`, else the action's name, else a random id). */
  get name(): string {
    return this._name;
  }
  /** The reporting group (`options.group`, else the name). */
  get group(): string {
    return this._group;
  }
  /** False after `disable()`: calls then pass straight through. */
  get enabled(): boolean {
    return this._enabled;
  }
  /** True while half-open with a trial call still to be let through. */
  get pendingClose(): boolean {
    return this._trialsLeft > 0;
  }
  get closed(): boolean {
    return this._state === CLOSED;
  }
  get opened(): boolean {
    return this._state === OPEN;
  }
  get halfOpen(): boolean {
    return this._state === HALF_OPEN;
  }
  get isShutdown(): boolean {
    return this._state === SHUTDOWN;
  }
  /** True while `isolate()` holds the breaker open. */
  get isolated(): boolean {
    return this._isolations > 0 && this._state === OPEN;
  }
  /** The state as one word. */
  get state(): CircuitState {
    switch (this._state) {
      case CLOSED:
        return 'closed';
      case HALF_OPEN:
        return 'halfOpen';
      case SHUTDOWN:
        return 'shutdown';
      default:
        return this._isolations > 0 ? 'isolated' : 'open';
    }
  }
  /** The rolling statistics window. */
  get status(): Status {
    return this._status;
  }
  /** The window's totals: a fresh object on every read. */
  get stats(): Stats {
    return this._status.stats;
  }
  /** True during the warm-up period (`allowWarmUp`), when failures never open the breaker. */
  get warmUp(): boolean {
    return this._warmUpUntil !== undefined && this._clock.now() < this._warmUpUntil;
  }
  /** Calls the window needs before the breaker can open. */
  get volumeThreshold(): number {
    return this._volumeThreshold;
  }

  // ---------------------------------------------------------------------------------------
  // Calling

  /**
   * Calls the action through the breaker with `this` set to the action, as opossum does.
   * @returns the action's result, the fallback's, or a rejection (`EOPENBREAKER`, `ETIMEDOUT`,
   *   `ESEMLOCKED`, `ESHUTDOWN` or the action's own error)
   */
  fire(...args: TI): Promise<TR> {
    return this._call(this.action, args, this.action, undefined, undefined) as Promise<TR>;
  }

  /** Like {@link fire}, with `this` inside the action set to `context`. */
  call(context: unknown, ...args: TI): Promise<TR> {
    return this._call(context, args, this.action, undefined, undefined) as Promise<TR>;
  }

  /**
   * Runs `fn` under the breaker (the {@link Policy} interface). `fn` receives `{ signal, attempt }`;
   * the signal aborts when the caller's does or the breaker's `timeout` fires. Unlike `fire()`,
   * this ignores the cache, coalescing and the fallback (compose a fallback policy instead). A
   * caller's abort rejects at once with the signal's reason and counts as neither success nor
   * failure (a half-open trial that is aborted gives its place back).
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const context = new BreakerContext(signal, options?.attempt ?? 1, this._timeout !== 0);
    return this._call(undefined, [context], fn as AnyFunction, context, signal) as Promise<T>;
  }

  /**
   * Runs `fn` as {@link execute} does, for a caller that learns it gave up from an event of its
   * own rather than from an `AbortSignal` (an HTTP middleware hears of a client disconnect from
   * the response). Returns the call's promise with `abort(reason)`, which does what the caller's
   * signal aborting does: the call rejects at once with `reason`, counts as neither success nor
   * failure (a half-open trial gives its place back), and the signal `fn` received aborts.
   *
   * The point is the cost: listening to a signal is an EventTarget listener per call (in Node 24,
   * adding and removing one costs about as much as the rest of the call), plus an
   * `AbortController` per call to make the signal; this needs neither, and the signal `fn`
   * receives is created only if `fn` reads it.
   *
   * @example
   * const call = breaker.executeAbortable(() => job.finished);
   * job.once('cancelled', () => call.abort());
   * await call.promise;
   */
  executeAbortable<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T): AbortableCall<T> {
    const call = new CallAbort<T>();
    // Abortable whatever the timeout: abort() aborts the attempt's signal, as a caller's signal would.
    const context = new BreakerContext(undefined, 1, true);
    call.promise = this._call(undefined, [context], fn as AnyFunction, context, call) as Promise<T>;
    return call;
  }

  /**
   * Admits one call whose outcome the caller reports on the returned permit (`succeed()`,
   * `fail(error)` or `release()`), for work that is not a function the breaker can call: an
   * HTTP middleware's "call" is the rest of the request's chain, and ends when the response does.
   * Like resilience4j's `acquirePermission()` with `onSuccess`/`onError`/`releasePermission`.
   *
   * Admission is `execute()`'s: the call counts as fired (`'fire'` is emitted with `[]`), takes a
   * `capacity` slot and, when half-open, a trial place. The breaker's `timeout` is not armed (the
   * holder decides when the call is over), and no fallback, cache or coalescing applies. A
   * disabled breaker admits everything and counts no outcome, as `fire()` does.
   *
   * The cost: one small object, no promise, closure, timer or signal.
   *
   * @throws CircuitOpenError (with `retryAfterMs`) when the breaker is open, or half-open with
   *   its trials taken; `'reject'` is emitted and it counts as a rejection
   * @throws SemaphoreLockedError when `capacity` calls are in flight; counted as `execute()`
   *   counts it (a semaphore rejection and a failure)
   * @throws CircuitShutdownError after `shutdown()`
   * @example
   * const permit = breaker.acquirePermit(); // throws when open
   * job.once('done', (ok) => (ok ? permit.succeed() : permit.fail(new Error('job failed'))));
   * job.once('cancelled', () => permit.release());
   */
  acquirePermit(): BreakerPermit {
    if (this._state === SHUTDOWN) throw new CircuitShutdownError();
    const start = this._clock.now();
    this._status.recordFire(start);
    this._nFires++;
    if (this.listens('fire')) this.emit('fire', []);
    if (!this._enabled) return new BreakerPermit(this, start, 0, false);
    const trialEpisode = this.admit();
    if (trialEpisode < 0) throw this.openRejection(start);
    if (!this.semaphore.test()) {
      const now = this._clock.now();
      const error = this.semaphoreRejection(now - start, now);
      this.errored(error, [], start, now, true);
      throw error;
    }
    this._inFlight++;
    return new BreakerPermit(this, start, trialEpisode, true);
  }

  /**
   * Whether the state lets a call in: 0 when closed, the half-open episode when it takes a trial
   * place (one fewer is left), -1 when refused (open, or half-open with every trial taken).
   */
  private admit(): number {
    const state = this._state;
    if (state === CLOSED) return 0;
    if (state === HALF_OPEN && this._trialsLeft > 0) {
      this._trialsLeft--;
      return this._episode;
    }
    return -1;
  }

  /** A trial admitted in half-open `episode` (0: none) gives its place back, if that episode is still on. */
  private returnTrial(episode: number): void {
    if (episode !== 0 && episode === this._episode && this._state === HALF_OPEN) this._trialsLeft++;
  }

  /** @internal */
  _permitSucceeded(permit: BreakerPermit): void {
    if (!permit.counted) return;
    this.releaseSlot();
    const start = permit.startedAt;
    try {
      this.succeeded(undefined, undefined, start, '');
    } catch (listenerError) {
      // As for execute(): a throwing 'success' listener turns the call into a failure.
      this.errored(listenerError, [], start, this._clock.now(), true);
    }
  }

  /** @internal */
  _permitFailed(permit: BreakerPermit, error: unknown): void {
    if (!permit.counted) return;
    this.releaseSlot();
    this.errored(error, [], permit.startedAt, this._clock.now(), true);
  }

  /** @internal */
  _permitReleased(permit: BreakerPermit): void {
    if (!permit.counted) return;
    this.releaseSlot();
    // A trial that never ran to completion gives its place back.
    this.returnTrial(permit.trialEpisode);
  }

  private releaseSlot(): void {
    this._inFlight--;
    this.semaphore.release();
  }

  private _call(
    context: unknown,
    args: unknown[],
    action: AnyFunction,
    policy: BreakerContext | undefined,
    signal: AbortSource | undefined,
  ): Promise<unknown> {
    if (this._state === SHUTDOWN) return Promise.reject(new CircuitShutdownError());
    const start = this._clock.now();
    const status = this._status;
    status.recordFire(start);
    this._nFires++;
    if (this.listens('fire')) this.emit('fire', args);

    if (!this._enabled) {
      // opossum: no protection at all, and a synchronous throw escapes fire().
      const result = action.apply(context, args);
      return typeof result.then === 'function' ? result : Promise.resolve(result);
    }

    let cacheKey = '';
    if (this._keyed && policy === undefined) {
      const o = this.options;
      cacheKey = o.cacheGetKey.apply(this, args as TI);
      if (o.cache) {
        const cached = o.cacheTransport!.get(cacheKey);
        if (cached) {
          status.count('cacheHits', start);
          this.emit('cacheHit');
          return cached as Promise<unknown>;
        }
        status.count('cacheMisses', start);
        this.emit('cacheMiss');
      }
      if (o.coalesce) {
        const shared = o.coalesceCache!.get(cacheKey);
        if (shared) {
          status.count('coalesceCacheHits', start);
          this.emit('coalesceCacheHit');
          return shared as Promise<unknown>;
        }
        status.count('coalesceCacheMisses', start);
        this.emit('coalesceCacheMiss');
      }
    }

    const trialEpisode = this.admit();
    if (trialEpisode < 0) return this.rejectOpen(args, start, policy !== undefined);

    let promise: Promise<unknown>;
    if (!this.semaphore.test()) {
      promise = this.semaphoreLocked(args, start, cacheKey, policy !== undefined);
    } else if (this._timeout === 0 && signal === undefined) {
      promise = this.runPlain(context, args, action, start, cacheKey, policy !== undefined);
    } else {
      promise = this.runControlled(context, args, action, start, cacheKey, policy, signal, trialEpisode);
    }
    if (this._keyed && policy === undefined && this.options.coalesce) {
      const ttl = this.options.coalesceTTL as number;
      this.options.coalesceCache!.set(cacheKey, promise, ttl > 0 ? this._clock.now() + ttl : 0);
    }
    return promise;
  }

  /**
   * The common path: no deadline and no caller signal. A plain `then` is measurably cheaper than
   * an async function here, and this is the path every call of a breaker without a timeout takes.
   */
  private runPlain(context: unknown, args: unknown[], action: AnyFunction, start: number, cacheKey: string, policy: boolean): Promise<unknown> {
    let result: unknown;
    this._inFlight++;
    try {
      result = action.apply(context, args);
      if (result === null || result === undefined) throw nullResultError(result);
    } catch (error) {
      // opossum handles a synchronous throw synchronously: 'failure' is emitted inside fire().
      this._inFlight--;
      this.semaphore.release();
      return this.afterError(error, args, start, cacheKey, policy);
    }
    const promise = result instanceof Promise ? result : Promise.resolve(result);
    return promise.then(
      (value: unknown) => {
        this._inFlight--;
        this.semaphore.release();
        try {
          this.succeeded(value, result, start, cacheKey);
        } catch (listenerError) {
          // opossum: a throwing 'success' listener turns the call into a failure.
          return this.afterError(listenerError, args, start, cacheKey, policy);
        }
        return value;
      },
      (error: unknown) => {
        this._inFlight--;
        this.semaphore.release();
        // Throwing here rejects the derived promise directly; returning Promise.reject() would
        // create a second, briefly unhandled, rejected promise on every failure.
        const fallback = this.errored(error, args, start, this._clock.now(), policy);
        this.resetCoalesce(cacheKey, 'error');
        if (fallback !== undefined) return fallback;
        throw error;
      },
    );
  }

  /** The failure half of the plain path: resolves with the fallback's result or rejects. */
  private afterError(error: unknown, args: unknown[], start: number, cacheKey: string, policy: boolean): Promise<unknown> {
    const fallback = this.errored(error, args, start, this._clock.now(), policy);
    this.resetCoalesce(cacheKey, 'error');
    return fallback ?? Promise.reject(error);
  }

  private runControlled(
    context: unknown,
    args: unknown[],
    action: AnyFunction,
    start: number,
    cacheKey: string,
    policy: BreakerContext | undefined,
    signal: AbortSource | undefined,
    trialEpisode: number,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = new PendingCall(this, args, cacheKey, start, resolve, reject, policy, signal);
      call.trialEpisode = trialEpisode;
      this._inFlight++;
      const timeout = this._timeout;
      if (timeout !== 0) {
        call.deadline = start + timeout;
        (this._deadlines ??= new DeadlineQueue(this._clock)).add(call);
      }
      signal?.addEventListener('abort', call, { once: true });
      let result: unknown;
      try {
        result = action.apply(context, args);
        if (result === null || result === undefined) throw nullResultError(result);
      } catch (error) {
        this._settleError(call, error);
        return;
      }
      // A plain `then` (as on the plain path) is cheaper than an async watcher.
      const promise = result instanceof Promise ? result : Promise.resolve(result);
      promise.then(
        (value: unknown) => this._settleOk(call, value, result),
        (error: unknown) => this._settleError(call, error),
      );
    });
  }

  // ---------------------------------------------------------------------------------------
  // Outcomes

  private succeeded(value: unknown, result: unknown, start: number, cacheKey: string): void {
    const now = this._clock.now();
    const latency = now - start;
    this.recordSuccess(now, latency);
    if (this.listens('success')) this.emit('success', value, latency);
    if (!this._keyed) return;
    const o = this.options;
    if (o.coalesce) this.resetCoalesce(cacheKey, 'success');
    if (o.cache) {
      // opossum caches the action's own promise.
      const cached = result !== null && typeof (result as PromiseLike<unknown>).then === 'function' ? result : Promise.resolve(value);
      o.cacheTransport!.set(cacheKey, cached, o.cacheTTL > 0 ? now + o.cacheTTL : 0);
    }
  }

  private recordSuccess(now: number, latency: number): void {
    const slow = this._slowMs !== undefined && latency > this._slowMs;
    this._status.recordSuccess(now, latency, slow);
    this._nSuccesses++;
    if (slow) this._nSlow++;
    this._window?.record(slow ? 'slow' : 'success');
    if (this._state === HALF_OPEN) {
      if (slow) this.openAt(now);
      else if (++this._halfOpenSuccesses >= this._halfOpenMax) this.close();
    } else if (slow && this._state === CLOSED) {
      this.evaluate(now);
    }
  }

  /**
   * Handles a failed call: the error filter, then failure accounting and the fallback.
   * @returns the fallback's promise to resolve with, or undefined to reject with `error`
   */
  private errored(error: unknown, args: unknown[], start: number, now: number, policy: boolean): Promise<unknown> | undefined {
    const latency = now - start;
    const filter = this.options.errorFilter;
    if (filter !== NEVER_FILTERED && filter(error, ...(args as TI))) {
      // opossum: a filtered error counts as a success, yet the call still rejects.
      this.recordSuccess(now, latency);
      if (this.listens('success')) this.emit('success', error, latency);
      return undefined;
    }
    this.failed(error, args, latency, now);
    return policy ? undefined : this.runFallback(args, error);
  }

  private failed(error: unknown, args: unknown[], latency: number, now: number): void {
    this._status.recordFailure(now, latency);
    this._nFailures++;
    this._window?.record('failure');
    if (this.listens('failure')) this.emit('failure', error, latency, args);
    const state = this._state;
    // A failed trial always reopens, even during warm-up (opossum would stay half-open forever).
    if (state === HALF_OPEN) this.openAt(now);
    else if (state === CLOSED && !this.warmUp) this.evaluate(now);
  }

  /** Opens the breaker if the window says so (called after failures and slow calls while closed). */
  private evaluate(now: number): void {
    let open: boolean;
    if (this._window !== undefined) {
      open = this._window.shouldOpen();
    } else {
      const status = this._status;
      const fires = status.totalFires;
      if (fires < this._volumeThreshold) return;
      open = (status.totalFailures / fires) * 100 > this.options.errorThresholdPercentage;
      if (!open && this._slowPercent !== undefined) {
        const completed = status.totalSuccesses + status.totalFailures;
        open = completed > 0 && (status.totalSlowCalls / completed) * 100 > this._slowPercent;
      }
    }
    if (open) this.openAt(now);
  }

  private rejectOpen(args: unknown[], now: number, policy: boolean): Promise<never> | Promise<unknown> {
    const error = this.openRejection(now);
    if (policy) return Promise.reject(error);
    return this.runFallback(args, error) ?? Promise.reject(error);
  }

  /** Counts and reports a call refused because the breaker is open; returns its error. */
  private openRejection(now: number): CircuitOpenError {
    const retryAfter = this._resetDueAt === undefined ? undefined : Math.max(0, this._resetDueAt - now);
    // No stack: a fast-fail's stack points into the breaker, and capturing it is most of the cost.
    const error = withoutStack(() => new CircuitOpenError(retryAfter, this._name));
    this._status.count('rejects', now);
    this._nRejects++;
    if (this.listens('reject')) this.emit('reject', error);
    return error;
  }

  private semaphoreLocked(args: unknown[], start: number, cacheKey: string, policy: boolean): Promise<unknown> {
    const now = this._clock.now();
    const error = this.semaphoreRejection(now - start, now);
    const fallback = this.errored(error, args, start, now, policy);
    this.resetCoalesce(cacheKey, undefined);
    return fallback ?? Promise.reject(error);
  }

  /** Counts and reports a call refused because `capacity` calls are in flight; returns its error. */
  private semaphoreRejection(latency: number, now: number): SemaphoreLockedError {
    const error = new SemaphoreLockedError();
    this._status.count('semaphoreRejections', now);
    this._nSemaphore++;
    if (this.listens('semaphoreLocked')) this.emit('semaphoreLocked', error, latency);
    return error;
  }

  private runFallback(args: unknown[], error: unknown): Promise<unknown> | undefined {
    const fallback = this._fallbackFn;
    if (fallback === undefined) return undefined;
    try {
      const result: unknown = fallback.apply(fallback, [...args, error]);
      this._status.count('fallbacks', this._clock.now());
      this._nFallbacks++;
      this.emit('fallback', result, error);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  }

  private resetCoalesce(cacheKey: string, event: 'error' | 'success' | 'timeout' | undefined): void {
    if (!this._keyed) return;
    const o = this.options;
    if (o.coalesceCache && (event === undefined || o.coalesceResetOn.includes(event))) o.coalesceCache.delete(cacheKey);
  }

  /** @internal A controlled call's action resolved. */
  _settleOk(call: PendingCall, value: unknown, result: unknown): void {
    if (call.settled) return;
    this.finishCall(call);
    try {
      this.succeeded(value, result, call.start, call.cacheKey);
    } catch (listenerError) {
      // opossum: a throwing 'success' listener turns the call into a failure.
      this.failCall(call, listenerError);
      return;
    }
    call.resolve(value);
  }

  /** @internal A controlled call's action threw or rejected. */
  _settleError(call: PendingCall, error: unknown): void {
    if (call.settled) return;
    this.finishCall(call);
    this.failCall(call, error);
  }

  private failCall(call: PendingCall, error: unknown): void {
    const fallback = this.errored(error, call.args, call.start, this._clock.now(), call.context !== undefined);
    this.resetCoalesce(call.cacheKey, 'error');
    if (fallback !== undefined) call.resolve(fallback);
    else call.reject(error);
  }

  /** @internal A controlled call's deadline passed. */
  _expire(call: PendingCall, now: number): void {
    if (call.settled) return;
    this.finishCall(call);
    const timeoutMs = call.deadline - call.start;
    const error = new TimeoutError(timeoutMs);
    const latency = now - call.start;
    this._status.count('timeouts', now, latency);
    this._nTimeouts++;
    if (this.listens('timeout')) this.emit('timeout', error, latency, call.args);
    const fallback = this.errored(error, call.args, call.start, now, call.context !== undefined);
    if (fallback !== undefined) call.resolve(fallback);
    else call.reject(error);
    this.resetCoalesce(call.cacheKey, 'timeout');
    call.context?.abort(error);
    this.options.abortController?.abort();
  }

  /** @internal The caller's signal aborted a controlled call. */
  _abortByCaller(call: PendingCall): void {
    if (call.settled) return;
    this.finishCall(call);
    // A trial that never ran to completion gives its place back.
    this.returnTrial(call.trialEpisode);
    const reason = call.callerSignal?.reason;
    call.context?.abort(reason);
    call.reject(reason);
  }

  private finishCall(call: PendingCall): void {
    call.settled = true;
    this._deadlines?.remove(call);
    call.callerSignal?.removeEventListener('abort', call);
    if (!call.released) {
      call.released = true;
      this._inFlight--;
      this.semaphore.release();
    }
  }

  // ---------------------------------------------------------------------------------------
  // State changes

  /** Opens the breaker (no-op if open); it half-opens after `resetTimeout`, as in opossum. */
  open(): void {
    this.openAt(this._clock.now());
  }

  private openAt(now: number, resetDelay?: number): void {
    const previous = this._state;
    if (previous === OPEN || previous === SHUTDOWN) return;
    if (previous === HALF_OPEN) this._reopenCount++;
    this._state = OPEN;
    this._trialsLeft = 0;
    this._status.open();
    this._lastTimerAt = now;
    this.armReset(resetDelay ?? this.resetDelay());
    this.emit('open');
  }

  /** Closes the breaker (no-op if closed or shut down). Also ends any isolation. */
  close(): void {
    if (this._state === CLOSED || this._state === SHUTDOWN) return;
    this.clearReset();
    this._state = CLOSED;
    this._trialsLeft = 0;
    this._isolations = 0;
    this._reopenCount = 0;
    this._window?.reset();
    this.renewAbortController();
    this._status.close();
    this.emit('close');
  }

  /**
   * Forces the breaker open until every returned handle is disposed (then it closes). No
   * trial calls are let through meanwhile. Use it for maintenance or a known-bad dependency.
   */
  isolate(): Isolation {
    if (this._state === SHUTDOWN) return { dispose: () => undefined };
    this._isolations++;
    this.clearReset();
    if (this._state !== OPEN) {
      this._state = OPEN;
      this._trialsLeft = 0;
      this._status.open();
      this._lastTimerAt = this._clock.now();
      this.emit('open');
    }
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        if (this._isolations > 0 && --this._isolations === 0 && this._state === OPEN) this.close();
      },
    };
  }

  private resetDelay(): number {
    const base = this.options.resetTimeout;
    const backoff = this._backoff;
    if (backoff === undefined) return base;
    const wait = Math.min(base * (backoff.multiplier ?? 2) ** this._reopenCount, backoff.maxResetTimeout);
    switch (backoff.jitter) {
      case 'full':
        return this._random() * wait;
      case 'equal':
        return wait / 2 + (this._random() * wait) / 2;
      default:
        return wait;
    }
  }

  private armReset(delay: number): void {
    this.clearReset();
    const clock = this._clock;
    this._resetDueAt = clock.now() + delay;
    this._resetTimer = clock.setTimeout(() => {
      this._resetTimer = undefined;
      this._resetDueAt = undefined;
      if (this._state === OPEN && this._isolations === 0) this.enterHalfOpen(delay);
    }, delay);
  }

  private clearReset(): void {
    if (this._resetTimer !== undefined) this._clock.clearTimeout(this._resetTimer);
    this._resetTimer = undefined;
    this._resetDueAt = undefined;
  }

  private enterHalfOpen(delay: number): void {
    this._state = HALF_OPEN;
    this._trialsLeft = this._halfOpenMax;
    this._halfOpenSuccesses = 0;
    this._episode++;
    this.renewAbortController();
    this.emit('halfOpen', delay);
  }

  private restoreOpen(lastTimerAt: number | undefined, remainingOnly: boolean): void {
    const now = this._clock.now();
    const resetTimeout = this.options.resetTimeout;
    const elapsed = lastTimerAt === undefined ? undefined : now - lastTimerAt;
    if (elapsed !== undefined && elapsed > resetTimeout) {
      this._lastTimerAt = lastTimerAt;
      this.enterHalfOpen(resetTimeout);
    } else if (remainingOnly && elapsed !== undefined) {
      // initialState: wait only for what was left of the reset timeout.
      this.openAt(now, Math.max(0, resetTimeout - elapsed));
      this._lastTimerAt = lastTimerAt;
    } else {
      this.openAt(now);
    }
  }

  private renewAbortController(): void {
    const o = this.options;
    if (o.autoRenewAbortController && o.abortController && o.abortController.signal.aborted) {
      o.abortController = new AbortController();
    }
  }

  /**
   * Shuts the breaker down for good: emits `'shutdown'`, disables it, removes every listener,
   * stops its timers (health checks included) and flushes the caches. Later calls reject with
   * `ESHUTDOWN`; calls in flight still settle (and still time out).
   */
  shutdown(): void {
    this.emit('shutdown');
    this.disable();
    this.removeAllListeners();
    this.clearReset();
    this._warmUpUntil = undefined;
    this._healthChecks?.stopAll();
    // Calls still in flight keep their deadlines; with none, the shared timer goes too.
    if (this._deadlines?.isEmpty) this._deadlines.clear();
    this._status.shutdown();
    this._state = SHUTDOWN;
    this.clearCache();
  }

  /** Turns protection back on. */
  enable(): void {
    this._enabled = true;
    this._status.startListeneningForRotateEvent();
  }

  /** Turns protection off: calls pass straight to the action (no timeout, cache or fallback). */
  disable(): void {
    this._enabled = false;
    this._status.removeRotateBucketControllerListener();
  }

  /** Empties the result cache (and the coalescing cache). */
  clearCache(): void {
    const o = this.options;
    if (o.cache) o.cacheTransport?.flush();
    if (o.coalesceCache) o.coalesceCache.flush();
  }

  /**
   * Sets the function (or breaker) called with `(...args, error)` when a call fails or is
   * rejected; its result resolves the call.
   */
  fallback(func: AnyFunction | CircuitBreaker<any, any>): this { // eslint-disable-line @typescript-eslint/no-explicit-any
    this._fallbackFn = func instanceof CircuitBreaker ? (...args: unknown[]) => func.fire(...args) : func;
    return this;
  }

  /**
   * Runs `func` (with `this` set to the breaker) now and every `interval` ms (default 5,000); a
   * rejection emits `'healthCheckFailed'` and opens the breaker. `shutdown()` stops the checks.
   * @throws TypeError when `func` is not a function, `interval` not a number, or `func` does not
   *   return a promise
   */
  healthCheck(func: (this: this) => Promise<unknown>, interval?: number): void {
    const every = interval || 5000;
    if (typeof func !== 'function') throw new TypeError('Health check function must be a function');
    if (isNaN(every)) throw new TypeError('Health check interval must be a number');
    const failed = (error: unknown): void => {
      if (this._state === SHUTDOWN) return;
      this.emit('healthCheckFailed', error);
      this.open();
    };
    // The first run is synchronous, so a function that returns no promise throws from here.
    func.apply(this).catch(failed);
    (this._healthChecks ??= new HealthChecks(this._clock)).every(Number(every), () => func.apply(this), failed);
  }

  /** A short description for logs and `wrap(...).describe()`. */
  describe(): string {
    const timeout = this._timeout === 0 ? 'none' : `${this._timeout}ms`;
    return `circuitBreaker(${this._name}, ${this.state}, timeout=${timeout}, resetTimeout=${this.options.resetTimeout}ms)`;
  }

  /** The signal of `options.abortController`, if any. */
  getSignal(): AbortSignal | undefined {
    return this.options.abortController?.signal;
  }

  /** `options.abortController`, if any. */
  getAbortController(): AbortController | undefined {
    return this.options.abortController;
  }

  /** Live counters since construction (monotonic), plus the state and the window's failure rate. */
  metrics(): CircuitBreakerMetrics {
    const status = this._status;
    status.advance(this._clock.now());
    return {
      state: this.state,
      enabled: this._enabled,
      fires: this._nFires,
      successes: this._nSuccesses,
      failures: this._nFailures,
      rejects: this._nRejects,
      timeouts: this._nTimeouts,
      fallbacks: this._nFallbacks,
      semaphoreRejections: this._nSemaphore,
      slowCalls: this._nSlow,
      failureRate: status.totalFires === 0 ? 0 : (status.totalFailures / status.totalFires) * 100,
      inFlight: this._inFlight,
    };
  }

  /**
   * The state and stats, in opossum's shape; `lastTimerAt` is when the breaker last opened.
   * Pass the result back as `initialState` (or its `state` as opossum's `state`) to restore.
   */
  toJSON(): CircuitBreakerJSON;
  /** @internal Keeps the class assignable to `@types/opossum`, which types `lastTimerAt` as a symbol. */
  toJSON(): { state: Omit<CircuitBreakerState, 'lastTimerAt'> & { lastTimerAt: any }; status: Stats }; // eslint-disable-line @typescript-eslint/no-explicit-any
  toJSON(): CircuitBreakerJSON {
    return {
      state: {
        name: this._name,
        enabled: this._enabled,
        closed: this.closed,
        open: this.opened,
        halfOpen: this.halfOpen,
        warmUp: this.warmUp,
        shutdown: this.isShutdown,
        lastTimerAt: this._lastTimerAt,
      },
      status: this._status.stats,
    };
  }

  /** True when someone listens to `event` (cheaper than `listenerCount`, on every call). */
  private listens(event: string): boolean {
    return hasListeners(this, event);
  }

  private nextName(): string {
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
      const r = (this._random() * 16) | 0;
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  }
}

/** The events with typed listeners below; other names go to the untyped overload. */
/* eslint-disable @typescript-eslint/no-explicit-any */
type Listener<TI extends unknown[], TR, K extends CircuitBreakerEventName> = (...args: CircuitBreakerEventMap<TI, TR>[K]) => void;
/** Any other event name (as on any EventEmitter); the breaker's own names must use their types. */
type OtherEvent<E> = E & Exclude<E, CircuitBreakerEventName>;

/** Typed listeners for the breaker's events, and any other event name, as on any EventEmitter. */
export interface CircuitBreaker<TI extends unknown[] = unknown[], TR = unknown> {
  on<K extends CircuitBreakerEventName>(event: K, listener: Listener<TI, TR, K>): this;
  on<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  once<K extends CircuitBreakerEventName>(event: K, listener: Listener<TI, TR, K>): this;
  once<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  addListener<K extends CircuitBreakerEventName>(event: K, listener: Listener<TI, TR, K>): this;
  addListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  prependListener<K extends CircuitBreakerEventName>(event: K, listener: Listener<TI, TR, K>): this;
  prependListener<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
  off<K extends CircuitBreakerEventName>(event: K, listener: Listener<TI, TR, K>): this;
  off<E extends string | symbol>(event: OtherEvent<E>, listener: (...args: any[]) => void): this;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The types @types/opossum declares on its namespace (`CircuitBreaker.Options`, `.Stats`, …), so
 * that code written against it compiles unchanged after `import CircuitBreaker from
 * '@bulwark/core/opossum'`. Types only: nothing is emitted.
 */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace CircuitBreaker {
  type Options<TI extends unknown[] = unknown[]> = optionTypes.CircuitBreakerOptions<TI>;
  type State = optionTypes.CircuitBreakerState;
  type Status = statusTypes.Status;
  type StatusOptions = statusTypes.StatusOptions;
  type Stats = statusTypes.Stats;
  type Bucket = statusTypes.Bucket;
  type Window = statusTypes.Bucket[];
  type CacheTransport = cacheTypes.CacheTransport;
  /** @types/opossum's name for the cache transport's shape (the class is `MemoryCache`). */
  type MemoryCache = cacheTypes.CacheTransport;
}
