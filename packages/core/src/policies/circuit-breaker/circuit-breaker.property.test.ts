import fc from 'fast-check';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { CircuitBreaker } from './circuit-breaker.js';

type Command =
  | { kind: 'call'; via: 'fire' | 'execute' }
  | { kind: 'settle'; pick: number; ok: boolean; latency: number }
  | { kind: 'abort'; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'open' }
  | { kind: 'close' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('call' as const), via: fc.constantFrom('fire' as const, 'execute' as const) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), ok: fc.boolean(), latency: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'open' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
);

interface Pending {
  resolve: (v: string) => void;
  reject: (e: unknown) => void;
  controller: AbortController | undefined;
  /** The half-open episode this call was admitted in as a trial, or 0. */
  trialEpisode: number;
  /** The call's promise has settled. */
  done: boolean;
}

const COUNTED = ['fires', 'successes', 'failures', 'rejects', 'timeouts', 'fallbacks'] as const;
type Counted = (typeof COUNTED)[number];
const EVENT_OF: Record<string, Counted> = {
  fire: 'fires',
  success: 'successes',
  failure: 'failures',
  reject: 'rejects',
  timeout: 'timeouts',
  fallback: 'fallbacks',
};

/** opossum's percentile rule over a sorted array. */
function percentile(sorted: number[], p: number): number {
  if (p === 0) return sorted[0] || 0;
  return sorted[Math.ceil(p * sorted.length) - 1] || 0;
}

describe('CircuitBreaker under random interleavings (property)', () => {
  it('never admits more half-open trials than allowed, and stats equal a naive recount of the events', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { minLength: 1, maxLength: 60 }),
        fc.record({
          halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
          timeout: fc.constantFrom(false as const, 25, 150),
          volumeThreshold: fc.integer({ min: 0, max: 4 }),
          errorThresholdPercentage: fc.integer({ min: 0, max: 100 }),
          withFallback: fc.boolean(),
        }),
        async (commands, config) => {
          const origin = 10_000;
          const clock = new ManualClock(origin);
          const bucketMs = 100;
          const buckets = 5;
          // One action for fire() and execute(): it registers its resolvers so the test settles it.
          let created: Pending | undefined;
          const newPending = (): Promise<string> =>
            new Promise<string>((resolve, reject) => {
              created = { resolve, reject, controller: undefined, trialEpisode: 0, done: false };
            });
          const breaker = new CircuitBreaker((_n: number) => newPending(), {
            clock,
            timeout: config.timeout,
            resetTimeout: 200,
            rollingCountTimeout: bucketMs * buckets,
            rollingCountBuckets: buckets,
            halfOpenMaxCalls: config.halfOpenMaxCalls,
            volumeThreshold: config.volumeThreshold,
            errorThresholdPercentage: config.errorThresholdPercentage,
          });
          if (config.withFallback) breaker.fallback(() => 'fb');

          // Every counted event, with the time it happened (and the latency where there is one).
          const log: Array<{ counter: Counted; at: number; latency?: number }> = [];
          for (const [event, counter] of Object.entries(EVENT_OF)) {
            breaker.on(event, (...args: unknown[]) => {
              const latency = event === 'success' || event === 'failure' || event === 'timeout' ? (args[1] as number) : undefined;
              log.push({ counter, at: clock.now(), latency });
            });
          }
          // Half-open trial accounting, per half-open episode. A trial its caller aborts while it
          // is still pending gives its place back, so it no longer counts as admitted.
          let admittedThisEpisode = 0;
          let episode = 0;
          breaker.on('halfOpen', () => {
            admittedThisEpisode = 0;
            episode++;
          });

          const pending: Pending[] = [];
          const settled: Array<Promise<unknown>> = [];
          let rejectsSeen = 0;
          breaker.on('reject', () => rejectsSeen++);

          for (const c of commands) {
            switch (c.kind) {
              case 'call': {
                const wasHalfOpen = breaker.halfOpen;
                const before = rejectsSeen;
                created = undefined;
                let promise: Promise<unknown>;
                let controller: AbortController | undefined;
                if (c.via === 'fire') {
                  promise = breaker.fire(0);
                } else {
                  controller = new AbortController();
                  promise = breaker.execute(newPending, { signal: controller.signal });
                }
                const entry = created as Pending | undefined;
                const markDone = (): void => {
                  if (entry !== undefined) entry.done = true;
                };
                settled.push(promise.then(markDone, markDone));
                const admittedAsTrial = wasHalfOpen && rejectsSeen === before;
                if (entry !== undefined) {
                  entry.controller = controller;
                  entry.trialEpisode = admittedAsTrial ? episode : 0;
                  pending.push(entry);
                }
                if (admittedAsTrial) {
                  admittedThisEpisode++;
                  if (admittedThisEpisode > config.halfOpenMaxCalls) return false;
                }
                break;
              }
              case 'settle': {
                if (pending.length === 0) break;
                const [p] = pending.splice(c.pick % pending.length, 1);
                clock.advance(c.latency);
                if (c.ok) p.resolve('v');
                else p.reject(new Error('x'));
                await flushPromises();
                break;
              }
              case 'abort': {
                if (pending.length === 0) break;
                const p = pending[c.pick % pending.length];
                if (p.controller && !p.done && p.trialEpisode === episode && breaker.halfOpen) admittedThisEpisode--;
                p.controller?.abort(new Error('caller'));
                await flushPromises();
                break;
              }
              case 'advance':
                await clock.advanceAsync(c.ms);
                break;
              case 'open':
                breaker.open();
                break;
              case 'close':
                breaker.close();
                break;
            }
          }

          // Naive recount: an event at time t is in the window at `now` if its bucket index is
          // within the last `buckets` indexes (buckets start at the breaker's creation time).
          const now = clock.now();
          const index = (t: number): number => Math.floor((t - origin) / bucketMs);
          const inWindow = log.filter((e) => index(e.at) > index(now) - buckets);
          const stats = breaker.stats;
          for (const counter of COUNTED) {
            const expected = inWindow.filter((e) => e.counter === counter).length;
            if (stats[counter] !== expected) throw new Error(`${counter}: stats ${stats[counter]}, recount ${expected}`);
          }
          const latencies = inWindow
            .filter((e) => e.latency !== undefined)
            .map((e) => e.latency as number)
            .sort((a, b) => a - b);
          expect(stats.latencyTimes).toEqual(latencies);
          const mean = latencies.length === 0 ? 0 : latencies.reduce((a, b) => a + b, 0) / latencies.length;
          expect(stats.latencyMean).toBeCloseTo(mean, 9);
          for (const p of [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 1]) expect(stats.percentiles[p]).toBe(percentile(latencies, p));

          // Clean up: settle everything so no promise is left dangling.
          for (const p of pending) p.resolve('end');
          breaker.shutdown();
          await clock.advanceAsync(1000);
          await Promise.all(settled);
          return true;
        },
      ),
      { numRuns: 400 },
    );
  });
});
