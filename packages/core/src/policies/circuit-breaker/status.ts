import type { EventEmitter } from 'node:events';
import { LazyEventEmitter } from '../../events/lazy-event-emitter.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import { systemClock } from '../../time/clock.js';
import { LatencyHistogram } from './latency-histogram.js';

/** One bucket of the rolling window, as opossum reports it (`status.window[i]`). */
export interface Bucket {
  failures: number;
  fallbacks: number;
  successes: number;
  rejects: number;
  fires: number;
  timeouts: number;
  cacheHits: number;
  cacheMisses: number;
  coalesceCacheHits: number;
  coalesceCacheMisses: number;
  semaphoreRejections: number;
  percentiles: { [percentile: number]: number };
  latencyTimes: number[];
  /** Set on the bucket that was current when the breaker opened (true) or closed (false). */
  isCircuitBreakerOpen?: boolean;
}

/** The window's totals (`breaker.stats`), with the latency percentiles and mean. */
export interface Stats extends Bucket {
  /** Mean latency in ms over the window; 0 when empty, -1 when percentiles are disabled. */
  latencyMean: number;
}

/** The counters of a bucket, by name. */
export type CounterName =
  | 'failures'
  | 'fallbacks'
  | 'successes'
  | 'rejects'
  | 'fires'
  | 'timeouts'
  | 'cacheHits'
  | 'cacheMisses'
  | 'coalesceCacheHits'
  | 'coalesceCacheMisses'
  | 'semaphoreRejections';

/** Options of a {@link Status} (the rolling statistics window). */
export interface StatusOptions {
  /** Number of buckets in the window (default 10; 0 means 10, as in opossum). */
  rollingCountBuckets?: number | undefined;
  /** Length of the window in ms (default 10,000; 0 means 10,000, as in opossum). */
  rollingCountTimeout?: number | undefined;
  /** Keep latencies for `percentiles`/`latencyMean` (default true). */
  rollingPercentilesEnabled?: boolean | undefined;
  /** Emit `'snapshot'` every bucket interval while someone listens (default true). */
  enableSnapshots?: boolean | undefined;
  /** When given, buckets rotate on its `'rotate'` events instead of by time. */
  rotateBucketController?: EventEmitter | undefined;
  /** Counts to start the current bucket with (for example a previous `toJSON().status`). */
  stats?: Partial<Stats> | undefined;
  /** Source of time (default: the system clock). */
  clock?: Clock | undefined;
}

const COUNTERS: readonly CounterName[] = [
  'failures',
  'fallbacks',
  'successes',
  'rejects',
  'fires',
  'timeouts',
  'cacheHits',
  'cacheMisses',
  'coalesceCacheHits',
  'coalesceCacheMisses',
  'semaphoreRejections',
];
const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1] as const;

/** A bucket's live counters. Plain fields: the hot path increments them directly. */
class Counts {
  failures = 0;
  fallbacks = 0;
  successes = 0;
  rejects = 0;
  fires = 0;
  timeouts = 0;
  cacheHits = 0;
  cacheMisses = 0;
  coalesceCacheHits = 0;
  coalesceCacheMisses = 0;
  semaphoreRejections = 0;
  /** Successful calls slower than the breaker's slow-call threshold (a Bulwark extension). */
  slowCalls = 0;
  latency: LatencyHistogram | undefined = undefined;
  isCircuitBreakerOpen: boolean | undefined = undefined;
}

const EMPTY = new Counts();

/**
 * The rolling statistics window of a circuit breaker, compatible with opossum's `Status`
 * (`breaker.status`): `stats`, `window`, `increment()`, the `'snapshot'` event and the
 * `rotateBucketController` hook.
 *
 * Unlike opossum's, it arms no timer: buckets rotate lazily, by comparing the time of each
 * update with the end of the current bucket, and running totals make the breaker's threshold
 * check O(1). `'snapshot'` events are emitted every bucket interval only while someone listens.
 */
export class Status extends LazyEventEmitter {
  /** When false, latencies are not kept and `latencyMean`/percentiles read -1. */
  rollingPercentilesEnabled: boolean;
  /** When false, no `'snapshot'` events are emitted. */
  readonly enableSnapshots: boolean;
  readonly rotateBucketController: EventEmitter | undefined;

  /** @internal running totals over the whole window, for the breaker's O(1) decisions. */
  totalFires = 0;
  /** @internal */
  totalFailures = 0;
  /** @internal */
  totalSuccesses = 0;
  /** @internal */
  totalSlowCalls = 0;

  private readonly clock: Clock;
  private readonly bucketCount: number;
  private readonly bucketMs: number;
  // Buckets are allocated on first use: an idle breaker holds none.
  private readonly ring: Array<Counts | undefined>;
  private head = 0;
  private nextRotationAt: number;
  private frozen = false;
  private snapshotTimer: TimerHandle | undefined;
  private rotateListener: (() => void) | undefined;

  constructor(options: StatusOptions = {}) {
    super();
    this.clock = options.clock ?? systemClock;
    this.bucketCount = options.rollingCountBuckets || 10;
    const windowMs = options.rollingCountTimeout || 10000;
    this.bucketMs = Math.floor(windowMs / this.bucketCount);
    this.rollingPercentilesEnabled = options.rollingPercentilesEnabled !== false;
    this.enableSnapshots = options.enableSnapshots !== false;
    this.rotateBucketController = options.rotateBucketController;
    this.ring = new Array<Counts | undefined>(this.bucketCount).fill(undefined);
    // With a rotate controller, only its events rotate the window.
    this.nextRotationAt = this.rotateBucketController ? Infinity : this.clock.now() + Math.max(this.bucketMs, 1);
    if (this.rotateBucketController) this.startListeneningForRotateEvent();
    if (options.stats) this.importStats(options.stats);
  }

  /** Rotates the window by one bucket (the function listening to the `rotateBucketController`). */
  get rotateBucket(): () => void {
    return (this.rotateListener ??= () => {
      if (!this.frozen) this.rotate();
    });
  }

  /** The totals over the window: a fresh object on every read, in opossum's shape. */
  get stats(): Stats {
    this.catchUp();
    const totals: Stats = {
      failures: 0,
      fallbacks: 0,
      successes: 0,
      rejects: 0,
      fires: 0,
      timeouts: 0,
      cacheHits: 0,
      cacheMisses: 0,
      coalesceCacheHits: 0,
      coalesceCacheMisses: 0,
      semaphoreRejections: 0,
      percentiles: {},
      latencyTimes: [],
      latencyMean: 0,
    };
    const merged = new LatencyHistogram();
    for (const counts of this.ring) {
      if (counts === undefined) continue;
      for (const key of COUNTERS) totals[key] += counts[key];
      if (counts.latency) merged.addAll(counts.latency);
    }
    if (this.rollingPercentilesEnabled) {
      const entries = merged.sortedEntries();
      totals.latencyTimes = merged.toSortedArray();
      totals.latencyMean = merged.count === 0 ? 0 : merged.sum / merged.count;
      for (const p of PERCENTILES) totals.percentiles[p] = LatencyHistogram.percentile(entries, merged.count, p);
    } else {
      totals.latencyMean = -1;
      for (const p of PERCENTILES) totals.percentiles[p] = -1;
    }
    // opossum's key order: latencyMean comes last.
    const { latencyMean, ...rest } = totals;
    return { ...rest, latencyMean };
  }

  /** The buckets, newest first (`window[0]` is the current one): fresh objects on every read. */
  get window(): Bucket[] {
    this.catchUp();
    const out: Bucket[] = [];
    for (let i = 0; i < this.bucketCount; i++) {
      const counts = this.ring[(this.head - i + this.bucketCount) % this.bucketCount] ?? EMPTY;
      const bucket: Bucket = {
        failures: counts.failures,
        fallbacks: counts.fallbacks,
        successes: counts.successes,
        rejects: counts.rejects,
        fires: counts.fires,
        timeouts: counts.timeouts,
        cacheHits: counts.cacheHits,
        cacheMisses: counts.cacheMisses,
        coalesceCacheHits: counts.coalesceCacheHits,
        coalesceCacheMisses: counts.coalesceCacheMisses,
        semaphoreRejections: counts.semaphoreRejections,
        percentiles: {},
        latencyTimes: counts.latency ? counts.latency.toSortedArray() : [],
      };
      if (counts.isCircuitBreakerOpen !== undefined) bucket.isCircuitBreakerOpen = counts.isCircuitBreakerOpen;
      out.push(bucket);
    }
    return out;
  }

  /**
   * Adds 1 to a counter of the current bucket; for successes, failures and timeouts also records
   * `latency` (as opossum does).
   */
  increment(property: CounterName, latency?: number): void {
    const counts = this.current(this.clock.now());
    counts[property]++;
    if (property === 'fires') this.totalFires++;
    else if (property === 'failures') this.totalFailures++;
    else if (property === 'successes') this.totalSuccesses++;
    if (property === 'successes' || property === 'failures' || property === 'timeouts') {
      this.recordLatency(counts, latency || 0);
    }
  }

  /** Marks the current bucket: the breaker opened. */
  open(): void {
    this.current(this.clock.now()).isCircuitBreakerOpen = true;
  }

  /** Marks the current bucket: the breaker closed. */
  close(): void {
    this.current(this.clock.now()).isCircuitBreakerOpen = false;
  }

  /** Stops snapshots and rotation and removes every listener; the window stays readable. */
  shutdown(): void {
    // Rotate up to now first: opossum's interval kept its window current until shutdown, so the
    // frozen window must not keep buckets that had already left it.
    this.catchUp();
    this.removeAllListeners();
    this.stopSnapshots();
    this.removeRotateBucketControllerListener();
    this.frozen = true;
  }

  /** Stops listening to the rotate controller (used by `breaker.disable()`). */
  removeRotateBucketControllerListener(): void {
    this.rotateBucketController?.removeListener('rotate', this.rotateBucket);
  }

  /** Listens to the rotate controller again, once (used by `breaker.enable()`; opossum's spelling). */
  startListeneningForRotateEvent(): void {
    const controller = this.rotateBucketController;
    if (controller && controller.listeners('rotate').indexOf(this.rotateBucket) === -1) {
      controller.on('rotate', this.rotateBucket);
    }
  }

  // ---- the breaker's hot path (internal) ----

  /** @internal The current bucket at time `now`, rotating first if buckets have expired. */
  current(now: number): Counts {
    if (now >= this.nextRotationAt) this.rotateTo(now);
    return (this.ring[this.head] ??= new Counts());
  }

  /** @internal Rotates the window up to `now` (so the running totals cover the window at `now`). */
  advance(now: number): void {
    if (now >= this.nextRotationAt) this.rotateTo(now);
  }

  /** @internal Records a fire at `now`. */
  recordFire(now: number): void {
    this.current(now).fires++;
    this.totalFires++;
  }

  /** @internal Records a success at `now`, `slow` when it exceeded the slow-call threshold. */
  recordSuccess(now: number, latency: number, slow: boolean): void {
    const counts = this.current(now);
    counts.successes++;
    this.totalSuccesses++;
    if (slow) {
      counts.slowCalls++;
      this.totalSlowCalls++;
    }
    if (this.rollingPercentilesEnabled) this.recordLatency(counts, latency);
  }

  /** @internal Records a failure at `now`. */
  recordFailure(now: number, latency: number): void {
    const counts = this.current(now);
    counts.failures++;
    this.totalFailures++;
    if (this.rollingPercentilesEnabled) this.recordLatency(counts, latency);
  }

  /** @internal Adds 1 to a counter that feeds no decision (timeouts, rejects, cache hits, ...). */
  count(property: Exclude<CounterName, 'fires' | 'successes' | 'failures'>, now: number, latency?: number): void {
    const counts = this.current(now);
    counts[property]++;
    if (property === 'timeouts' && this.rollingPercentilesEnabled) this.recordLatency(counts, latency || 0);
  }

  private recordLatency(counts: Counts, latency: number): void {
    (counts.latency ??= new LatencyHistogram()).record(latency);
  }

  private catchUp(): void {
    if (!this.frozen) this.current(this.clock.now());
  }

  private rotateTo(now: number): void {
    if (this.frozen) {
      this.nextRotationAt = Infinity;
      return;
    }
    const step = Math.max(this.bucketMs, 1);
    const due = Math.floor((now - this.nextRotationAt) / step) + 1;
    const rotations = Math.min(due, this.bucketCount);
    for (let i = 0; i < rotations; i++) this.rotate();
    this.nextRotationAt += due * step;
  }

  private rotate(): void {
    this.head = (this.head + 1) % this.bucketCount;
    const evicted = this.ring[this.head];
    if (evicted === undefined) return;
    this.totalFires -= evicted.fires;
    this.totalFailures -= evicted.failures;
    this.totalSuccesses -= evicted.successes;
    this.totalSlowCalls -= evicted.slowCalls;
    this.ring[this.head] = undefined;
  }

  private importStats(stats: Partial<Stats>): void {
    const counts = (this.ring[this.head] ??= new Counts());
    for (const key of COUNTERS) {
      const value = stats[key];
      if (typeof value === 'number' && Number.isFinite(value)) counts[key] = value;
    }
    this.totalFires = counts.fires;
    this.totalFailures = counts.failures;
    this.totalSuccesses = counts.successes;
    if (Array.isArray(stats.latencyTimes)) {
      for (const latency of stats.latencyTimes) if (typeof latency === 'number') this.recordLatency(counts, latency);
    }
  }

  // ---- snapshots: a timer only while someone listens ----

  /** @internal Starts the snapshot timer when the first `'snapshot'` listener arrives. */
  listenerAdded(event: string | symbol): void {
    if (event === 'snapshot' && this.enableSnapshots && this.snapshotTimer === undefined && !this.frozen) this.scheduleSnapshot();
  }

  private scheduleSnapshot(): void {
    this.snapshotTimer = this.clock.setTimeout(() => {
      this.snapshotTimer = undefined;
      if (this.frozen || this.listenerCount('snapshot') === 0) return;
      this.emit('snapshot', this.stats);
      if (this.snapshotTimer === undefined && !this.frozen) this.scheduleSnapshot();
    }, Math.max(this.bucketMs, 1));
  }

  private stopSnapshots(): void {
    if (this.snapshotTimer !== undefined) this.clock.clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
  }
}

// Snapshots start with the first 'snapshot' listener. Hooking the methods that add listeners
// (`once` and `prependOnceListener` go through `on` and `prependListener`) instead of listening
// to 'newListener' keeps an idle Status free of any listener table.
type AddListener = (this: Status, event: string | symbol, listener: (...args: any[]) => void) => Status; // eslint-disable-line @typescript-eslint/no-explicit-any
for (const method of ['on', 'addListener', 'prependListener'] as const) {
  const base = LazyEventEmitter.prototype[method] as unknown as AddListener;
  const hooked: AddListener = function (event, listener) {
    base.call(this, event, listener);
    this.listenerAdded(event);
    return this;
  };
  Object.defineProperty(Status.prototype, method, { value: hooked, writable: true, configurable: true });
}
