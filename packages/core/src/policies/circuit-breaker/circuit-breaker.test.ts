import { EventEmitter } from 'node:events';
import { jest } from '@jest/globals';
import { deferred } from '../../testing/deferred.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { circuitBreakerEvents } from './events.js';
import type { CircuitBreakerOptions } from './options.js';
import { Status } from './status.js';

const EVENTS = circuitBreakerEvents;

/** Records every event name, in order. */
function record(breaker: EventEmitter): string[] {
  const seen: string[] = [];
  for (const event of EVENTS) breaker.on(event, () => seen.push(event));
  return seen;
}

const boom = new Error('boom');
const ok = async (x?: unknown): Promise<unknown> => x ?? 'ok';
const fail = async (): Promise<never> => {
  throw boom;
};

function make<TI extends unknown[], TR>(
  action: (...args: TI) => TR | Promise<TR>,
  options: CircuitBreakerOptions<TI> = {},
): { breaker: CircuitBreaker<TI, TR>; clock: ManualClock } {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock(1_000_000);
  const breaker = new CircuitBreaker<TI, TR>(action as (...args: TI) => Promise<TR>, { ...options, clock });
  return { breaker, clock };
}

describe('CircuitBreaker construction (opossum semantics)', () => {
  it('writes the defaults into the caller’s options object and keeps it', () => {
    const options: CircuitBreakerOptions = { clock: new ManualClock() };
    const breaker = new CircuitBreaker(ok, options);
    expect(breaker.options).toBe(options);
    expect(options).toMatchObject({
      timeout: 10000,
      resetTimeout: 30000,
      errorThresholdPercentage: 50,
      rollingCountTimeout: 10000,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: true,
      capacity: Number.MAX_SAFE_INTEGER,
      cacheTTL: 0,
      enableSnapshots: true,
      coalesce: false,
      coalesceTTL: 10000,
      coalesceResetOn: [],
    });
    expect(typeof options.errorFilter).toBe('function');
    expect(options.errorFilter!(new Error())).toBe(false);
    expect(options.cacheGetKey!(1, 'a')).toBe('[1,"a"]');
  });

  it('keeps zero values (?? not ||) and filters unknown coalesceResetOn values', () => {
    const options = {
      timeout: 0,
      resetTimeout: 0,
      errorThresholdPercentage: 0,
      coalesceResetOn: ['error', 'foobar', 'timeout'],
      clock: new ManualClock(),
    } as unknown as CircuitBreakerOptions;
    new CircuitBreaker(ok, options);
    expect(options.timeout).toBe(0);
    expect(options.resetTimeout).toBe(0);
    expect(options.errorThresholdPercentage).toBe(0);
    expect(options.coalesceResetOn).toEqual(['error', 'timeout']);
    expect(options.coalesceTTL).toBe(0);
  });

  it('names the breaker after options.name, else the action, else a v4-shaped id; group defaults to name', () => {
    expect(new CircuitBreaker(ok, { name: 'n', clock: new ManualClock() }).name).toBe('n');
    const named = new CircuitBreaker(ok, { clock: new ManualClock() });
    expect(named.name).toBe('ok');
    expect(named.group).toBe('ok');
    expect(new CircuitBreaker(ok, { group: 'g', clock: new ManualClock() }).group).toBe('g');
    const anonymous = new CircuitBreaker(() => Promise.resolve(1), { clock: new ManualClock() });
    expect(anonymous.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('throws opossum’s TypeErrors for a missing action, a bad cacheTransport, a bad abortController', () => {
    expect(() => new CircuitBreaker(undefined as never)).toThrow(
      new TypeError('No action provided. Cannot construct a CircuitBreaker without an invocable action.'),
    );
    expect(() => new CircuitBreaker(ok, { cache: true, cacheTransport: { get: () => undefined } as never })).toThrow(
      'options.cacheTransport should be an object with `get`, `set` and `flush` methods',
    );
    // The transport check wins over the missing action, as in opossum.
    expect(() => new CircuitBreaker(undefined as never, { cache: true, cacheTransport: 5 as never })).toThrow(/cacheTransport/);
    expect(() => new CircuitBreaker(ok, { abortController: {} as never })).toThrow('AbortController does not contain `abort()` method');
  });

  it('wraps a non-function action into a function resolving to it', async () => {
    const { breaker } = make(42 as never);
    await expect(breaker.fire()).resolves.toBe(42);
    expect(typeof breaker.action).toBe('function');
  });

  it('keeps the action itself and calls it with this = the action (fire) or the given context (call)', async () => {
    const seen: unknown[] = [];
    function action(this: unknown, a: number, b: number): Promise<number> {
      seen.push(this);
      return Promise.resolve(a + b);
    }
    const { breaker } = make(action, { timeout: false });
    expect(breaker.action).toBe(action);
    await expect(breaker.fire(1, 2)).resolves.toBe(3);
    const context = {};
    await expect(breaker.call(context, 2, 3)).resolves.toBe(5);
    expect(seen).toEqual([action, context]);
  });

  it('logs the maxFailures deprecation and ignores the option', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    new CircuitBreaker(ok, { maxFailures: 3, clock: new ManualClock() });
    expect(spy).toHaveBeenCalledWith('options.maxFailures is deprecated. Please use options.errorThresholdPercentage');
    spy.mockRestore();
  });

  it('creates an AbortController for autoRenewAbortController and writes it into options', () => {
    const { breaker } = make(ok, { autoRenewAbortController: true });
    expect(breaker.options.abortController).toBeInstanceOf(AbortController);
    expect(breaker.getAbortController()).toBe(breaker.options.abortController);
    expect(breaker.getSignal()).toBe(breaker.options.abortController!.signal);
    expect(make(ok).breaker.getSignal()).toBeUndefined();
  });

  it('arms no timer and no interval when idle', () => {
    const clock = new ManualClock();
    new CircuitBreaker(ok, { clock, allowWarmUp: true });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('calls and events', () => {
  it('success: fire → success, with the result and latency, and updates stats', async () => {
    const { breaker, clock } = make(async (x: number) => {
      clock.advance(7);
      return x * 2;
    });
    const seen: unknown[][] = [];
    breaker.on('fire', (args) => seen.push(['fire', args]));
    breaker.on('success', (result, latency) => seen.push(['success', result, latency]));
    await expect(breaker.fire(21)).resolves.toBe(42);
    expect(seen).toEqual([
      ['fire', [21]],
      ['success', 42, 7],
    ]);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 1, failures: 0, latencyTimes: [7], latencyMean: 7 });
  });

  it('failure: fire → failure (err, latency, args) → fallback, and the fallback gets (...args, err)', async () => {
    const { breaker } = make(async (a: number, b: number) => {
      throw new Error(`bad ${a} ${b}`);
    });
    const seen = record(breaker);
    const fallbackArgs: unknown[] = [];
    breaker.fallback((...args: unknown[]) => {
      fallbackArgs.push(...args);
      return 'fb';
    });
    const failures: unknown[][] = [];
    breaker.on('failure', (err, latency, args) => failures.push([err.message, latency, args]));
    await expect(breaker.fire(1, 2)).resolves.toBe('fb');
    expect(seen).toEqual(['fire', 'failure', 'open', 'fallback']);
    expect(failures).toEqual([['bad 1 2', 0, [1, 2]]]);
    expect(fallbackArgs.slice(0, 2)).toEqual([1, 2]);
    expect((fallbackArgs[2] as Error).message).toBe('bad 1 2');
    expect(breaker.stats).toMatchObject({ fires: 1, failures: 1, fallbacks: 1 });
  });

  it('the fallback runs on every failure while closed, with this = the fallback function', async () => {
    const { breaker } = make(fail, { errorThresholdPercentage: 100 });
    let self: unknown;
    function fb(this: unknown): string {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      self = this;
      return 'fb';
    }
    breaker.fallback(fb);
    await expect(breaker.fire()).resolves.toBe('fb');
    await expect(breaker.fire()).resolves.toBe('fb');
    expect(breaker.closed).toBe(true);
    expect(self).toBe(fb);
  });

  it('a fallback that throws synchronously rejects with its error, with no fallback event or stat', async () => {
    const { breaker } = make(fail);
    const seen = record(breaker);
    breaker.fallback(() => {
      throw new Error('fallback broke');
    });
    await expect(breaker.fire()).rejects.toThrow('fallback broke');
    expect(seen).not.toContain('fallback');
    expect(breaker.stats.fallbacks).toBe(0);
  });

  it('a rejected fallback promise rejects fire() with the fallback’s error', async () => {
    const { breaker } = make(fail);
    breaker.fallback(() => Promise.reject(new Error('fb rejected')));
    await expect(breaker.fire()).rejects.toThrow('fb rejected');
  });

  it('a breaker can be the fallback of another', async () => {
    const { breaker } = make(async (_x: string): Promise<string> => {
      throw boom;
    });
    const { breaker: backup } = make(async (x: unknown) => `backup ${String(x)}`);
    breaker.fallback(backup);
    await expect(breaker.fire('a')).resolves.toMatch(/^backup a/);
  });

  it('a synchronous throw is a failure handled before fire() returns', () => {
    const { breaker } = make(() => {
      throw boom;
    });
    const seen = record(breaker);
    const promise = breaker.fire();
    expect(seen).toEqual(['fire', 'failure', 'open']);
    return expect(promise).rejects.toBe(boom);
  });

  it('an action returning null or undefined fails with the TypeError opossum reports', async () => {
    const { breaker } = make(() => undefined as never, { errorThresholdPercentage: 100 });
    await expect(breaker.fire()).rejects.toThrow(new TypeError("Cannot read properties of undefined (reading 'then')"));
    const { breaker: nullBreaker } = make(() => null as never, { timeout: false });
    await expect(nullBreaker.fire()).rejects.toThrow("Cannot read properties of null (reading 'then')");
  });

  it('a synchronous value resolves (after a tick, as opossum)', async () => {
    const { breaker } = make((x: number) => x + 1);
    const seen = record(breaker);
    const promise = breaker.fire(1);
    expect(seen).toEqual(['fire']);
    await expect(promise).resolves.toBe(2);
    expect(seen).toEqual(['fire', 'success']);
  });

  it('a throwing success listener rejects the call and counts one success and one failure', async () => {
    const { breaker } = make(ok, { errorThresholdPercentage: 100 });
    breaker.on('success', () => {
      throw new Error('listener');
    });
    await expect(breaker.fire()).rejects.toThrow('listener');
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 1 });
    expect(breaker.semaphore.count).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('emits fire with the arguments array even when disabled, and runs the action unprotected', async () => {
    const { breaker } = make(fail, { enabled: false });
    const seen = record(breaker);
    await expect(breaker.fire()).rejects.toBe(boom);
    expect(seen).toEqual(['fire']);
    expect(breaker.stats).toMatchObject({ fires: 1, failures: 0 });
    expect(breaker.enabled).toBe(false);
  });

  it('disabled: a synchronous throw escapes fire() and a non-promise is wrapped', async () => {
    const { breaker } = make((x: number) => {
      if (x) throw boom;
      return 5;
    });
    breaker.disable();
    expect(() => breaker.fire(1)).toThrow(boom);
    await expect(breaker.fire(0)).resolves.toBe(5);
    breaker.enable();
    expect(breaker.enabled).toBe(true);
    await expect(breaker.fire(1)).rejects.toBe(boom);
  });

  it('errorFilter: a matching error counts as a success, emits success with the error, still rejects, no fallback', async () => {
    const filtered = new Error('404');
    const filterArgs: unknown[][] = [];
    const { breaker } = make(
      async (_id: number) => {
        throw filtered;
      },
      {
        errorFilter: (err, ...args) => {
          filterArgs.push(args);
          return err === filtered;
        },
      },
    );
    const fallback = jest.fn(() => 'fb');
    breaker.fallback(fallback);
    const successes: unknown[] = [];
    breaker.on('success', (result) => successes.push(result));
    await expect(breaker.fire(7)).rejects.toBe(filtered);
    expect(successes).toEqual([filtered]);
    expect(fallback).not.toHaveBeenCalled();
    expect(filterArgs).toEqual([[7]]);
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 0 });
    expect(breaker.closed).toBe(true);
  });
});

describe('opening and closing', () => {
  it('opens when failures / fires * 100 exceeds the threshold strictly', async () => {
    const { breaker } = make(async (x: boolean) => {
      if (x) throw boom;
      return 1;
    });
    await breaker.fire(false);
    await breaker.fire(true).catch(() => undefined);
    expect(breaker.closed).toBe(true); // 50% is not > 50%
    await breaker.fire(true).catch(() => undefined);
    expect(breaker.opened).toBe(true); // 66%
  });

  it('threshold 0 opens on any failure', async () => {
    const { breaker } = make(fail, { errorThresholdPercentage: 0 });
    await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
  });

  it('cannot open while window fires < volumeThreshold; the volumeThreshold-th failure opens it', async () => {
    const { breaker } = make(fail, { volumeThreshold: 3 });
    expect(breaker.volumeThreshold).toBe(3);
    await breaker.fire().catch(() => undefined);
    await breaker.fire().catch(() => undefined);
    expect(breaker.closed).toBe(true);
    await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
  });

  it('rejects fast while open with EOPENBREAKER, reject then fallback, and counts rejects in fires', async () => {
    const { breaker } = make(ok);
    breaker.open();
    const seen = record(breaker);
    const error = await breaker.fire().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EOPENBREAKER', message: 'Breaker is open' });
    expect(error).toBeInstanceOf(Error);
    expect(CircuitBreaker.isOurError(error as Error)).toBe(true);
    expect(seen).toEqual(['fire', 'reject']);
    breaker.fallback(() => 'cached');
    await expect(breaker.fire()).resolves.toBe('cached');
    expect(seen).toEqual(['fire', 'reject', 'fire', 'reject', 'fallback']);
    expect(breaker.stats).toMatchObject({ fires: 2, rejects: 2, fallbacks: 1 });
  });

  it('the rejection carries retryAfterMs until the reset timer fires', async () => {
    const { breaker, clock } = make(ok, { resetTimeout: 1000 });
    breaker.open();
    clock.advance(300);
    const error = (await breaker.fire().catch((e: unknown) => e)) as { retryAfterMs?: number; breakerName?: string };
    expect(error.retryAfterMs).toBe(700);
    expect(error.breakerName).toBe('ok');
  });

  it('open → halfOpen after resetTimeout (manual open too); a trial success closes it', async () => {
    const { breaker, clock } = make(ok, { resetTimeout: 1000, timeout: false });
    const seen = record(breaker);
    const halfOpenArgs: number[] = [];
    breaker.on('halfOpen', (ms) => halfOpenArgs.push(ms));
    breaker.open();
    breaker.open(); // no-op
    expect(seen).toEqual(['open']);
    clock.advance(999);
    expect(breaker.halfOpen).toBe(false);
    clock.advance(1);
    expect(breaker.halfOpen).toBe(true);
    expect(breaker.pendingClose).toBe(true);
    expect(halfOpenArgs).toEqual([1000]);
    await breaker.fire();
    // opossum: the close happens before user 'success' listeners run.
    expect(seen).toEqual(['open', 'halfOpen', 'fire', 'close', 'success']);
    expect(breaker.closed).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('half-open admits exactly one trial; others are rejected while it runs', async () => {
    const gate = deferred<string>();
    const { breaker, clock } = make(() => gate.promise, { resetTimeout: 10, timeout: false });
    breaker.open();
    clock.advance(10);
    const trial = breaker.fire();
    expect(breaker.pendingClose).toBe(false);
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    gate.resolve('done');
    await expect(trial).resolves.toBe('done');
    expect(breaker.closed).toBe(true);
  });

  it('a failed trial reopens regardless of thresholds and restarts a full resetTimeout', async () => {
    const { breaker, clock } = make(fail, { resetTimeout: 100, volumeThreshold: 1000, errorThresholdPercentage: 100 });
    breaker.open();
    clock.advance(100);
    expect(breaker.halfOpen).toBe(true);
    await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
    clock.advance(99);
    expect(breaker.opened).toBe(true);
    clock.advance(1);
    expect(breaker.halfOpen).toBe(true);
  });

  it('a stale in-flight success closes a half-open breaker (opossum quirk kept)', async () => {
    const gate = deferred<string>();
    const { breaker, clock } = make(() => gate.promise, { resetTimeout: 10, timeout: false });
    const stale = breaker.fire();
    breaker.open();
    clock.advance(10);
    expect(breaker.halfOpen).toBe(true);
    gate.resolve('late');
    await stale;
    expect(breaker.closed).toBe(true);
  });

  it('close() clears the reset timer and is a no-op when closed', () => {
    const { breaker, clock } = make(ok, { resetTimeout: 100 });
    const seen = record(breaker);
    breaker.close();
    expect(seen).toEqual([]);
    breaker.open();
    breaker.close();
    expect(seen).toEqual(['open', 'close']);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    expect(breaker.closed).toBe(true);
  });

  it('status buckets are marked when opening and closing', () => {
    const { breaker } = make(ok);
    breaker.open();
    expect(breaker.status.window[0].isCircuitBreakerOpen).toBe(true);
    breaker.close();
    expect(breaker.status.window[0].isCircuitBreakerOpen).toBe(false);
  });

  it('resetTimeout 0 half-opens on the next timer turn', () => {
    const { breaker, clock } = make(ok, { resetTimeout: 0 });
    breaker.open();
    expect(breaker.opened).toBe(true);
    clock.advance(0);
    expect(breaker.halfOpen).toBe(true);
  });
});

describe('warm-up', () => {
  it('never opens during the first rollingCountTimeout ms, then can', async () => {
    const { breaker, clock } = make(fail, { allowWarmUp: true, rollingCountTimeout: 1000 });
    expect(breaker.warmUp).toBe(true);
    await breaker.fire().catch(() => undefined);
    expect(breaker.closed).toBe(true);
    clock.advance(1000);
    expect(breaker.warmUp).toBe(false);
    await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
  });

  it('a failed trial during warm-up reopens (opossum would stay half-open forever)', async () => {
    const { breaker, clock } = make(fail, { allowWarmUp: true, rollingCountTimeout: 10_000, resetTimeout: 100 });
    breaker.open();
    clock.advance(100);
    await breaker.fire().catch(() => undefined);
    expect(breaker.opened).toBe(true);
    clock.advance(100);
    expect(breaker.halfOpen).toBe(true);
  });
});

describe('timeouts', () => {
  it('rejects with ETIMEDOUT after timeout ms: timeout → failure → open → fallback, then aborts the controller', async () => {
    const never = new Promise<never>(() => undefined);
    const controller = new AbortController();
    const { breaker, clock } = make(() => never, { timeout: 50, abortController: controller });
    const seen = record(breaker);
    const timeouts: unknown[][] = [];
    breaker.on('timeout', (err, latency, args) => timeouts.push([err.code, latency, args]));
    breaker.fallback(() => {
      expect(controller.signal.aborted).toBe(false);
      return 'fb';
    });
    const promise = breaker.fire();
    clock.advance(49);
    expect(seen).toEqual(['fire']);
    clock.advance(1);
    await expect(promise).resolves.toBe('fb');
    expect(seen).toEqual(['fire', 'timeout', 'failure', 'open', 'fallback']);
    expect(timeouts).toEqual([['ETIMEDOUT', 50, []]]);
    expect(controller.signal.aborted).toBe(true);
    // Two latency samples for a timeout (timeout and failure), as in opossum.
    expect(breaker.stats).toMatchObject({ timeouts: 1, failures: 1, latencyTimes: [50, 50] });
  });

  it('the timeout error has opossum’s message and code, and a late result is ignored', async () => {
    const gate = deferred<string>();
    const { breaker, clock } = make(() => gate.promise, { timeout: 20, errorThresholdPercentage: 100 });
    const promise = breaker.fire();
    clock.advance(20);
    await expect(promise).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'Timed out after 20ms' });
    gate.resolve('late');
    await flushPromises();
    expect(breaker.stats).toMatchObject({ successes: 0, failures: 1, timeouts: 1 });
  });

  it('arms one shared timer for many calls, not one per call', async () => {
    const gates = Array.from({ length: 100 }, () => deferred<number>());
    let i = 0;
    const { breaker, clock } = make(() => gates[i++].promise, { timeout: 1000 });
    const calls = gates.map(() => breaker.fire());
    expect(clock.pendingTimers).toBe(1);
    gates.forEach((g, k) => g.resolve(k));
    await Promise.all(calls);
    // Settled calls leave the timer alone; when it fires it finds nothing and does not re-arm.
    clock.advance(1000);
    expect(clock.pendingTimers).toBe(0);
  });

  it('times out each call at its own deadline', async () => {
    const { breaker, clock } = make((_n: number) => new Promise<never>(() => undefined), { timeout: 100, errorThresholdPercentage: 100 });
    const at: string[] = [];
    breaker.on('timeout', (err, _latency, args) => at.push(`${String(args[0])} ${err.code} at ${clock.now()}`));
    const first = breaker.fire(1).catch(() => undefined);
    clock.advance(40);
    const second = breaker.fire(2).catch(() => undefined);
    clock.advance(60);
    expect(at).toEqual(['1 ETIMEDOUT at 1000100']);
    clock.advance(40);
    expect(at).toEqual(['1 ETIMEDOUT at 1000100', '2 ETIMEDOUT at 1000140']);
    await Promise.all([first, second]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('timeout false or 0 arms no timer', async () => {
    for (const timeout of [false, 0] as const) {
      const { breaker, clock } = make(() => new Promise(() => undefined), { timeout });
      void breaker.fire();
      expect(clock.pendingTimers).toBe(0);
    }
  });

  it('autoRenewAbortController replaces an aborted controller on half-open and close', async () => {
    const { breaker, clock } = make(() => new Promise<never>(() => undefined), { timeout: 10, resetTimeout: 100, autoRenewAbortController: true });
    const first = breaker.getAbortController();
    await Promise.all([breaker.fire().catch(() => undefined), clock.advanceAsync(10)]);
    expect(first!.signal.aborted).toBe(true);
    expect(breaker.opened).toBe(true);
    clock.advance(100);
    expect(breaker.halfOpen).toBe(true);
    expect(breaker.getAbortController()).not.toBe(first);
    expect(breaker.getSignal()!.aborted).toBe(false);
  });
});

describe('capacity (semaphore)', () => {
  it('rejects beyond capacity with ESEMLOCKED: semaphoreLocked → failure, counted, with fallback', async () => {
    const gate = deferred<string>();
    const { breaker } = make(() => gate.promise, { capacity: 1, errorThresholdPercentage: 100, timeout: false });
    const seen = record(breaker);
    const first = breaker.fire();
    expect(breaker.semaphore.count).toBe(0);
    const second = await breaker.fire().catch((e: unknown) => e);
    expect(second).toMatchObject({ code: 'ESEMLOCKED', message: 'Semaphore locked' });
    expect(seen).toEqual(['fire', 'fire', 'semaphoreLocked', 'failure']);
    expect(breaker.stats).toMatchObject({ semaphoreRejections: 1, failures: 1 });
    gate.resolve('x');
    await first;
    expect(breaker.semaphore.count).toBe(1);
    breaker.fallback(() => 'fb');
    const third = breaker.fire();
    await expect(breaker.fire()).resolves.toBe('fb');
    await third;
  });

  it('a non-integer capacity means unlimited', () => {
    expect(make(ok, { capacity: 1.5 }).breaker.options.capacity).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('cache and coalescing', () => {
  it('caches the first success per key and serves it even while open, returning the same promise', async () => {
    let calls = 0;
    const { breaker } = make(async (x: number) => x + ++calls, { cache: true });
    const seen = record(breaker);
    await expect(breaker.fire(1)).resolves.toBe(2);
    const hit1 = breaker.fire(1);
    const hit2 = breaker.fire(1);
    expect(hit1).toBe(hit2);
    await expect(hit1).resolves.toBe(2);
    breaker.open();
    await expect(breaker.fire(1)).resolves.toBe(2);
    expect(seen).toEqual(['fire', 'cacheMiss', 'success', 'fire', 'cacheHit', 'fire', 'cacheHit', 'open', 'fire', 'cacheHit']);
    expect(breaker.stats).toMatchObject({ cacheHits: 3, cacheMisses: 1, fires: 4 });
  });

  it('never caches errors and expires entries after cacheTTL', async () => {
    let calls = 0;
    const { breaker, clock } = make(
      async () => {
        calls++;
        if (calls === 1) throw boom;
        return calls;
      },
      { cache: true, cacheTTL: 100, errorThresholdPercentage: 100 },
    );
    await expect(breaker.fire()).rejects.toBe(boom);
    await expect(breaker.fire()).resolves.toBe(2);
    await expect(breaker.fire()).resolves.toBe(2);
    clock.advance(100);
    await expect(breaker.fire()).resolves.toBe(3);
  });

  it('uses a custom cacheTransport and key function (called with this = breaker); clearCache and shutdown flush it', async () => {
    const store = new Map<string, unknown>();
    const transport = {
      get: (k: string) => store.get(k),
      set: jest.fn((k: string, v: unknown) => void store.set(k, v)),
      flush: jest.fn(() => store.clear()),
    };
    let keyThis: unknown;
    const { breaker } = make(async (a: number) => a, {
      cache: true,
      cacheTransport: transport,
      cacheGetKey(this: unknown, a: number) {
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        keyThis = this;
        return `k${a}`;
      },
    });
    await breaker.fire(5);
    expect(keyThis).toBe(breaker);
    expect(transport.set).toHaveBeenCalledWith('k5', expect.any(Promise), 0);
    breaker.clearCache();
    expect(transport.flush).toHaveBeenCalledTimes(1);
    breaker.shutdown();
    expect(transport.flush).toHaveBeenCalledTimes(2);
  });

  it('default cache respects cacheSize (evicting the oldest entry)', async () => {
    const { breaker } = make(async (a: number) => a, { cache: true, cacheSize: 2 });
    await breaker.fire(1);
    await breaker.fire(2);
    await breaker.fire(3);
    const transport = breaker.options.cacheTransport as unknown as { cache: Map<string, unknown> };
    expect([...transport.cache.keys()]).toEqual(['[2]', '[3]']);
  });

  it('coalesces concurrent calls with the same key into one action call', async () => {
    const gate = deferred<string>();
    const action = jest.fn((_k: string) => gate.promise);
    const { breaker } = make(action, { coalesce: true });
    const seen = record(breaker);
    const a = breaker.fire('x');
    const b = breaker.fire('x');
    expect(a).toBe(b);
    expect(action).toHaveBeenCalledTimes(1);
    gate.resolve('v');
    await expect(b).resolves.toBe('v');
    expect(seen).toEqual(['fire', 'coalesceCacheMiss', 'fire', 'coalesceCacheHit', 'success']);
  });

  it('coalesceSize bounds the coalescing cache (oldest entry evicted)', () => {
    const { breaker } = make((_k: string) => new Promise<never>(() => undefined), { coalesce: true, coalesceSize: 2, timeout: false });
    void breaker.fire('a');
    void breaker.fire('b');
    void breaker.fire('c');
    expect([...breaker.options.coalesceCache!.cache.keys()]).toEqual(['["b"]', '["c"]']);
  });

  it('keeps a coalesced rejection until coalesceTTL unless coalesceResetOn says otherwise', async () => {
    let calls = 0;
    const action = async (): Promise<number> => {
      calls++;
      throw boom;
    };
    const { breaker, clock } = make(action, { coalesce: true, coalesceTTL: 100, errorThresholdPercentage: 100 });
    await breaker.fire().catch(() => undefined);
    await breaker.fire().catch(() => undefined);
    expect(calls).toBe(1);
    clock.advance(100);
    await breaker.fire().catch(() => undefined);
    expect(calls).toBe(2);

    calls = 0;
    const { breaker: resetting } = make(action, { coalesce: true, coalesceResetOn: ['error'], errorThresholdPercentage: 100 });
    await resetting.fire().catch(() => undefined);
    await resetting.fire().catch(() => undefined);
    expect(calls).toBe(2);
  });
});

describe('health checks', () => {
  it('runs at once and then every interval; a rejection emits healthCheckFailed and opens', async () => {
    const { breaker, clock } = make(ok);
    let healthy = true;
    const check = jest.fn(function (this: unknown) {
      return healthy ? Promise.resolve() : Promise.reject(new Error('sick'));
    });
    const failures: unknown[] = [];
    breaker.on('healthCheckFailed', (e) => failures.push(e));
    breaker.healthCheck(check, 100);
    expect(check).toHaveBeenCalledTimes(1);
    expect(check.mock.contexts[0]).toBe(breaker);
    await clock.advanceAsync(100);
    expect(check).toHaveBeenCalledTimes(2);
    expect(breaker.closed).toBe(true);
    healthy = false;
    await clock.advanceAsync(100);
    expect(failures).toHaveLength(1);
    expect(breaker.opened).toBe(true);
  });

  it('validates like opossum, defaults the interval to 5000 and throws synchronously for a non-promise', () => {
    const { breaker, clock } = make(ok);
    expect(() => breaker.healthCheck('x' as never)).toThrow(new TypeError('Health check function must be a function'));
    expect(() => breaker.healthCheck(() => Promise.resolve(), 'soon' as never)).toThrow(new TypeError('Health check interval must be a number'));
    expect(() => breaker.healthCheck((() => 5) as never)).toThrow(TypeError);
    breaker.healthCheck(() => Promise.resolve(), 0);
    expect(clock.nextDueAt()).toBe(clock.now() + 5000);
  });

  it('shutdown() stops health checks (opossum leaks them and reopens a shut-down breaker)', async () => {
    const { breaker, clock } = make(ok);
    breaker.healthCheck(() => Promise.reject(new Error('sick')), 100);
    await flushPromises();
    breaker.shutdown();
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(1000);
    expect(breaker.isShutdown).toBe(true);
  });
});

describe('shutdown', () => {
  it('emits shutdown first, removes listeners, rejects later calls with ESHUTDOWN, stops timers', async () => {
    const { breaker, clock } = make(ok, { resetTimeout: 100 });
    const seen = record(breaker);
    breaker.open();
    breaker.shutdown();
    expect(seen).toEqual(['open', 'shutdown']);
    expect(breaker.listenerCount('open')).toBe(0);
    expect(breaker.isShutdown).toBe(true);
    expect(breaker.enabled).toBe(false);
    expect([breaker.closed, breaker.opened, breaker.halfOpen]).toEqual([false, false, false]);
    expect(clock.pendingTimers).toBe(0);
    const error = await breaker.fire().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ESHUTDOWN', message: 'The circuit has been shutdown.' });
    expect(CircuitBreaker.isOurError(error as Error)).toBe(true);
    breaker.open();
    breaker.close();
    expect(breaker.isShutdown).toBe(true);
    breaker.enable();
    expect(breaker.enabled).toBe(true);
    await expect(breaker.fire()).rejects.toMatchObject({ code: 'ESHUTDOWN' });
  });

  it('calls in flight at shutdown still settle and still time out', async () => {
    const { breaker, clock } = make(() => new Promise<never>(() => undefined), { timeout: 10 });
    const pending = breaker.fire();
    breaker.shutdown();
    clock.advance(10);
    await expect(pending).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(breaker.isShutdown).toBe(true);
  });
});

describe('toJSON and state import', () => {
  it('toJSON has opossum’s shape; lastTimerAt is when the breaker last opened', async () => {
    const { breaker, clock } = make(ok, { name: 'svc' });
    await breaker.fire();
    expect(breaker.toJSON().state).toEqual({
      name: 'svc',
      enabled: true,
      closed: true,
      open: false,
      halfOpen: false,
      warmUp: false,
      shutdown: false,
      lastTimerAt: undefined,
    });
    clock.advance(500);
    breaker.open();
    const json = breaker.toJSON();
    expect(json.state).toMatchObject({ closed: false, open: true, lastTimerAt: 1_000_500 });
    expect(json.status).toEqual(breaker.stats);
  });

  it('state import: open with an expired lastTimerAt goes straight to half-open', () => {
    const clock = new ManualClock(10_000);
    const breaker = new CircuitBreaker(ok, { clock, resetTimeout: 1000, state: { closed: false, halfOpen: false, lastTimerAt: 8_000 } });
    expect(breaker.halfOpen).toBe(true);
    expect(breaker.pendingClose).toBe(true);
  });

  it('state import: open within resetTimeout starts a full resetTimeout (opossum), initialState only the rest', () => {
    const clock = new ManualClock(10_000);
    const opossumStyle = new CircuitBreaker(ok, { clock, resetTimeout: 1000, state: { closed: false, lastTimerAt: 9_500 } });
    const restored = new CircuitBreaker(ok, {
      clock,
      resetTimeout: 1000,
      initialState: {
        state: { name: 'x', enabled: true, closed: false, open: true, halfOpen: false, warmUp: false, shutdown: false, lastTimerAt: 9_500 },
        status: new Status({ clock }).stats,
      },
    });
    expect(opossumStyle.opened && restored.opened).toBe(true);
    clock.advance(500);
    expect(restored.halfOpen).toBe(true);
    expect(opossumStyle.opened).toBe(true);
    expect(restored.toJSON().state.lastTimerAt).toBe(9_500);
    clock.advance(500);
    expect(opossumStyle.halfOpen).toBe(true);
  });

  it('state import: half-open, disabled, warm-up and shutdown', () => {
    const clock = new ManualClock();
    const half = new CircuitBreaker(ok, { clock, state: { closed: false, halfOpen: true } });
    expect(half.halfOpen && half.pendingClose).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    const disabled = new CircuitBreaker(ok, { clock, enabled: true, state: { enabled: false } });
    expect(disabled.enabled).toBe(false);
    expect(new CircuitBreaker(ok, { clock, state: { warmUp: true } }).warmUp).toBe(true);
    const down = new CircuitBreaker(ok, { clock, state: { shutdown: true } });
    expect(down.isShutdown).toBe(true);
  });

  it('initialState restores the counts; a toJSON round trip keeps every stats key', async () => {
    const { breaker, clock } = make(async (x: boolean) => {
      if (x) throw boom;
      return 1;
    }, { errorThresholdPercentage: 100 });
    await breaker.fire(false);
    await breaker.fire(true).catch(() => undefined);
    const json = breaker.toJSON();
    const restored = new CircuitBreaker(ok, { clock, initialState: json });
    const before = JSON.parse(JSON.stringify(json.status)) as Record<string, unknown>;
    const after = JSON.parse(JSON.stringify(restored.stats)) as Record<string, unknown>;
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const key of Object.keys(before)) expect(String(after[key])).toBe(String(before[key]));
  });

  it('rejects state together with initialState', () => {
    const clock = new ManualClock();
    const json = new CircuitBreaker(ok, { clock }).toJSON();
    expect(() => new CircuitBreaker(ok, { clock, state: json.state, initialState: json })).toThrow(TypeError);
  });

  it('options.status: a Status is used as is; a plain object seeds a default window', () => {
    const clock = new ManualClock();
    const status = CircuitBreaker.newStatus({ clock, rollingCountBuckets: 3 });
    const breaker = new CircuitBreaker(ok, { clock, status });
    expect(breaker.status).toBe(status);
    expect(status.window).toHaveLength(3);
    const seeded = new CircuitBreaker(ok, { clock, rollingCountBuckets: 4, status: { failures: 3, fires: 5 } });
    expect(seeded.status.window).toHaveLength(10);
    expect(seeded.stats).toMatchObject({ failures: 3, fires: 5 });
  });
});

describe('rolling window', () => {
  it('failures age out of the window by time, without any timer', async () => {
    const { breaker, clock } = make(async (x: boolean) => {
      if (x) throw boom;
      return 1;
    }, { rollingCountTimeout: 1000, rollingCountBuckets: 10, volumeThreshold: 2, timeout: false });
    await breaker.fire(true).catch(() => undefined);
    expect(breaker.stats.failures).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    expect(breaker.stats.failures).toBe(0);
    await breaker.fire(false);
    await breaker.fire(true).catch(() => undefined);
    expect(breaker.closed).toBe(true);
  });

  it('rotates on rotateBucketController events instead of by time; disable stops listening', () => {
    const controller = new EventEmitter();
    const { breaker, clock } = make(ok, { rotateBucketController: controller, rollingCountBuckets: 2, timeout: false });
    void breaker.fire();
    clock.advance(1_000_000);
    expect(breaker.stats.fires).toBe(1);
    controller.emit('rotate');
    expect(breaker.stats.fires).toBe(1);
    breaker.disable();
    controller.emit('rotate');
    expect(breaker.stats.fires).toBe(1);
    breaker.enable();
    breaker.enable();
    expect(controller.listenerCount('rotate')).toBe(1);
    controller.emit('rotate');
    expect(breaker.stats.fires).toBe(0);
  });

  it('emits snapshot on status every bucket interval while listened to, unless enableSnapshots is false', () => {
    const { breaker, clock } = make(ok, { rollingCountTimeout: 1000, rollingCountBuckets: 10 });
    const snapshots: number[] = [];
    expect(clock.pendingTimers).toBe(0);
    const listener = (stats: { fires: number }): void => void snapshots.push(stats.fires);
    breaker.status.on('snapshot', listener);
    clock.advance(250);
    expect(snapshots).toEqual([0, 0]);
    breaker.status.removeListener('snapshot', listener);
    clock.advance(1000);
    expect(snapshots).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    const { breaker: quiet, clock: quietClock } = make(ok, { enableSnapshots: false });
    quiet.status.on('snapshot', listener);
    expect(quietClock.pendingTimers).toBe(0);
  });

  it('rollingPercentilesEnabled false: latencyMean and percentiles read -1', async () => {
    const { breaker } = make(ok, { rollingPercentilesEnabled: false });
    await breaker.fire();
    const stats = breaker.stats;
    expect(stats.latencyMean).toBe(-1);
    expect(stats.percentiles[0.5]).toBe(-1);
    expect(stats.latencyTimes).toEqual([]);
  });
});

describe('static helpers', () => {
  it('isOurError throws for null like opossum, and is false for foreign errors', () => {
    expect(() => CircuitBreaker.isOurError(null as never)).toThrow(TypeError);
    expect(CircuitBreaker.isOurError(Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' }))).toBe(false);
  });
});
