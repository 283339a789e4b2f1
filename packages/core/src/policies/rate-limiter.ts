import { RateLimitedError } from '../errors/rate-limited-error.js';
import type { Event } from '../events/event.js';
import { EventSource } from '../events/event.js';
import type { Clock, TimerHandle } from '../time/clock.js';
import { systemClock } from '../time/clock.js';
import { runUntilAborted } from './run-until-aborted.js';
import type { ExecuteContext, ExecuteOptions, Policy } from './policy.js';
import { checkNonNegative, checkObject, checkOneOf, checkPositive, checkPositiveInteger, show } from './validate.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';

const WHERE = 'rateLimiter';

/** Options every rate limiter mode shares. */
interface RateLimiterCommonOptions {
  /**
   * How long a call may wait for a permit, in milliseconds (default 0: reject at once). A call
   * whose permit would come within this time waits in a FIFO queue instead of being rejected.
   */
  readonly maxWaitMs?: number;
  /** The source of time and timers (default `systemClock`); tests pass a `ManualClock`. */
  readonly clock?: Clock;
}

/**
 * A token bucket: it holds up to `burst` permits and gains `limit` permits every `intervalMs`,
 * continuously (one every `intervalMs / limit`). It starts full. Bursts up to `burst` pass at
 * once; the long-run rate is `limit` per `intervalMs`.
 */
export interface TokenBucketOptions extends RateLimiterCommonOptions {
  readonly mode: 'token-bucket';
  /** Permits gained per `intervalMs` (a positive integer). */
  readonly limit: number;
  /** The refill period in milliseconds. */
  readonly intervalMs: number;
  /** The bucket's capacity, the largest burst (a positive integer; default `limit`). */
  readonly burst?: number;
}

/**
 * A sliding window: at most `limit` calls start in any span of `windowMs` milliseconds. Exact,
 * not approximated: it keeps the start times of the last `limit` calls (a ring of `limit`
 * numbers, so memory is bounded by `limit`, not by traffic).
 */
export interface SlidingWindowOptions extends RateLimiterCommonOptions {
  readonly mode: 'sliding-window';
  /** The most calls in any window (a positive integer). */
  readonly limit: number;
  /** The window's length in milliseconds. */
  readonly windowMs: number;
}

/** Options for {@link rateLimiter}; `mode` picks the algorithm. */
export type RateLimiterOptions = TokenBucketOptions | SlidingWindowOptions;

/** Live, monotonic counters since construction (`limiter.metrics()`). */
export interface RateLimiterMetrics {
  /** Calls that got a permit (at once or after waiting). */
  readonly permitted: number;
  /** Calls rejected with {@link RateLimitedError}. */
  readonly rejected: number;
  /** Calls that waited in the queue (whether they then ran or their caller aborted). */
  readonly queued: number;
}

/** The payload of {@link RateLimiterPolicy.onRejected}. */
export interface RateLimiterRejectedEvent {
  /** The `retryAfterMs` of the error the call was rejected with. */
  readonly retryAfterMs: number;
  /** The attempt number the call was made with. */
  readonly attempt: number;
}

/**
 * The algorithm behind a limiter. Time passed in never goes backwards (the limiter clamps it).
 * `sync` brings the state up to `now` without changing what it means (refill, forget old times).
 */
interface Bucket {
  sync(now: number): void;
  /** Permits free now (after `sync`). */
  available(): number;
  /** Takes one permit at `now` (after `sync`, with `available() >= 1`). */
  take(now: number): void;
  /**
   * Milliseconds from `now` until the `k`-th next permit (k ≥ 1) is free, if nothing else is
   * taken meanwhile; rounded up to a whole millisecond.
   */
  waitFor(k: number, now: number): number;
}

/**
 * Tokens are counted in units of 1/`intervalMs` of a token, so that a refill of `dt`
 * milliseconds adds `dt × limit` units and a permit costs `intervalMs` units: integers stay
 * integers (no drift) when the clock reads whole milliseconds.
 */
class TokenBucket implements Bucket {
  private units: number;
  private last: number;
  private readonly capacity: number;
  // Whether a refill between two whole-millisecond firings can never reach the capacity (see waitFor).
  private readonly neverCaps: boolean;

  constructor(
    private readonly limit: number,
    private readonly intervalMs: number,
    burst: number,
    now: number,
  ) {
    this.capacity = burst * intervalMs;
    this.neverCaps = this.capacity >= intervalMs + limit - 1;
    this.units = this.capacity;
    this.last = now;
  }

  sync(now: number): void {
    if (now <= this.last) return;
    this.units = Math.min(this.capacity, this.units + (now - this.last) * this.limit);
    this.last = now;
  }

  available(): number {
    return Math.floor(this.units / this.intervalMs);
  }

  take(): void {
    this.units -= this.intervalMs;
  }

  waitFor(k: number): number {
    // While calls wait, each permit is taken when a timer fires, on the whole millisecond its
    // wait was rounded up to. Then the refill holds at most intervalMs + limit − 1 units, so
    // when the capacity is at least that, the bucket never caps and the k-th permit comes when
    // the refill reaches k permits' worth. A smaller bucket (burst 1 with a fast refill, say)
    // caps at those firings and loses the surplus, so the permits are found step by step, as
    // the timers will take them. (A timer that fires late loses its surplus the same way: that
    // keeps the `burst + limit·span/intervalMs` bound; the waits are then counted from the
    // late time.)
    if (this.neverCaps) return Math.max(0, Math.ceil((k * this.intervalMs - this.units) / this.limit));
    let units = this.units;
    let elapsed = 0;
    for (let i = 0; i < k; i++) {
      if (units < this.intervalMs) {
        const step = Math.ceil((this.intervalMs - units) / this.limit);
        elapsed += step;
        units = Math.min(this.capacity, units + step * this.limit);
      }
      units -= this.intervalMs;
    }
    return elapsed;
  }
}

/**
 * Invariant: `times` holds, oldest first from `oldest`, the start times of the last `count`
 * permits that fall inside the window ending now; `count ≤ limit`. A permit may start at `t` iff
 * fewer than `limit` permits started in `(t − windowMs, t]`.
 */
class SlidingWindow implements Bucket {
  private readonly times: Float64Array;
  private oldest = 0;
  private count = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.times = new Float64Array(limit);
  }

  sync(now: number): void {
    const edge = now - this.windowMs;
    while (this.count > 0 && this.times[this.oldest] <= edge) {
      this.oldest = (this.oldest + 1) % this.limit;
      this.count--;
    }
  }

  available(): number {
    return this.limit - this.count;
  }

  take(now: number): void {
    this.times[(this.oldest + this.count) % this.limit] = now;
    this.count++;
  }

  waitFor(k: number, now: number): number {
    const free = this.limit - this.count;
    if (k <= free) return 0;
    // Permit number `free + j` starts `windowMs` after the permit `limit` places before it. Those
    // are the times in the ring, then `free` permits taken now, then future ones, which repeat
    // the same pattern one window later per round.
    const j = k - free;
    const i = (j - 1) % this.limit;
    const base = i < this.count ? this.times[(this.oldest + i) % this.limit] : now;
    return Math.max(0, Math.ceil(base + this.windowMs * Math.ceil(j / this.limit) - now));
  }
}


/** A queued call; it is its own abort listener (`handleEvent`), so it needs no closure. */
class Waiter {
  prev: Waiter | undefined = undefined;
  next: Waiter | undefined = undefined;

  constructor(
    readonly owner: RateLimiterPolicy,
    readonly fn: (context: ExecuteContext) => unknown,
    readonly context: ExecuteContext,
    readonly signal: AbortSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}

  /** The caller's signal aborted while the call waited. */
  handleEvent(): void {
    this.owner._abandon(this);
  }
}

/**
 * A rate limiter (see {@link rateLimiter}). State is brought up to date lazily from the clock on
 * each call: no interval timer, and at most one timer, armed only while calls wait.
 */
export class RateLimiterPolicy implements Policy {
  private readonly rejectedSource = new EventSource<RateLimiterRejectedEvent>();
  /** Emitted when a call is rejected with {@link RateLimitedError}, before its promise rejects. */
  readonly onRejected: Event<RateLimiterRejectedEvent> = this.rejectedSource.event;

  private readonly clock: Clock;
  private readonly bucket: Bucket;
  private readonly maxWaitMs: number;
  private readonly description: string;
  // The FIFO queue, a doubly linked list so an aborted waiter leaves it in O(1).
  private head: Waiter | undefined;
  private tail: Waiter | undefined;
  private waiting = 0;
  private timer: TimerHandle | undefined;
  private lastNow = -Infinity;
  private nPermitted = 0;
  private nRejected = 0;
  private nQueued = 0;

  /** @internal Use {@link rateLimiter}, which validates the options. */
  constructor(options: RateLimiterOptions, maxWaitMs: number, clock: Clock) {
    this.clock = clock;
    this.maxWaitMs = maxWaitMs;
    if (options.mode === 'token-bucket') {
      const burst = options.burst ?? options.limit;
      this.bucket = new TokenBucket(options.limit, options.intervalMs, burst, this.now());
      this.description = `rateLimiter(token-bucket, ${options.limit}/${options.intervalMs}ms, burst=${burst}, maxWaitMs=${maxWaitMs})`;
    } else {
      this.bucket = new SlidingWindow(options.limit, options.windowMs);
      this.description = `rateLimiter(sliding-window, ${options.limit}/${options.windowMs}ms, maxWaitMs=${maxWaitMs})`;
    }
  }

  /**
   * Runs `fn` when a permit is free. With none free, the call waits (FIFO) if its permit comes
   * within `maxWaitMs`, and is rejected otherwise. A waiting call whose caller signal aborts
   * leaves the queue at once, rejects with the signal's reason, never runs, and gives its place
   * back. Once running, the caller's abort rejects the call at once with the signal's reason.
   *
   * @throws (rejects with) {@link RateLimitedError} carrying `retryAfterMs` when refused
   */
  execute<T>(fn: (context: ExecuteContext) => PromiseLike<T> | T, options?: ExecuteOptions): Promise<T> {
    const signal = callerSignal(options?.signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const context: ExecuteContext = { signal: signal ?? NEVER_ABORTED, attempt: options?.attempt ?? 1 };
    const now = this.sync();
    if (this.waiting === 0 && this.bucket.available() >= 1) {
      this.bucket.take(now);
      this.nPermitted++;
      return runUntilAborted(fn, context, signal);
    }
    const waitMs = this.bucket.waitFor(this.waiting + 1, now);
    if (waitMs <= this.maxWaitMs) {
      return new Promise<T>((resolve, reject) => {
        const waiter = new Waiter(this, fn, context, signal, resolve as (value: unknown) => void, reject);
        this.enqueue(waiter);
        signal?.addEventListener('abort', waiter, { once: true });
        this.nQueued++;
        this.schedule(now);
      });
    }
    this.nRejected++;
    try {
      if (this.rejectedSource.hasListeners) this.rejectedSource.emit({ retryAfterMs: waitMs, attempt: context.attempt });
    } catch (listenerError) {
      // A throwing listener is a bug in the caller's code: surface it on this call.
      return Promise.reject(listenerError);
    }
    return Promise.reject(new RateLimitedError(waitMs));
  }

  /**
   * Permits a call made now would find free (0 while calls wait), read from the clock at the
   * moment of reading.
   */
  get availablePermits(): number {
    this.bucket.sync(this.now());
    return Math.max(0, this.bucket.available() - this.waiting);
  }

  /** Calls waiting for a permit now. */
  get queueLength(): number {
    return this.waiting;
  }

  /** Live, monotonic counters since construction. */
  metrics(): RateLimiterMetrics {
    return { permitted: this.nPermitted, rejected: this.nRejected, queued: this.nQueued };
  }

  /** For example `rateLimiter(token-bucket, 10/1000ms, burst=20, maxWaitMs=0)`. */
  describe(): string {
    return this.description;
  }

  /** @internal A waiter's caller aborted: drop it; later waiters move up a place. */
  _abandon(waiter: Waiter): void {
    this.unlink(waiter);
    // The head's permit time depends only on the bucket, not on who is first, so the armed
    // timer stays right; it is only cleared when nobody waits any more.
    if (this.waiting === 0) this.cancelTimer();
    waiter.reject(waiter.signal?.reason);
  }

  /** The clock, never moving backwards as seen by the buckets. */
  private now(): number {
    const now = this.clock.now();
    if (now > this.lastNow) this.lastNow = now;
    return this.lastNow;
  }

  /** Brings the bucket up to now and starts every waiter whose permit has come (FIFO). */
  private sync(): number {
    const now = this.now();
    const bucket = this.bucket;
    bucket.sync(now);
    while (this.head !== undefined && bucket.available() >= 1) {
      const waiter = this.head;
      this.unlink(waiter);
      waiter.signal?.removeEventListener('abort', waiter);
      bucket.take(now);
      this.nPermitted++;
      waiter.resolve(runUntilAborted(waiter.fn, waiter.context, waiter.signal));
    }
    this.schedule(now);
    return now;
  }

  /** Keeps exactly one timer while calls wait (due when the head's permit comes), none otherwise. */
  private schedule(now: number): void {
    if (this.waiting === 0) {
      this.cancelTimer();
    } else if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(this.onTimer, this.bucket.waitFor(1, now));
    }
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.sync();
  };

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private enqueue(waiter: Waiter): void {
    waiter.prev = this.tail;
    if (this.tail === undefined) this.head = waiter;
    else this.tail.next = waiter;
    this.tail = waiter;
    this.waiting++;
  }

  private unlink(waiter: Waiter): void {
    if (waiter.prev === undefined) this.head = waiter.next;
    else waiter.prev.next = waiter.next;
    if (waiter.next === undefined) this.tail = waiter.prev;
    else waiter.next.prev = waiter.prev;
    waiter.prev = waiter.next = undefined;
    this.waiting--;
  }
}

/**
 * Creates a rate limiter: a token bucket (bursty, a steady long-run rate) or an exact sliding
 * window (never more than `limit` calls in any `windowMs`). Over the limit, a call is rejected
 * with {@link RateLimitedError} (whose `retryAfterMs` says when a permit is free), or waits
 * FIFO when its permit comes within `maxWaitMs`. The limit is local to this process.
 *
 * @throws TypeError when an option has the wrong type or does not belong to the mode;
 *   RangeError when it is out of range
 * @example
 * const limiter = rateLimiter({ mode: 'token-bucket', limit: 10, intervalMs: 1000, burst: 20, maxWaitMs: 250 });
 * limiter.onRejected(({ retryAfterMs }) => log.warn(`throttled for ${retryAfterMs}ms`));
 * const user = await limiter.execute(({ signal }) => fetchUser(42, { signal }));
 */
export function rateLimiter(options: RateLimiterOptions): RateLimiterPolicy {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${WHERE}: options must be an object, got ${show(options)}`);
  }
  const mode = checkOneOf(WHERE, 'mode', options.mode, ['token-bucket', 'sliding-window'] as const);
  checkPositiveInteger(WHERE, 'limit', options.limit);
  const loose = options as unknown as Record<string, unknown>;
  const foreign = mode === 'token-bucket' ? ['windowMs'] : ['intervalMs', 'burst'];
  for (const name of foreign) {
    if (loose[name] !== undefined) throw new TypeError(`${WHERE}: options.${name} does not apply to mode '${mode}'`);
  }
  if (options.mode === 'token-bucket') {
    checkPositive(WHERE, 'intervalMs', options.intervalMs);
    if (options.burst !== undefined) checkPositiveInteger(WHERE, 'burst', options.burst);
  } else {
    checkPositive(WHERE, 'windowMs', options.windowMs);
  }
  const maxWaitMs = options.maxWaitMs === undefined ? 0 : checkNonNegative(WHERE, 'maxWaitMs', options.maxWaitMs);
  let clock = systemClock;
  if (options.clock !== undefined) {
    const c = checkObject(WHERE, 'clock', options.clock);
    if (typeof c['now'] !== 'function' || typeof c['setTimeout'] !== 'function' || typeof c['clearTimeout'] !== 'function') {
      throw new TypeError(`${WHERE}: options.clock must have now(), setTimeout() and clearTimeout()`);
    }
    clock = options.clock;
  }
  return new RateLimiterPolicy(options, maxWaitMs, clock);
}
