// Property tests of Status: percentiles against a naive sorted array, every answer against
// opossum's own Status (driven through a rotateBucketController, so it arms no timer), and the
// running totals against a recount and a naive model. The example tests are in status.test.ts.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
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
const PERCENTILES = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1];

function make(options: StatusOptions = {}): { status: Status; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const status = new Status({ rollingCountTimeout: WINDOW_MS, rollingCountBuckets: 10, clock, ...options });
  return { status, clock };
}

/** opossum's calculatePercentile (status.js) on a sorted array. */
function naivePercentile(sorted: number[], p: number): number {
  if (p === 0) return sorted[0] || 0;
  return sorted[Math.ceil(p * sorted.length) - 1] || 0;
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

describe('Status: percentiles (property)', () => {
  it('agree with a naive sorted array over every bucket still in the window', () => {
    const latency = fc.oneof(fc.integer({ min: 0, max: 1023 }), fc.integer({ min: -5, max: 100_000 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constantFrom('successes' as const, 'failures' as const, 'timeouts' as const), latency }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const { status, clock } = make();
        const recorded: Array<{ at: number; latency: number }> = [];
        for (const o of ops) {
          if (o.kind === 'advance') clock.advance(o.ms);
          else {
            status.increment(o.kind, o.latency);
            recorded.push({ at: clock.now(), latency: o.latency });
          }
        }
        const bucketOf = (t: number): number => Math.floor((t - T0) / BUCKET_MS);
        const current = bucketOf(clock.now());
        const sorted = recorded
          .filter((r) => current - bucketOf(r.at) < 10)
          .map((r) => r.latency)
          .sort((a, b) => a - b);
        const stats = status.stats;
        expect(stats.latencyTimes).toEqual(sorted);
        for (const p of PERCENTILES) expect(stats.percentiles[p]).toBe(naivePercentile(sorted, p));
        const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
        expect(stats.latencyMean).toBeCloseTo(mean, 9);
      }),
    );
  });
});

describe('Status: the same answers as opossum’s Status', () => {
  type Op =
    | { kind: 'increment'; counter: CounterName; latency: number | undefined }
    | { kind: 'rotate' }
    | { kind: 'open' }
    | { kind: 'close' };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('increment' as const),
        counter: fc.constantFrom(...COUNTERS),
        latency: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
      }),
    },
    { weight: 2, arbitrary: fc.constant({ kind: 'rotate' as const }) },
    { weight: 1, arbitrary: fc.constantFrom({ kind: 'open' as const }, { kind: 'close' as const }) },
  );

  it('for any sequence of increments, rotations, open() and close()', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 100 }), (ops) => {
        const ourController = new EventEmitter();
        const theirController = new EventEmitter();
        const ours = make({ rotateBucketController: ourController }).status;
        const theirs = opossumStatus({ rotateBucketController: theirController });
        for (const op of ops) {
          if (op.kind === 'increment') {
            ours.increment(op.counter, op.latency);
            theirs.increment(op.counter, op.latency);
          } else if (op.kind === 'rotate') {
            ourController.emit('rotate');
            theirController.emit('rotate');
          } else {
            ours[op.kind]();
            theirs[op.kind]();
          }
        }
        const stats = ours.stats;
        expect(stats).toEqual(theirs.stats);
        expect(Object.keys(stats)).toEqual(Object.keys(theirs.stats));
        // opossum keeps a bucket's latencies in arrival order; ours reports them sorted.
        const theirWindow = theirs.window.map((b) => ({ ...b, latencyTimes: [...b.latencyTimes].sort((x, y) => x - y) }));
        expect(ours.window).toEqual(theirWindow);
        theirs.shutdown();
      }),
      { numRuns: 200 },
    );
  });
});

describe('Status: running totals', () => {
  type Op =
    | { kind: 'increment'; counter: CounterName }
    | { kind: 'fire' }
    | { kind: 'success'; slow: boolean }
    | { kind: 'failure' }
    | { kind: 'count'; counter: 'timeouts' | 'rejects' | 'cacheHits' | 'semaphoreRejections' }
    | { kind: 'advance'; ms: number }
    | { kind: 'rotate' };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('increment' as const), counter: fc.constantFrom(...COUNTERS) }),
    fc.constant({ kind: 'fire' as const }),
    fc.record({ kind: fc.constant('success' as const), slow: fc.boolean() }),
    fc.constant({ kind: 'failure' as const }),
    fc.record({
      kind: fc.constant('count' as const),
      counter: fc.constantFrom('timeouts' as const, 'rejects' as const, 'cacheHits' as const, 'semaphoreRejections' as const),
    }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 0, max: 3_000 })) }),
    fc.constant({ kind: 'rotate' as const }),
  );

  it('stay equal to a recount over the window (and a naive model) after any sequence', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(opArb, { maxLength: 150 }), (withController, ops) => {
        const controller = withController ? new EventEmitter() : undefined;
        const { status, clock } = make({ rotateBucketController: controller });
        // The model: every event with the index of the bucket it landed in.
        let rotations = 0;
        const bucketIndex = (): number => (controller ? rotations : Math.floor((clock.now() - T0) / BUCKET_MS));
        const events: Array<{ counter: CounterName | 'slowCalls'; bucket: number }> = [];
        const log = (counter: CounterName | 'slowCalls'): void => {
          events.push({ counter, bucket: bucketIndex() });
        };
        for (const op of ops) {
          const now = clock.now();
          switch (op.kind) {
            case 'increment':
              status.increment(op.counter, 1);
              log(op.counter);
              break;
            case 'fire':
              status.recordFire(now);
              log('fires');
              break;
            case 'success':
              status.recordSuccess(now, 1, op.slow);
              log('successes');
              if (op.slow) log('slowCalls');
              break;
            case 'failure':
              status.recordFailure(now, 1);
              log('failures');
              break;
            case 'count':
              status.count(op.counter, now, 1);
              log(op.counter);
              break;
            case 'advance':
              clock.advance(op.ms);
              break;
            case 'rotate':
              // Without a controller, a manual rotateBucket() call shifts the model's grid too;
              // keep the model simple by only rotating through the controller.
              if (controller) {
                controller.emit('rotate');
                rotations++;
              }
              break;
          }
          status.advance(clock.now());
          const current = bucketIndex();
          const inWindow = (counter: string): number =>
            events.filter((e) => e.counter === counter && current - e.bucket < 10).length;
          expect(status.totalFires).toBe(inWindow('fires'));
          expect(status.totalFailures).toBe(inWindow('failures'));
          expect(status.totalSuccesses).toBe(inWindow('successes'));
          expect(status.totalSlowCalls).toBe(inWindow('slowCalls'));
        }
        const window = status.window;
        const recount = (key: CounterName): number => window.reduce((n, b) => n + b[key], 0);
        expect(status.totalFires).toBe(recount('fires'));
        expect(status.totalFailures).toBe(recount('failures'));
        expect(status.totalSuccesses).toBe(recount('successes'));
        // Bucket by bucket, newest first.
        const current = bucketIndex();
        window.forEach((bucket, age) => {
          for (const key of COUNTERS) {
            expect(bucket[key]).toBe(events.filter((e) => e.counter === key && e.bucket === current - age).length);
          }
        });
      }),
      { numRuns: 200 },
    );
  });
});
