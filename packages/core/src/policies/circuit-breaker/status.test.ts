import { EventEmitter } from 'node:events';
import OpossumBreaker from 'opossum';
import { ManualClock } from '../../testing/manual-clock.js';
import type { Bucket, CounterName, Stats, StatusOptions } from './status.js';
import { Status } from './status.js';

const T0 = 1_000_000;
/** 10 buckets of 100 ms unless a test says otherwise. */
const WINDOW_MS = 1_000;
const BUCKET_MS = 100;

const COUNTERS: CounterName[] = [
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
const STATS_KEYS = [...COUNTERS, 'percentiles', 'latencyTimes', 'latencyMean'];
const BUCKET_KEYS = [...COUNTERS, 'percentiles', 'latencyTimes'];
const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1];

function make(options: StatusOptions = {}): { status: Status; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const status = new Status({ rollingCountTimeout: WINDOW_MS, rollingCountBuckets: 10, clock, ...options });
  return { status, clock };
}

function fires(status: Status): number[] {
  return status.window.map((b) => b.fires);
}

/** The part of opossum's Status used here (its typings omit `increment`, `open`, `close`). */
interface OpossumStatus {
  readonly stats: Stats;
  readonly window: Bucket[];
  increment(property: CounterName, latency?: number): void;
  open(): void;
  close(): void;
  shutdown(): void;
}

function opossumStatus(options: { rotateBucketController: EventEmitter; stats?: Partial<Stats> }): OpossumStatus {
  // With a rotate controller and no snapshots, opossum's Status arms no interval at all.
  return OpossumBreaker.newStatus({
    rollingCountBuckets: 10,
    rollingCountTimeout: WINDOW_MS,
    enableSnapshots: false,
    ...options,
  } as never) as unknown as OpossumStatus;
}

describe('Status: shape (opossum status.js)', () => {
  it('reports empty stats with opossum’s keys, in opossum’s order', () => {
    const { status } = make();
    const stats = status.stats;
    expect(Object.keys(stats)).toEqual(STATS_KEYS);
    for (const key of COUNTERS) expect(stats[key]).toBe(0);
    expect(stats.latencyTimes).toEqual([]);
    expect(stats.latencyMean).toBe(0);
    expect(stats.percentiles).toEqual(Object.fromEntries(PERCENTILES.map((p) => [String(p), 0])));
    expect(Object.keys(stats.percentiles).sort()).toEqual(PERCENTILES.map(String).sort());
  });

  it('matches opossum’s own empty stats, key order included', () => {
    const controller = new EventEmitter();
    const theirs = opossumStatus({ rotateBucketController: controller }).stats;
    const ours = make({ rotateBucketController: new EventEmitter() }).status.stats;
    expect(ours).toEqual(theirs);
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    expect(Object.keys(ours.percentiles)).toEqual(Object.keys(theirs.percentiles));
  });

  it('returns a fresh stats object on every read', () => {
    const { status } = make();
    const a = status.stats;
    a.fires = 99;
    a.latencyTimes.push(1);
    expect(status.stats.fires).toBe(0);
    expect(status.stats.latencyTimes).toEqual([]);
    expect(status.stats).not.toBe(status.stats);
  });

  it('has rollingCountBuckets buckets in its window, each in opossum’s bucket shape', () => {
    const { status } = make({ rollingCountBuckets: 4 });
    const window = status.window;
    expect(window).toHaveLength(4);
    for (const bucket of window) {
      expect(Object.keys(bucket)).toEqual(BUCKET_KEYS);
      expect(bucket).toEqual({ ...Object.fromEntries(COUNTERS.map((k) => [k, 0])), percentiles: {}, latencyTimes: [] });
    }
  });

  it('returns fresh bucket objects: changing them does not change the status', () => {
    const { status } = make();
    status.increment('fires');
    const window = status.window;
    window[0].fires = 42;
    window[0].latencyTimes.push(7);
    window.pop();
    expect(status.window[0].fires).toBe(1);
    expect(status.window[0].latencyTimes).toEqual([]);
    expect(status.window).toHaveLength(10);
  });

  it('defaults to 10 buckets over 10 s, and reads 0 as the default (as opossum)', () => {
    for (const options of [{}, { rollingCountBuckets: 0, rollingCountTimeout: 0 }]) {
      const clock = new ManualClock(T0);
      const status = new Status({ clock, ...options });
      expect(status.window).toHaveLength(10);
      status.increment('fires');
      clock.advance(999);
      expect(fires(status)[0]).toBe(1);
      clock.advance(1);
      expect(fires(status).slice(0, 2)).toEqual([0, 1]);
      clock.advance(9_000);
      expect(status.stats.fires).toBe(0);
    }
  });

  it('uses floor(rollingCountTimeout / rollingCountBuckets) as the bucket length', () => {
    const { status, clock } = make({ rollingCountTimeout: 1_009, rollingCountBuckets: 10 });
    status.increment('fires');
    clock.advance(99);
    expect(fires(status)[0]).toBe(1);
    clock.advance(1);
    expect(fires(status)[1]).toBe(1);
  });

  it('rotates every millisecond when a bucket would be shorter than 1 ms', () => {
    const { status, clock } = make({ rollingCountTimeout: 5, rollingCountBuckets: 10 });
    status.increment('fires');
    clock.advance(1);
    expect(fires(status).slice(0, 2)).toEqual([0, 1]);
    clock.advance(9);
    expect(status.stats.fires).toBe(0);
  });

  it('defaults rollingPercentilesEnabled and enableSnapshots to true', () => {
    const { status } = make();
    expect(status.rollingPercentilesEnabled).toBe(true);
    expect(status.enableSnapshots).toBe(true);
    expect(status.rotateBucketController).toBeUndefined();
    const off = make({ rollingPercentilesEnabled: false, enableSnapshots: false }).status;
    expect(off.rollingPercentilesEnabled).toBe(false);
    expect(off.enableSnapshots).toBe(false);
  });
});

describe('Status: counting', () => {
  it('increment() adds one to the named counter of the current bucket', () => {
    const { status } = make();
    COUNTERS.forEach((key, i) => {
      for (let n = 0; n <= i; n++) status.increment(key);
    });
    const stats = status.stats;
    const bucket = status.window[0];
    COUNTERS.forEach((key, i) => {
      expect(stats[key]).toBe(i + 1);
      expect(bucket[key]).toBe(i + 1);
    });
    for (const b of status.window.slice(1)) expect(b.fires).toBe(0);
  });

  it('records a latency (default 0) for successes, failures and timeouts only', () => {
    const { status } = make();
    status.increment('successes', 5);
    status.increment('failures', 3);
    status.increment('timeouts', 9);
    status.increment('successes');
    for (const key of COUNTERS) if (key !== 'successes' && key !== 'failures' && key !== 'timeouts') status.increment(key, 1_000);
    expect(status.window[0].latencyTimes).toEqual([0, 3, 5, 9]);
    expect(status.stats.latencyTimes).toEqual([0, 3, 5, 9]);
    expect(status.stats.latencyMean).toBe(17 / 4);
  });

  it('open() and close() mark the current bucket only, and the mark moves back with it', () => {
    const { status, clock } = make();
    status.open();
    expect(status.window[0].isCircuitBreakerOpen).toBe(true);
    clock.advance(BUCKET_MS);
    let window = status.window;
    expect(window[0]).not.toHaveProperty('isCircuitBreakerOpen');
    expect(window[1].isCircuitBreakerOpen).toBe(true);
    status.close();
    window = status.window;
    expect(window[0].isCircuitBreakerOpen).toBe(false);
    expect(window[1].isCircuitBreakerOpen).toBe(true);
    status.open();
    expect(status.window[0].isCircuitBreakerOpen).toBe(true);
    // The mark is never summed into stats.
    expect(status.stats).not.toHaveProperty('isCircuitBreakerOpen');
    // And ages out with its bucket.
    clock.advance(WINDOW_MS);
    expect(status.window.some((b) => 'isCircuitBreakerOpen' in b)).toBe(false);
  });

  it('the breaker’s internal record/count methods feed the same buckets and running totals', () => {
    const { status, clock } = make();
    const now = clock.now();
    status.recordFire(now);
    status.recordFire(now);
    status.recordSuccess(now, 12, false);
    status.recordSuccess(now, 30, true);
    status.recordFailure(now, 7);
    status.count('timeouts', now, 50);
    status.count('rejects', now, 99);
    status.count('cacheHits', now);
    const stats = status.stats;
    expect(stats.fires).toBe(2);
    expect(stats.successes).toBe(2);
    expect(stats.failures).toBe(1);
    expect(stats.timeouts).toBe(1);
    expect(stats.rejects).toBe(1);
    expect(stats.cacheHits).toBe(1);
    expect(stats.latencyTimes).toEqual([7, 12, 30, 50]);
    expect(status.totalFires).toBe(2);
    expect(status.totalSuccesses).toBe(2);
    expect(status.totalFailures).toBe(1);
    expect(status.totalSlowCalls).toBe(1);
  });
});

describe('Status: rotation by time (lazy, with an injected clock)', () => {
  it('moves a bucket back at each bucket boundary and drops it after the whole window', () => {
    const { status, clock } = make();
    status.increment('fires');
    clock.advance(BUCKET_MS - 1);
    expect(fires(status)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    clock.advance(1);
    expect(fires(status)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    status.increment('fires');
    status.increment('fires');
    clock.advance(8 * BUCKET_MS);
    expect(fires(status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 2, 1]);
    expect(status.stats.fires).toBe(3);
    clock.advance(BUCKET_MS);
    expect(fires(status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(status.stats.fires).toBe(2);
    clock.advance(BUCKET_MS);
    expect(status.stats.fires).toBe(0);
  });

  it('rotates by several buckets at once when several boundaries passed unseen', () => {
    const { status, clock } = make();
    status.increment('fires'); // bucket 0
    clock.advance(BUCKET_MS);
    status.increment('fires'); // bucket 1
    status.increment('fires');
    clock.advance(3 * BUCKET_MS + 50); // now in bucket 4, unseen boundaries 2, 3, 4
    expect(fires(status)).toEqual([0, 0, 0, 2, 1, 0, 0, 0, 0, 0]);
  });

  it('forgets everything after a jump longer than the whole window, and keeps the bucket grid', () => {
    const { status, clock } = make();
    status.increment('fires');
    status.increment('successes', 5);
    status.open();
    clock.advance(10 * WINDOW_MS + 50); // T0 + 10,050: inside the bucket [T0 + 10,000, T0 + 10,100)
    const window = status.window;
    expect(window).toHaveLength(10);
    for (const b of window) {
      expect(b.fires).toBe(0);
      expect(b.latencyTimes).toEqual([]);
      expect(b).not.toHaveProperty('isCircuitBreakerOpen');
    }
    expect(status.stats.latencyTimes).toEqual([]);
    expect(status.totalFires).toBe(0);
    expect(status.totalSuccesses).toBe(0);
    status.increment('fires');
    clock.advance(BUCKET_MS / 2 - 1);
    expect(fires(status)[0]).toBe(1);
    clock.advance(1); // T0 + 10,100: a bucket boundary of the original grid
    expect(fires(status).slice(0, 2)).toEqual([0, 1]);
  });

  it('a jump of exactly the window drops every old bucket', () => {
    const { status, clock } = make();
    status.increment('fires');
    clock.advance(WINDOW_MS - 1);
    expect(status.stats.fires).toBe(1);
    clock.advance(1);
    expect(status.stats.fires).toBe(0);
  });

  it('arms no timer to rotate', () => {
    const { status, clock } = make({ enableSnapshots: false });
    status.increment('fires');
    expect(clock.pendingTimers).toBe(0);
    const other = make();
    other.status.increment('fires');
    void other.status.stats;
    expect(other.clock.pendingTimers).toBe(0);
  });

  it('advance(now) rotates the running totals up to now', () => {
    const { status, clock } = make();
    status.recordFire(clock.now());
    status.recordFailure(clock.now(), 1);
    clock.advance(5 * BUCKET_MS);
    status.recordFire(clock.now());
    status.recordSuccess(clock.now(), 1, true);
    expect(status.totalFires).toBe(2);
    clock.advance(5 * BUCKET_MS); // the first bucket leaves the window
    status.advance(clock.now());
    expect(status.totalFires).toBe(1);
    expect(status.totalFailures).toBe(0);
    expect(status.totalSuccesses).toBe(1);
    expect(status.totalSlowCalls).toBe(1);
    status.advance(clock.now()); // idempotent
    expect(status.totalFires).toBe(1);
    clock.advance(WINDOW_MS);
    status.advance(clock.now());
    expect(status.totalFires).toBe(0);
    expect(status.totalSuccesses).toBe(0);
    expect(status.totalSlowCalls).toBe(0);
  });

  it('advance() to a time inside the current bucket changes nothing', () => {
    const { status, clock } = make();
    status.increment('fires');
    clock.advance(BUCKET_MS - 1);
    status.advance(clock.now());
    expect(status.totalFires).toBe(1);
    // Reading the window does not rotate either.
    expect(fires(status)[0]).toBe(1);
  });
});

describe('Status: rotateBucketController', () => {
  it('rotates on the controller’s "rotate" events, and never by time', () => {
    const controller = new EventEmitter();
    const { status, clock } = make({ rotateBucketController: controller });
    expect(status.rotateBucketController).toBe(controller);
    status.increment('fires');
    clock.advance(100 * WINDOW_MS);
    expect(fires(status)[0]).toBe(1);
    status.advance(clock.now());
    expect(status.totalFires).toBe(1);
    controller.emit('rotate');
    expect(fires(status).slice(0, 2)).toEqual([0, 1]);
    status.increment('fires');
    for (let i = 0; i < 8; i++) controller.emit('rotate');
    expect(fires(status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    controller.emit('rotate');
    expect(fires(status)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(status.totalFires).toBe(1);
    controller.emit('rotate');
    expect(status.stats.fires).toBe(0);
    expect(status.totalFires).toBe(0);
  });

  it('listens once; startListeneningForRotateEvent() and removeRotateBucketControllerListener() are idempotent', () => {
    const controller = new EventEmitter();
    const { status } = make({ rotateBucketController: controller });
    expect(controller.listenerCount('rotate')).toBe(1);
    status.startListeneningForRotateEvent();
    status.startListeneningForRotateEvent();
    expect(controller.listenerCount('rotate')).toBe(1);
    status.increment('fires');
    controller.emit('rotate');
    expect(fires(status).slice(0, 3)).toEqual([0, 1, 0]); // one rotation, not several
    status.removeRotateBucketControllerListener();
    expect(controller.listenerCount('rotate')).toBe(0);
    status.removeRotateBucketControllerListener();
    expect(controller.listenerCount('rotate')).toBe(0);
    controller.emit('rotate');
    expect(fires(status).slice(0, 3)).toEqual([0, 1, 0]);
    status.startListeneningForRotateEvent();
    expect(controller.listenerCount('rotate')).toBe(1);
    controller.emit('rotate');
    expect(fires(status).slice(0, 3)).toEqual([0, 0, 1]);
  });

  it('leaves the controller’s other listeners alone', () => {
    const controller = new EventEmitter();
    const other = (): void => undefined;
    controller.on('rotate', other);
    const { status } = make({ rotateBucketController: controller });
    expect(controller.listenerCount('rotate')).toBe(2);
    status.removeRotateBucketControllerListener();
    expect(controller.listeners('rotate')).toEqual([other]);
  });

  it('is a no-op to start or stop listening without a controller', () => {
    const { status } = make();
    expect(() => status.startListeneningForRotateEvent()).not.toThrow();
    expect(() => status.removeRotateBucketControllerListener()).not.toThrow();
  });

  it('rotateBucket is one stable function that rotates the window when called', () => {
    const controller = new EventEmitter();
    const { status } = make({ rotateBucketController: controller });
    const rotate = status.rotateBucket;
    expect(status.rotateBucket).toBe(rotate);
    expect(controller.listeners('rotate')).toEqual([rotate]);
    status.increment('fires');
    rotate();
    expect(fires(status).slice(0, 2)).toEqual([0, 1]);
  });

  it('two statuses on one controller rotate together', () => {
    const controller = new EventEmitter();
    const a = make({ rotateBucketController: controller }).status;
    const b = make({ rotateBucketController: controller }).status;
    a.increment('fires');
    b.increment('fires');
    controller.emit('rotate');
    expect(fires(a)[1]).toBe(1);
    expect(fires(b)[1]).toBe(1);
    a.removeRotateBucketControllerListener();
    controller.emit('rotate');
    expect(fires(a)[1]).toBe(1);
    expect(fires(b)[2]).toBe(1);
  });
});

describe('Status: imported stats (options.stats)', () => {
  const imported: Partial<Stats> = {
    fires: 5,
    failures: 2,
    successes: 3,
    rejects: 1,
    cacheHits: 4,
    latencyTimes: [30, 10, 20],
    latencyMean: 999,
    percentiles: { 0.5: 999 },
  };

  it('starts the current bucket with the imported counts and latencies', () => {
    const { status } = make({ stats: imported });
    const stats = status.stats;
    expect(stats.fires).toBe(5);
    expect(stats.failures).toBe(2);
    expect(stats.successes).toBe(3);
    expect(stats.rejects).toBe(1);
    expect(stats.cacheHits).toBe(4);
    expect(stats.timeouts).toBe(0);
    expect(stats.latencyTimes).toEqual([10, 20, 30]);
    expect(stats.latencyMean).toBe(20); // recomputed, not imported
    expect(stats.percentiles[0.5]).toBe(20);
    expect(status.window[0].fires).toBe(5);
    expect(status.window[1].fires).toBe(0);
    expect(status.totalFires).toBe(5);
    expect(status.totalFailures).toBe(2);
    expect(status.totalSuccesses).toBe(3);
  });

  it('adds new counts on top of the imported ones', () => {
    const { status } = make({ stats: imported });
    status.increment('fires');
    status.increment('successes', 40);
    expect(status.stats.fires).toBe(6);
    expect(status.stats.latencyTimes).toEqual([10, 20, 30, 40]);
    expect(status.totalFires).toBe(6);
    expect(status.totalSuccesses).toBe(4);
  });

  it('ages out with the first bucket, by time', () => {
    const { status, clock } = make({ stats: imported });
    clock.advance(WINDOW_MS - 1);
    expect(status.stats.fires).toBe(5);
    expect(status.window[9].fires).toBe(5);
    clock.advance(1);
    expect(status.stats.fires).toBe(0);
    expect(status.stats.latencyTimes).toEqual([]);
    status.advance(clock.now());
    expect(status.totalFires).toBe(0);
    expect(status.totalFailures).toBe(0);
    expect(status.totalSuccesses).toBe(0);
  });

  it('ages out with the first bucket, by controller rotations', () => {
    const controller = new EventEmitter();
    const { status } = make({ stats: imported, rotateBucketController: controller });
    for (let i = 0; i < 9; i++) controller.emit('rotate');
    expect(status.stats.fires).toBe(5);
    controller.emit('rotate');
    expect(status.stats.fires).toBe(0);
    expect(status.totalFires).toBe(0);
  });

  it('gives the same stats as opossum for the same import', () => {
    const ours = make({ stats: imported, rotateBucketController: new EventEmitter() }).status;
    const theirs = opossumStatus({ stats: imported, rotateBucketController: new EventEmitter() });
    expect(ours.stats).toEqual(theirs.stats);
  });
});

describe('Status: rollingPercentilesEnabled: false', () => {
  it('reports latencyMean -1, every percentile -1 and no latencyTimes', () => {
    const { status, clock } = make({ rollingPercentilesEnabled: false });
    status.increment('successes', 10);
    status.increment('failures', 20);
    status.recordSuccess(clock.now(), 30, false);
    status.recordFailure(clock.now(), 40);
    status.count('timeouts', clock.now(), 50);
    const stats = status.stats;
    expect(stats.latencyMean).toBe(-1);
    expect(stats.percentiles).toEqual(Object.fromEntries(PERCENTILES.map((p) => [String(p), -1])));
    expect(stats.latencyTimes).toEqual([]);
    expect(stats.successes).toBe(2);
    expect(stats.failures).toBe(2);
    expect(stats.timeouts).toBe(1);
    expect(Object.keys(stats)).toEqual(STATS_KEYS);
  });

  it('matches opossum with percentiles disabled (increment still keeps bucket latencies)', () => {
    const controller = new EventEmitter();
    const ours = make({ rollingPercentilesEnabled: false, rotateBucketController: new EventEmitter() }).status;
    const theirs = OpossumBreaker.newStatus({
      rollingCountBuckets: 10,
      rollingCountTimeout: WINDOW_MS,
      enableSnapshots: false,
      rollingPercentilesEnabled: false,
      rotateBucketController: controller,
    } as never) as unknown as OpossumStatus;
    for (const s of [ours, theirs]) {
      s.increment('successes', 10);
      s.increment('timeouts', 3);
    }
    expect(ours.stats).toEqual(theirs.stats);
    expect(ours.window[0].latencyTimes).toEqual([...theirs.window[0].latencyTimes].sort((a, b) => a - b));
  });

  it('can be switched on at run time, like opossum’s public field', () => {
    const { status } = make({ rollingPercentilesEnabled: false });
    status.increment('successes', 10);
    status.rollingPercentilesEnabled = true;
    expect(status.stats.latencyMean).toBe(10);
    expect(status.stats.percentiles[1]).toBe(10);
  });
});

describe('Status: percentiles', () => {
  it('uses arr[ceil(p*n)-1] || 0, and arr[0] || 0 for p = 0, over the sorted latencies', () => {
    const { status } = make();
    for (const latency of [40, 10, 30, 20]) status.increment('successes', latency);
    const stats = status.stats;
    expect(stats.latencyTimes).toEqual([10, 20, 30, 40]);
    expect(stats.latencyMean).toBe(25);
    expect(stats.percentiles).toEqual({ 0: 10, 0.25: 10, 0.5: 20, 0.75: 30, 0.9: 40, 0.95: 40, 0.99: 40, 0.995: 40, 1: 40 });
  });
});

describe('Status: snapshots', () => {
  it('arms no timer while nobody listens for snapshots', () => {
    const { status, clock } = make();
    status.increment('fires');
    status.on('other', () => undefined);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10 * WINDOW_MS);
    void status.stats;
    expect(clock.pendingTimers).toBe(0);
  });

  it('emits the stats every bucket interval while someone listens', () => {
    const { status, clock } = make();
    status.increment('fires');
    const seen: Array<{ at: number; stats: Stats }> = [];
    status.on('snapshot', (stats: Stats) => seen.push({ at: clock.now(), stats }));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(BUCKET_MS - 1);
    expect(seen).toHaveLength(0);
    clock.advance(1);
    expect(seen.map((s) => s.at)).toEqual([T0 + 100]);
    expect(seen[0].stats).toEqual(status.stats);
    expect(Object.keys(seen[0].stats)).toEqual(STATS_KEYS);
    clock.advance(WINDOW_MS - BUCKET_MS);
    expect(seen.map((s) => s.at)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => T0 + i * BUCKET_MS));
    // The fire at T0 is in every snapshot until its bucket leaves the window at T0 + 1,000.
    expect(seen.map((s) => s.stats.fires)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(new Set(seen.map((s) => s.stats)).size).toBe(seen.length);
    expect(clock.pendingTimers).toBe(1);
  });

  it('keeps one timer however many listeners there are', () => {
    const { status, clock } = make();
    let a = 0;
    let b = 0;
    status.on('snapshot', () => a++);
    status.on('snapshot', () => b++);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(3 * BUCKET_MS);
    expect([a, b]).toEqual([3, 3]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('stops the chain once the last listener is gone', () => {
    const { status, clock } = make();
    let n = 0;
    const listener = (): void => {
      n++;
    };
    status.on('snapshot', listener);
    clock.advance(2 * BUCKET_MS);
    expect(n).toBe(2);
    status.off('snapshot', listener);
    clock.advance(BUCKET_MS);
    expect(n).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10 * WINDOW_MS);
    expect(n).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    // A new listener starts it again.
    status.on('snapshot', listener);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(BUCKET_MS);
    expect(n).toBe(3);
  });

  it('a once() listener gets one snapshot, then the chain stops', () => {
    const { status, clock } = make();
    let n = 0;
    status.once('snapshot', () => n++);
    clock.advance(5 * BUCKET_MS);
    expect(n).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a listener re-added before the stale timer fires keeps a single timer', () => {
    const { status, clock } = make();
    let n = 0;
    const listener = (): void => {
      n++;
    };
    status.on('snapshot', listener);
    clock.advance(BUCKET_MS / 2);
    status.off('snapshot', listener);
    status.on('snapshot', listener);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(BUCKET_MS / 2);
    expect(n).toBe(1);
    clock.advance(BUCKET_MS);
    expect(n).toBe(2);
    expect(clock.pendingTimers).toBe(1);
  });

  it('emits nothing and arms nothing with enableSnapshots: false', () => {
    const { status, clock } = make({ enableSnapshots: false });
    let n = 0;
    status.on('snapshot', () => n++);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10 * WINDOW_MS);
    expect(n).toBe(0);
  });

  it('a listener that shuts the status down ends the chain', () => {
    const { status, clock } = make();
    let n = 0;
    status.on('snapshot', () => {
      n++;
      status.shutdown();
    });
    clock.advance(5 * BUCKET_MS);
    expect(n).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('Status: shutdown()', () => {
  it('stops snapshots at once and removes every listener', () => {
    const { status, clock } = make();
    let n = 0;
    status.on('snapshot', () => n++);
    status.on('other', () => n++);
    clock.advance(BUCKET_MS);
    expect(n).toBe(1);
    status.shutdown();
    expect(clock.pendingTimers).toBe(0);
    expect(status.listenerCount('snapshot')).toBe(0);
    expect(status.listenerCount('other')).toBe(0);
    // Adding a listener afterwards arms nothing.
    status.on('snapshot', () => n++);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(10 * WINDOW_MS);
    expect(n).toBe(1);
  });

  it('freezes the window: time no longer rotates it', () => {
    const { status, clock } = make();
    status.increment('fires');
    clock.advance(BUCKET_MS);
    status.increment('fires');
    status.increment('fires');
    const before = status.window;
    const statsBefore = status.stats;
    status.shutdown();
    clock.advance(100 * WINDOW_MS);
    expect(status.window).toEqual(before);
    expect(status.stats).toEqual(statsBefore);
    expect(status.stats.fires).toBe(3);
    status.advance(clock.now());
    expect(status.totalFires).toBe(3);
  });

  it('freezes the window as it stands at shutdown time, even if nothing read it since', () => {
    const { status, clock } = make();
    status.increment('fires');
    clock.advance(2 * BUCKET_MS + 50); // opossum's interval would have rotated twice by now
    status.shutdown();
    expect(fires(status).slice(0, 3)).toEqual([0, 0, 1]);
    const late = make();
    late.status.increment('fires');
    late.clock.advance(2 * WINDOW_MS);
    late.status.shutdown();
    expect(late.status.stats.fires).toBe(0);
    late.status.advance(late.clock.now());
    expect(late.status.totalFires).toBe(0);
  });

  it('stops listening to the rotate controller, and rotateBucket() no longer rotates', () => {
    const controller = new EventEmitter();
    const { status } = make({ rotateBucketController: controller });
    status.increment('fires');
    status.shutdown();
    expect(controller.listenerCount('rotate')).toBe(0);
    controller.emit('rotate');
    status.rotateBucket();
    expect(fires(status)[0]).toBe(1);
  });

  it('can be called twice', () => {
    const { status, clock } = make();
    status.on('snapshot', () => undefined);
    status.shutdown();
    expect(() => status.shutdown()).not.toThrow();
    expect(clock.pendingTimers).toBe(0);
  });
});
