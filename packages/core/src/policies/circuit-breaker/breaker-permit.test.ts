import { isCircuitOpenError } from '../../errors/circuit-open-error.js';
import { CircuitShutdownError } from '../../errors/circuit-shutdown-error.js';
import { SemaphoreLockedError } from '../../errors/semaphore-locked-error.js';
import { ManualClock } from '../../testing/manual-clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions } from './options.js';

const boom = new Error('boom');

function breakerWith(options: CircuitBreakerOptions = {}): { breaker: CircuitBreaker; clock: ManualClock; events: unknown[][] } {
  const clock = new ManualClock(0);
  const breaker = new CircuitBreaker(() => Promise.resolve('unused'), { timeout: false, ...options, clock });
  const events: unknown[][] = [];
  for (const name of ['fire', 'success', 'failure', 'reject', 'semaphoreLocked', 'open', 'halfOpen', 'close'] as const) {
    breaker.on(name, (...args: unknown[]) => events.push([name, ...args]));
  }
  return { breaker, clock, events };
}

/** Opens `breaker` with one failed permit (volumeThreshold 1, any failure rate above 0 %). */
function openWithOneFailure(breaker: CircuitBreaker): void {
  breaker.acquirePermit().fail(boom);
  expect(breaker.opened).toBe(true);
}

describe('CircuitBreaker.acquirePermit', () => {
  it('admits a call that succeed() counts as a success, with the latency on the breaker clock', () => {
    const { breaker, clock, events } = breakerWith();
    const permit = breaker.acquirePermit();
    expect(permit.startedAt).toBe(0);
    expect(breaker.metrics()).toMatchObject({ fires: 1, inFlight: 1 });
    clock.advance(25);
    permit.succeed();
    expect(permit.done).toBe(true);
    expect(events).toEqual([
      ['fire', []],
      ['success', undefined, 25],
    ]);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 1, failures: 0 });
    expect(breaker.stats.latencyTimes).toEqual([25]);
    expect(breaker.metrics()).toMatchObject({ successes: 1, inFlight: 0 });
  });

  it('counts fail(error) as a failure that can open the breaker, without a fallback', () => {
    const { breaker, clock, events } = breakerWith({ volumeThreshold: 2, errorThresholdPercentage: 50 });
    let fallbacks = 0;
    breaker.fallback(() => fallbacks++);
    breaker.acquirePermit().succeed();
    const permit = breaker.acquirePermit();
    clock.advance(5);
    permit.fail(boom);
    expect(breaker.closed).toBe(true); // 1 failure in 2: not above 50 %
    breaker.acquirePermit().fail(boom);
    expect(breaker.opened).toBe(true);
    expect(events.filter(([name]) => name === 'failure')[0]).toEqual(['failure', boom, 5, []]);
    expect(breaker.stats).toMatchObject({ fires: 3, successes: 1, failures: 2, fallbacks: 0 });
    expect(fallbacks).toBe(0);
  });

  it('puts fail(error) through errorFilter: a filtered error counts as a success', () => {
    const { breaker } = breakerWith({ errorFilter: (error: unknown) => error === boom });
    breaker.acquirePermit().fail(boom);
    breaker.acquirePermit().fail(new Error('other'));
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 1 });
  });

  it('counts release() as neither success nor failure', () => {
    const { breaker, events } = breakerWith();
    const permit = breaker.acquirePermit();
    permit.release();
    expect(events).toEqual([['fire', []]]);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 0, failures: 0 });
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('counts only the first outcome reported', () => {
    const { breaker } = breakerWith();
    const permit = breaker.acquirePermit();
    permit.succeed();
    permit.fail(boom);
    permit.release();
    permit.succeed();
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 1, failures: 0 });
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('throws a CircuitOpenError with retryAfterMs when open, counted as a rejection', () => {
    const { breaker, clock, events } = breakerWith({ volumeThreshold: 1, resetTimeout: 1000 });
    openWithOneFailure(breaker);
    clock.advance(400);
    let thrown: unknown;
    try {
      breaker.acquirePermit();
    } catch (error) {
      thrown = error;
    }
    expect(isCircuitOpenError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ retryAfterMs: 600 });
    expect(events.at(-1)).toEqual(['reject', thrown]);
    expect(breaker.stats).toMatchObject({ fires: 2, rejects: 1 });
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('admits halfOpenMaxCalls trials in half-open; a released trial gives its place back', () => {
    const { breaker, clock } = breakerWith({ volumeThreshold: 1, resetTimeout: 10, halfOpenMaxCalls: 2 });
    openWithOneFailure(breaker);
    clock.advance(10);
    expect(breaker.halfOpen).toBe(true);
    const first = breaker.acquirePermit();
    const second = breaker.acquirePermit();
    expect(() => breaker.acquirePermit()).toThrow(expect.objectContaining({ code: 'EOPENBREAKER' }));
    second.release();
    const third = breaker.acquirePermit();
    first.succeed();
    expect(breaker.halfOpen).toBe(true); // one trial success of two needed
    third.succeed();
    expect(breaker.closed).toBe(true);
  });

  it('reopens on a failed trial, and a trial of an earlier half-open episode gives back nothing', () => {
    const { breaker, clock } = breakerWith({ volumeThreshold: 1, resetTimeout: 10, halfOpenMaxCalls: 2 });
    openWithOneFailure(breaker);
    clock.advance(10);
    const stale = breaker.acquirePermit();
    breaker.acquirePermit().fail(boom);
    expect(breaker.opened).toBe(true);
    clock.advance(10);
    expect(breaker.halfOpen).toBe(true);
    breaker.acquirePermit();
    breaker.acquirePermit();
    stale.release(); // from the first episode: the second episode's places stay taken
    expect(() => breaker.acquirePermit()).toThrow(expect.objectContaining({ code: 'EOPENBREAKER' }));
  });

  it('throws SemaphoreLockedError past capacity, counted as execute() counts it', () => {
    const { breaker, events } = breakerWith({ capacity: 1 });
    const held = breaker.acquirePermit();
    expect(() => breaker.acquirePermit()).toThrow(SemaphoreLockedError);
    expect(events.some(([name]) => name === 'semaphoreLocked')).toBe(true);
    expect(breaker.stats).toMatchObject({ fires: 2, semaphoreRejections: 1, failures: 1 });
    held.release();
    expect(() => breaker.acquirePermit().succeed()).not.toThrow();
  });

  it('admits everything and counts no outcome while disabled', () => {
    const { breaker } = breakerWith({ volumeThreshold: 1 });
    breaker.disable();
    const permit = breaker.acquirePermit();
    permit.fail(boom);
    expect(breaker.closed).toBe(true);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 0, failures: 0 });
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('throws CircuitShutdownError after shutdown, counting nothing', () => {
    const { breaker } = breakerWith();
    breaker.shutdown();
    expect(() => breaker.acquirePermit()).toThrow(CircuitShutdownError);
    expect(breaker.metrics().fires).toBe(0);
  });

  it('turns a throwing success listener into a failure, as execute() does', () => {
    const { breaker } = breakerWith();
    breaker.on('success', () => {
      throw new Error('listener');
    });
    expect(() => breaker.acquirePermit().succeed()).not.toThrow();
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 1 });
  });

  it('counts a success slower than slowCallDurationMs as slow', () => {
    const { breaker, clock } = breakerWith({ slowCallDurationMs: 10, slowCallThresholdPercentage: 50, volumeThreshold: 1 });
    const permit = breaker.acquirePermit();
    clock.advance(11);
    permit.succeed();
    expect(breaker.metrics().slowCalls).toBe(1);
    expect(breaker.opened).toBe(true);
  });
});
