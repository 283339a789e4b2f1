import { trackAbortListeners } from '../../testing/abort-listeners.js';
import { deferred } from '../../testing/deferred.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions } from './options.js';

const boom = new Error('boom');

function breakerWith(options: CircuitBreakerOptions<[boolean?]> = {}): { breaker: CircuitBreaker<[boolean?], string>; clock: ManualClock } {
  const clock = new ManualClock(0);
  const breaker = new CircuitBreaker(
    async (shouldFail?: boolean): Promise<string> => {
      if (shouldFail) throw boom;
      return 'ok';
    },
    { timeout: false, ...options, clock },
  );
  return { breaker, clock };
}

const swallow = (): undefined => undefined;

const countListeners = trackAbortListeners;

describe('execute (the Policy interface)', () => {
  it('runs fn with { signal, attempt } and counts like fire()', async () => {
    const { breaker } = breakerWith();
    const seen: unknown[] = [];
    const result = await breaker.execute(({ signal, attempt }) => {
      seen.push(signal instanceof AbortSignal, signal.aborted, attempt);
      return 42;
    });
    expect(result).toBe(42);
    expect(seen).toEqual([true, false, 1]);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 1 });
    await breaker.execute(({ attempt }) => seen.push(attempt), { attempt: 3 });
    expect(seen.at(-1)).toBe(3);
  });

  it('rejects at once, without calling fn or counting, when the signal is already aborted', async () => {
    const { breaker } = breakerWith();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let called = false;
    await expect(breaker.execute(() => (called = true), { signal: controller.signal })).rejects.toThrow('gone');
    expect(called).toBe(false);
    expect(breaker.stats.fires).toBe(0);
  });

  it('a caller abort rejects at once with the reason, aborts fn’s signal, counts no failure, leaves no listener', async () => {
    const { breaker } = breakerWith({ timeout: 1000 });
    const controller = new AbortController();
    const signal = controller.signal;
    const listeners = countListeners(signal);
    let inner: AbortSignal | undefined;
    const promise = breaker.execute(({ signal: s }) => {
      inner = s;
      return new Promise(() => undefined);
    }, { signal });
    controller.abort(new Error('caller gave up'));
    await expect(promise).rejects.toThrow('caller gave up');
    expect(inner!.aborted).toBe(true);
    expect(breaker.stats).toMatchObject({ fires: 1, failures: 0, successes: 0 });
    expect(breaker.metrics().inFlight).toBe(0);
    expect(breaker.semaphore.count).toBe(Number.MAX_SAFE_INTEGER);
    expect(listeners.added).toBe(1);
    expect(listeners.removed).toBe(1);
  });

  it('removes its abort listener when the call settles normally', async () => {
    const { breaker } = breakerWith();
    const signal = new AbortController().signal;
    const listeners = countListeners(signal);
    await breaker.execute(() => 'x', { signal });
    await breaker.execute(() => Promise.reject(boom), { signal }).catch(swallow);
    expect(listeners.added).toBe(2);
    expect(listeners.removed).toBe(2);
  });

  it('the breaker’s timeout aborts fn’s signal with the TimeoutError and rejects', async () => {
    const { breaker, clock } = breakerWith({ timeout: 50, errorThresholdPercentage: 100 });
    let inner: AbortSignal | undefined;
    const promise = breaker.execute(({ signal }) => {
      inner = signal;
      return new Promise(() => undefined);
    });
    clock.advance(50);
    await expect(promise).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(inner!.aborted).toBe(true);
    expect((inner!.reason as { code: string }).code).toBe('ETIMEDOUT');
    expect(breaker.stats).toMatchObject({ timeouts: 1, failures: 1 });
  });

  it('ignores the fallback, cache and coalescing', async () => {
    const { breaker } = breakerWith({ cache: true, coalesce: true });
    breaker.fallback(() => 'fallback');
    let n = 0;
    await expect(breaker.execute(() => ++n)).resolves.toBe(1);
    await expect(breaker.execute(() => ++n)).resolves.toBe(2);
    await expect(breaker.execute(() => Promise.reject(boom))).rejects.toBe(boom);
    breaker.open();
    await expect(breaker.execute(() => 1)).rejects.toMatchObject({ code: 'EOPENBREAKER' });
  });

  it('an aborted half-open trial gives its place back', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10 });
    breaker.open();
    clock.advance(10);
    const controller = new AbortController();
    const trial = breaker.execute(() => new Promise(() => undefined), { signal: controller.signal });
    expect(breaker.pendingClose).toBe(false);
    controller.abort();
    await trial.catch(swallow);
    expect(breaker.pendingClose).toBe(true);
    await breaker.execute(() => 'ok');
    expect(breaker.closed).toBe(true);
  });
});

describe('halfOpenMaxCalls', () => {
  it('admits that many trials and closes only when all succeed', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10, halfOpenMaxCalls: 3 });
    breaker.open();
    clock.advance(10);
    const gates = [deferred<string>(), deferred<string>(), deferred<string>()];
    const trials = gates.map((g) => breaker.execute(() => g.promise));
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    gates[0].resolve('a');
    gates[1].resolve('b');
    await Promise.all(trials.slice(0, 2));
    expect(breaker.halfOpen).toBe(true);
    gates[2].resolve('c');
    await trials[2];
    expect(breaker.closed).toBe(true);
  });

  it('reopens on the first failed trial', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10, halfOpenMaxCalls: 2 });
    breaker.open();
    clock.advance(10);
    await breaker.fire(false);
    expect(breaker.halfOpen).toBe(true);
    await breaker.fire(true).catch(swallow);
    expect(breaker.opened).toBe(true);
  });

  it('rejects a non-positive-integer value naming the option', () => {
    expect(() => breakerWith({ halfOpenMaxCalls: 0 })).toThrow(new RangeError('CircuitBreaker: options.halfOpenMaxCalls must be a positive integer, got 0'));
  });
});

describe('slidingWindow', () => {
  it('count: decides on the last N calls whatever their age', async () => {
    const { breaker, clock } = breakerWith({ slidingWindow: { kind: 'count', size: 4 }, errorThresholdPercentage: 50, volumeThreshold: 4 });
    await breaker.fire(true).catch(swallow);
    await breaker.fire(true).catch(swallow);
    clock.advance(60_000); // the time window would have forgotten them
    await breaker.fire(false);
    expect(breaker.closed).toBe(true); // only 3 calls recorded, volume 4
    await breaker.fire(true).catch(swallow);
    expect(breaker.opened).toBe(true); // 3 of 4 failed: 75% > 50%
  });

  it('count: old outcomes leave the window', async () => {
    const { breaker } = breakerWith({ slidingWindow: { kind: 'count', size: 2 }, errorThresholdPercentage: 50 });
    await breaker.fire(true).catch(swallow); // 1/1 failed: opens
    expect(breaker.opened).toBe(true);
    breaker.close();
    await breaker.fire(false);
    await breaker.fire(false);
    await breaker.fire(true).catch(swallow); // window [ok, fail]: 50% is not > 50%
    expect(breaker.closed).toBe(true);
  });

  it('consecutive: opens after N failures in a row; a success ends the streak', async () => {
    const { breaker } = breakerWith({ slidingWindow: { kind: 'consecutive', failures: 3 } });
    await breaker.fire(true).catch(swallow);
    await breaker.fire(true).catch(swallow);
    await breaker.fire(false);
    await breaker.fire(true).catch(swallow);
    await breaker.fire(true).catch(swallow);
    expect(breaker.closed).toBe(true);
    await breaker.fire(true).catch(swallow);
    expect(breaker.opened).toBe(true);
  });

  it('closing resets the decision window', async () => {
    const { breaker } = breakerWith({ slidingWindow: { kind: 'consecutive', failures: 2 } });
    await breaker.fire(true).catch(swallow);
    await breaker.fire(true).catch(swallow);
    breaker.close();
    await breaker.fire(true).catch(swallow);
    expect(breaker.closed).toBe(true);
  });

  it('validates kind and sizes', () => {
    expect(() => breakerWith({ slidingWindow: { kind: 'count', size: 0 } })).toThrow(/slidingWindow\.size must be a positive integer, got 0/);
    expect(() => breakerWith({ slidingWindow: { kind: 'consecutive', failures: 1.5 } })).toThrow(/slidingWindow\.failures/);
    expect(() => breakerWith({ slidingWindow: { kind: 'sliding' } as never })).toThrow(/kind must be 'time', 'count' or 'consecutive', got "sliding"/);
    expect(() => breakerWith({ slidingWindow: 3 as never })).toThrow(TypeError);
    expect(() => breakerWith({ slidingWindow: { kind: 'time' } })).not.toThrow();
  });
});

describe('slow calls', () => {
  function slowBreaker(options: CircuitBreakerOptions<[number]>): { breaker: CircuitBreaker<[number], string>; clock: ManualClock } {
    const clock = new ManualClock(0);
    const breaker = new CircuitBreaker(
      async (ms: number) => {
        clock.advance(ms);
        return 'done';
      },
      { timeout: false, ...options, clock },
    );
    return { breaker, clock };
  }

  it('opens when the slow-call percentage exceeds the threshold', async () => {
    const { breaker } = slowBreaker({ slowCallDurationMs: 100, slowCallThresholdPercentage: 50, volumeThreshold: 4 });
    await breaker.fire(10);
    await breaker.fire(150);
    await breaker.fire(10);
    expect(breaker.closed).toBe(true);
    await breaker.fire(150);
    expect(breaker.closed).toBe(true); // 2 of 4: 50% is not > 50%
    await breaker.fire(200);
    expect(breaker.opened).toBe(true); // 3 of 5
    expect(breaker.metrics().slowCalls).toBe(3);
  });

  it('a call exactly at the threshold is not slow', async () => {
    const { breaker } = slowBreaker({ slowCallDurationMs: 100, slowCallThresholdPercentage: 0 });
    await breaker.fire(100);
    expect(breaker.closed).toBe(true);
    await breaker.fire(101);
    expect(breaker.opened).toBe(true);
  });

  it('a slow trial reopens a half-open breaker', async () => {
    const { breaker, clock } = slowBreaker({ slowCallDurationMs: 100, resetTimeout: 10 });
    breaker.open();
    clock.advance(10);
    await breaker.fire(500);
    expect(breaker.opened).toBe(true);
  });

  it('counts slow calls in a count window and as failures in a consecutive window', async () => {
    const count = slowBreaker({ slowCallDurationMs: 100, slowCallThresholdPercentage: 50, slidingWindow: { kind: 'count', size: 2 } });
    await count.breaker.fire(500);
    expect(count.breaker.opened).toBe(true);
    const consecutive = slowBreaker({ slowCallDurationMs: 100, slidingWindow: { kind: 'consecutive', failures: 2 } });
    await consecutive.breaker.fire(500);
    await consecutive.breaker.fire(500);
    expect(consecutive.breaker.opened).toBe(true);
  });

  it('validates its options', () => {
    expect(() => slowBreaker({ slowCallDurationMs: -1 })).toThrow(/slowCallDurationMs must be a non-negative finite number, got -1/);
    expect(() => slowBreaker({ slowCallThresholdPercentage: 101 })).toThrow(/from 0 to 100, got 101/);
  });
});

describe('openBackoff', () => {
  it('multiplies the wait after each failed trial, caps it, and resets on close', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 100, openBackoff: { multiplier: 2, maxResetTimeout: 300 } });
    const waits: number[] = [];
    breaker.on('halfOpen', (ms) => waits.push(ms));
    breaker.open();
    for (let i = 0; i < 3; i++) {
      clock.advance(clock.nextDueAt()! - clock.now());
      await breaker.fire(true).catch(swallow);
    }
    clock.advance(clock.nextDueAt()! - clock.now());
    expect(waits).toEqual([100, 200, 300, 300]);
    await breaker.fire(false);
    expect(breaker.closed).toBe(true);
    breaker.open();
    expect(clock.nextDueAt()! - clock.now()).toBe(100);
  });

  it('full and equal jitter stay within their bounds, driven by the injected random', () => {
    for (const jitter of ['full', 'equal'] as const) {
      for (let seed = 0; seed < 50; seed++) {
        const clock = new ManualClock(0);
        const breaker = new CircuitBreaker(async () => 1, { clock, timeout: false, resetTimeout: 1000, random: seededRandom(seed), openBackoff: { maxResetTimeout: 5000, jitter } });
        breaker.open();
        const wait = clock.nextDueAt()!;
        if (jitter === 'full') expect(wait >= 0 && wait < 1000).toBe(true);
        else expect(wait >= 500 && wait < 1000).toBe(true);
      }
    }
    const a = new ManualClock(0);
    const b = new ManualClock(0);
    new CircuitBreaker(async () => 1, { clock: a, random: seededRandom(7), openBackoff: { maxResetTimeout: 5000, jitter: 'full' } }).open();
    new CircuitBreaker(async () => 1, { clock: b, random: seededRandom(7), openBackoff: { maxResetTimeout: 5000, jitter: 'full' } }).open();
    expect(a.nextDueAt()).toBe(b.nextDueAt());
  });

  it('validates its options', () => {
    expect(() => breakerWith({ openBackoff: { maxResetTimeout: -5 } })).toThrow(/maxResetTimeout must be a non-negative finite number, got -5/);
    expect(() => breakerWith({ openBackoff: { maxResetTimeout: 5, multiplier: 0.5 } })).toThrow(/multiplier must be a finite number >= 1, got 0.5/);
    expect(() => breakerWith({ openBackoff: { maxResetTimeout: 5, jitter: 'some' as never } })).toThrow(/jitter must be 'none', 'full' or 'equal', got "some"/);
    expect(() => breakerWith({ openBackoff: 'x' as never })).toThrow(TypeError);
  });
});

describe('isolate', () => {
  it('holds the breaker open with no trial until every handle is disposed', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10 });
    const events: string[] = [];
    breaker.on('open', () => events.push('open'));
    breaker.on('close', () => events.push('close'));
    const a = breaker.isolate();
    const b = breaker.isolate();
    expect(breaker.isolated).toBe(true);
    expect(breaker.state).toBe('isolated');
    clock.advance(1000);
    expect(breaker.opened).toBe(true);
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    a.dispose();
    a.dispose();
    expect(breaker.isolated).toBe(true);
    b.dispose();
    expect(breaker.closed).toBe(true);
    expect(events).toEqual(['open', 'close']);
  });

  it('close() ends isolation; a shut-down breaker cannot be isolated', () => {
    const { breaker } = breakerWith();
    const handle = breaker.isolate();
    breaker.close();
    expect(breaker.isolated).toBe(false);
    handle.dispose();
    expect(breaker.closed).toBe(true);
    breaker.shutdown();
    breaker.isolate().dispose();
    expect(breaker.state).toBe('shutdown');
  });
});

describe('metrics and state', () => {
  it('counts monotonically, unlike the rolling stats', async () => {
    const { breaker, clock } = breakerWith({ rollingCountTimeout: 1000, errorThresholdPercentage: 100 });
    await breaker.fire(false);
    await breaker.fire(true).catch(swallow);
    clock.advance(5000);
    expect(breaker.stats.fires).toBe(0);
    expect(breaker.metrics()).toEqual({
      state: 'closed',
      enabled: true,
      fires: 2,
      successes: 1,
      failures: 1,
      rejects: 0,
      timeouts: 0,
      fallbacks: 0,
      semaphoreRejections: 0,
      slowCalls: 0,
      failureRate: 0,
      inFlight: 0,
    });
  });

  it('reports the failure rate of the current window and calls in flight', async () => {
    const { breaker } = breakerWith({ errorThresholdPercentage: 100 });
    await breaker.fire(true).catch(swallow);
    await breaker.fire(false);
    const gate = deferred<string>();
    const pending = breaker.execute(() => gate.promise);
    expect(breaker.metrics()).toMatchObject({ failureRate: (1 / 3) * 100, inFlight: 1 });
    gate.resolve('x');
    await pending;
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('state names every state', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10 });
    expect(breaker.state).toBe('closed');
    breaker.open();
    expect(breaker.state).toBe('open');
    clock.advance(10);
    expect(breaker.state).toBe('halfOpen');
    breaker.shutdown();
    expect(breaker.state).toBe('shutdown');
    await flushPromises();
  });

  it('validates clock and random', () => {
    expect(() => new CircuitBreaker(async () => 1, { clock: { now: () => 1 } as never })).toThrow(/clock must have now\(\), setTimeout\(\) and clearTimeout\(\)/);
    expect(() => new CircuitBreaker(async () => 1, { random: 0.5 as never })).toThrow(/random must be a function/);
  });
});
