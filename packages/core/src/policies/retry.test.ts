import { trackAbortListeners } from '../testing/abort-listeners.js';
import { jest } from '@jest/globals';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { RetryExhaustedError, isRetryExhaustedError } from '../errors/retry-exhausted-error.js';
import { deferred } from '../testing/deferred.js';
import { ManualClock, flushPromises } from '../testing/manual-clock.js';
import { seededRandom } from '../testing/seeded-random.js';
import { constantBackoff, exponentialBackoff, type Backoff } from './backoff/backoff.js';
import type { ExecuteContext } from './policy.js';
import { retryBudget } from './retry-budget.js';
import { RetryPolicy, retry, type GiveUpEvent, type RetryContext, type RetryEvent, type RetryOptions, type RetrySuccessEvent } from './retry.js';

/** Settles into a plain record so a test can look at a promise's outcome without racing it. */
function outcome<T>(promise: Promise<T>): { readonly value?: T; readonly error?: unknown; readonly done: boolean } {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  return state;
}

/** A signal whose abort listeners are counted. */
function countedSignal(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const counts = trackAbortListeners(controller.signal);
  return { controller, signal: controller.signal, listeners: counts.live };
}

function setup(options: RetryOptions = {}): { clock: ManualClock; policy: RetryPolicy } {
  const clock = new ManualClock();
  return { clock, policy: retry({ clock, backoff: constantBackoff(100), ...options }) };
}

/** fn that fails `failures` times with `error(n)`, then returns `value`. */
function flaky<T>(failures: number, value: T, error: (attempt: number) => unknown = (n) => new Error(`fail ${n}`)) {
  const calls: ExecuteContext[] = [];
  const fn = jest.fn((context: ExecuteContext) => {
    calls.push(context);
    return context.attempt <= failures ? Promise.reject(error(context.attempt)) : Promise.resolve(value);
  });
  return { fn, calls };
}

describe('retry', () => {
  describe('success and retries', () => {
    it('returns the first success without a timer or retry, passing attempt 1 and a never-aborted signal', async () => {
      const { clock, policy } = setup();
      const successes: unknown[] = [];
      policy.onSuccess((e) => successes.push(e));
      const { fn, calls } = flaky(0, 'ok');
      const result = policy.execute(fn);
      expect(clock.pendingTimers).toBe(0);
      await expect(result).resolves.toBe('ok');
      expect(fn).toHaveBeenCalledTimes(1);
      expect(calls[0].attempt).toBe(1);
      expect(calls[0].signal.aborted).toBe(false);
      expect(clock.pendingTimers).toBe(0);
      expect(successes).toEqual([{ attempt: 1, elapsedMs: 0, result: 'ok' }]);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 1, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 0 });
    });

    it('accepts functions that return or throw synchronously', async () => {
      const { clock, policy } = setup();
      await expect(policy.execute(() => 7)).resolves.toBe(7);
      let n = 0;
      const result = outcome(
        policy.execute(() => {
          if (++n < 2) throw new Error('sync');
          return 'second';
        }),
      );
      await clock.advanceAsync(100);
      expect(result).toEqual({ value: 'second', done: true });
    });

    it('waits the backoff delay between attempts and numbers them 1, 2, 3', async () => {
      const { clock, policy } = setup();
      const { fn, calls } = flaky(2, 'ok');
      const result = outcome(policy.execute(fn));
      await flushPromises();
      expect(fn).toHaveBeenCalledTimes(1);
      expect(clock.pendingTimers).toBe(1);
      await clock.advanceAsync(99);
      expect(fn).toHaveBeenCalledTimes(1);
      await clock.advanceAsync(1);
      expect(fn).toHaveBeenCalledTimes(2);
      await clock.advanceAsync(100);
      expect(result).toEqual({ value: 'ok', done: true });
      expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
      expect(clock.pendingTimers).toBe(0);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 0, successfulWithRetry: 1, failedWithoutRetry: 0, failedWithRetry: 0 });
    });

    it('accepts thenables and treats a then() that throws as a failed attempt', async () => {
      const { clock, policy } = setup();
      let n = 0;
      const fn = (): PromiseLike<string> => {
        n++;
        if (n === 1) {
          return {
            then() {
              throw new Error('bad thenable');
            },
          };
        }
        const good = Promise.resolve('thenable');
        return { then: good.then.bind(good) };
      };
      const result = outcome(policy.execute(fn));
      await clock.advanceAsync(100);
      expect(result).toEqual({ value: 'thenable', done: true });
    });
  });

  describe('giving up', () => {
    it('throws RetryExhaustedError after maxAttempts, with every error and the last as cause', async () => {
      const { clock, policy } = setup({ maxAttempts: 3 });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      const { fn } = flaky(10, 'never');
      const result = outcome(policy.execute(fn));
      await clock.advanceAsync(1000);
      expect(fn).toHaveBeenCalledTimes(3);
      const error = result.error as RetryExhaustedError;
      expect(isRetryExhaustedError(error)).toBe(true);
      expect(error.attempts).toBe(3);
      expect(error.reason).toBe('attempts');
      expect((error.errors as Error[]).map((e) => e.message)).toEqual(['fail 1', 'fail 2', 'fail 3']);
      expect(error.cause).toBe(error.errors[2]);
      expect(error.message).toBe('Gave up after 3 attempts (maxAttempts reached); last error: Error: fail 3');
      expect(giveUps).toHaveLength(1);
      expect(giveUps[0]).toMatchObject({ attempt: 3, reason: 'attempts', error: error.cause, elapsedMs: 200 });
      expect(Object.isFrozen(giveUps[0])).toBe(true);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 0, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 1 });
    });

    it('counts a call with maxAttempts 1 as failed without retry', async () => {
      const { policy } = setup({ maxAttempts: 1 });
      await expect(policy.execute(flaky(1, 'x').fn)).rejects.toMatchObject({ code: 'ERETRYEXHAUSTED', attempts: 1 });
      expect(policy.metrics().failedWithoutRetry).toBe(1);
    });

    it('rethrows an error that shouldRetry declines as is, seeing a frozen context', async () => {
      const contexts: RetryContext[] = [];
      const notFound = new Error('404');
      const { clock, policy } = setup({
        shouldRetry: (c) => {
          contexts.push(c);
          return 'error' in c && c.error !== notFound;
        },
      });
      const result = outcome(policy.execute(flaky(5, 'x', (n) => (n === 2 ? notFound : new Error('503'))).fn));
      await clock.advanceAsync(1000);
      expect(result.error).toBe(notFound);
      expect(contexts).toHaveLength(2);
      expect(contexts[1]).toEqual({ attempt: 2, elapsedMs: 100, error: notFound });
      expect(Object.isFrozen(contexts[0])).toBe(true);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 0, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 1 });
      // Declined on the first attempt: failed without retry.
      await expect(policy.execute(() => Promise.reject(notFound))).rejects.toBe(notFound);
      expect(policy.metrics().failedWithoutRetry).toBe(1);
    });

    it('by default retries every error and accepts every result', async () => {
      const { clock, policy } = setup();
      const result = outcome(policy.execute(flaky(1, { status: 503 }, () => undefined).fn));
      await clock.advanceAsync(100);
      expect(result).toEqual({ value: { status: 503 }, done: true });
    });
  });

  describe('retrying results', () => {
    const is503 = (c: RetryContext): boolean => 'error' in c || (c.result as { status: number }).status === 503;

    it('retries a result that shouldRetry rejects and returns the first accepted one', async () => {
      const { clock, policy } = setup({ shouldRetry: is503 });
      let n = 0;
      const result = outcome(policy.execute(() => ({ status: ++n < 3 ? 503 : 200 })));
      await clock.advanceAsync(200);
      expect(result).toEqual({ value: { status: 200 }, done: true });
      expect(policy.metrics().successfulWithRetry).toBe(1);
    });

    it('resolves with the last result when it gives up on results, and reports the give-up', async () => {
      const { clock, policy } = setup({ shouldRetry: is503, maxAttempts: 2 });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      let n = 0;
      const result = outcome(policy.execute(() => ({ status: 503, n: ++n })));
      await clock.advanceAsync(1000);
      expect(result).toEqual({ value: { status: 503, n: 2 }, done: true });
      expect(giveUps).toEqual([{ attempt: 2, elapsedMs: 100, result: { status: 503, n: 2 }, reason: 'attempts' }]);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 0, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 1 });
    });

    it('throws RetryExhaustedError when the last outcome was an error, after earlier bad results', async () => {
      const { clock, policy } = setup({ shouldRetry: is503, maxAttempts: 2 });
      let n = 0;
      const result = outcome(policy.execute(() => (++n === 1 ? { status: 503 } : Promise.reject(new Error('reset')))));
      await clock.advanceAsync(1000);
      expect(result.error).toBeInstanceOf(RetryExhaustedError);
      expect((result.error as RetryExhaustedError).errors).toHaveLength(1);
    });
  });

  describe('delays', () => {
    it('defaults to exponential backoff from 100 ms with full jitter', async () => {
      const clock = new ManualClock();
      const policy = retry({ clock, random: () => 0.5 });
      const delays: number[] = [];
      policy.onRetry((e) => delays.push(e.delayMs));
      const result = outcome(policy.execute(flaky(5, 'x').fn));
      await clock.advanceAsync(1000);
      expect(delays).toEqual([50, 100]);
      expect(isRetryExhaustedError(result.error)).toBe(true);
      expect(policy.describe()).toBe('retry(maxAttempts=3, exponential full jitter)');
    });

    it('caps each delay at maxDelayMs', async () => {
      const { clock, policy } = setup({ maxAttempts: 5, backoff: exponentialBackoff({ initialDelayMs: 100, jitter: 'none' }), maxDelayMs: 250 });
      const delays: number[] = [];
      policy.onRetry((e) => delays.push(e.delayMs));
      await clock.advanceAsync(0);
      outcome(policy.execute(flaky(10, 'x').fn));
      await clock.advanceAsync(2000);
      expect(delays).toEqual([100, 200, 250, 250]);
    });

    it('waits at least a failure’s retryAfterMs, capped by maxDelayMs', async () => {
      const { clock, policy } = setup({ maxAttempts: 4, maxDelayMs: 800 });
      const delays: number[] = [];
      policy.onRetry((e) => delays.push(e.delayMs));
      const errors = [new CircuitOpenError(500), new CircuitOpenError(50), new CircuitOpenError(5000)];
      outcome(policy.execute(flaky(3, 'x', (n) => errors[n - 1]).fn));
      await clock.advanceAsync(5000);
      expect(delays).toEqual([500, 100, 800]);
      // Non-numbers, negatives and Infinity are ignored.
      const { clock: c2, policy: p2 } = setup();
      const seen: number[] = [];
      p2.onRetry((e) => seen.push(e.delayMs));
      const odd = [{ retryAfterMs: '9' }, { retryAfterMs: -1 }];
      outcome(p2.execute(flaky(2, 'x', (n) => odd[n - 1]).fn));
      await c2.advanceAsync(1000);
      expect(seen).toEqual([100, 100]);
    });

    it('honours retryAfterMs on a retried result', async () => {
      const { clock, policy } = setup({ shouldRetry: (c) => 'result' in c && c.result !== 'ok' });
      const delays: number[] = [];
      policy.onRetry((e) => delays.push(e.delayMs));
      let n = 0;
      const result = outcome(policy.execute(() => (++n === 1 ? { retryAfterMs: 700 } : 'ok')));
      await clock.advanceAsync(699);
      expect(result.done).toBe(false);
      await clock.advanceAsync(1);
      expect(result).toEqual({ value: 'ok', done: true });
      expect(delays).toEqual([700]);
    });

    it('hands a backoff its own previous delay, not the one raised by retryAfterMs', async () => {
      const seen: Array<[number, number]> = [];
      const backoff: Backoff = {
        delay: (retry, previousMs) => {
          seen.push([retry, previousMs]);
          return retry * 10;
        },
      };
      const { clock, policy } = setup({ backoff, maxAttempts: 4 });
      outcome(policy.execute(flaky(3, 'x', (n) => (n === 1 ? new CircuitOpenError(1000) : new Error())).fn));
      await clock.advanceAsync(2000);
      expect(seen).toEqual([
        [1, 0],
        [2, 10],
        [3, 20],
      ]);
      expect(policy.describe()).toBe('retry(maxAttempts=4, custom backoff)');
    });

    it('treats a NaN or negative custom delay as 0', async () => {
      const { clock, policy } = setup({ backoff: { delay: (n) => (n === 1 ? NaN : -5) } });
      const delays: number[] = [];
      policy.onRetry((e) => delays.push(e.delayMs));
      outcome(policy.execute(flaky(2, 'x').fn));
      await clock.advanceAsync(0);
      expect(delays).toEqual([0, 0]);
    });

    it('uses the injected random source', async () => {
      const run = async (seed: number): Promise<number[]> => {
        const clock = new ManualClock();
        const policy = retry({ clock, random: seededRandom(seed), maxAttempts: 4 });
        const delays: number[] = [];
        policy.onRetry((e) => delays.push(e.delayMs));
        outcome(policy.execute(flaky(5, 'x').fn));
        await clock.advanceAsync(10_000);
        return delays;
      };
      expect(await run(1)).toEqual(await run(1));
      expect(await run(1)).not.toEqual(await run(2));
    });
  });

  describe('maxElapsedMs', () => {
    it('starts no retry whose wait would end past the budget', async () => {
      const { clock, policy } = setup({ maxAttempts: 10, maxElapsedMs: 250 });
      const giveUps: GiveUpEvent[] = [];
      policy.onGiveUp((e) => giveUps.push(e));
      const { fn } = flaky(10, 'x');
      const result = outcome(policy.execute(fn));
      await clock.advanceAsync(1000);
      // Attempts at 0, 100, 200; a retry at 300 would pass 250.
      expect(fn).toHaveBeenCalledTimes(3);
      expect(result.error).toMatchObject({ reason: 'elapsed', attempts: 3 });
      expect(giveUps[0]).toMatchObject({ reason: 'elapsed', elapsedMs: 200 });
    });

    it('counts the time attempts take and allows a retry that ends exactly at the budget', async () => {
      const { clock, policy } = setup({ maxAttempts: Infinity, maxElapsedMs: 300 });
      const answers = [deferred<string>(), deferred<string>(), deferred<string>()];
      let n = 0;
      const result = outcome(policy.execute(() => answers[n++].promise));
      await clock.advanceAsync(100);
      answers[0].reject(new Error('slow')); // at 100, retry at 200
      await clock.advanceAsync(100);
      expect(n).toBe(2);
      answers[1].reject(new Error('slow')); // at 200, a retry at 300 is allowed
      await clock.advanceAsync(100);
      expect(n).toBe(3);
      answers[2].reject(new Error('slow')); // at 300, a retry at 400 is not
      await clock.advanceAsync(0);
      expect(result.error).toMatchObject({ code: 'ERETRYEXHAUSTED', reason: 'elapsed', attempts: 3 });
      expect(policy.describe()).toBe('retry(maxAttempts=Infinity, constant 100ms, maxElapsedMs=300)');
    });
  });

  describe('budget', () => {
    it('gives up at once with reason budget when the shared budget is empty', async () => {
      const clock = new ManualClock();
      const budget = retryBudget({ ratio: 0, minRetriesPerSecond: 0.1, windowMs: 10_000, clock }); // one retry per window
      const a = retry({ clock, budget, backoff: constantBackoff(10), maxAttempts: 5 });
      const b = retry({ clock, budget, backoff: constantBackoff(10), maxAttempts: 5 });
      const ra = outcome(a.execute(flaky(10, 'x').fn));
      await clock.advanceAsync(100);
      expect(ra.error).toMatchObject({ reason: 'budget', attempts: 2 });
      expect((ra.error as Error).message).toMatch(/retry budget exhausted/);
      const rb = outcome(b.execute(flaky(10, 'x').fn));
      await clock.advanceAsync(100);
      expect(rb.error).toMatchObject({ reason: 'budget', attempts: 1 });
      expect(budget.metrics()).toEqual({ deposits: 2, withdrawals: 1, rejected: 2 });
      expect(b.metrics().failedWithoutRetry).toBe(1);
      expect(a.describe()).toBe('retry(maxAttempts=5, constant 10ms, budget)');
    });

    it('deposits once per call and withdraws nothing on success or for a retry refused for another reason', async () => {
      const clock = new ManualClock();
      const budget = retryBudget({ clock });
      const policy = retry({ clock, budget, maxAttempts: 1 });
      await policy.execute(() => 1);
      await expect(policy.execute(() => Promise.reject(new Error('x')))).rejects.toThrow(RetryExhaustedError);
      expect(budget.metrics()).toEqual({ deposits: 2, withdrawals: 0, rejected: 0 });
    });
  });

  describe('callbacks and events', () => {
    it('calls options.onRetry, then onRetry listeners, with the context and delay, frozen', async () => {
      const order: string[] = [];
      const events: RetryEvent[] = [];
      const { clock, policy } = setup({
        onRetry: (e) => {
          order.push('option');
          events.push(e);
        },
      });
      policy.onRetry(() => order.push('event'));
      const error = new Error('fail 1');
      outcome(policy.execute(flaky(1, 'x', () => error).fn));
      await clock.advanceAsync(100);
      expect(order).toEqual(['option', 'event']);
      expect(events).toEqual([{ attempt: 1, elapsedMs: 0, error, delayMs: 100 }]);
      expect(Object.isFrozen(events[0])).toBe(true);
    });

    it('rejects the call with the error of a throwing callback, leaving no timer', async () => {
      const boom = new Error('boom');
      const { clock, policy } = setup({
        onRetry: () => {
          throw boom;
        },
      });
      const { fn } = flaky(1, 'x');
      await expect(policy.execute(fn)).rejects.toBe(boom);
      expect(clock.pendingTimers).toBe(0);
      expect(fn).toHaveBeenCalledTimes(1);
      const { policy: p2 } = setup({
        shouldRetry: () => {
          throw boom;
        },
      });
      await expect(p2.execute(() => 1)).rejects.toBe(boom);
    });

    it('reports onSuccess with the time since execute(), and rejects with a throwing listener’s error, with or without a signal', async () => {
      // Without a signal a first-attempt success takes a shorter path than with one: same outcome.
      for (const signal of [undefined, new AbortController().signal]) {
        const { clock, policy } = setup();
        const successes: RetrySuccessEvent[] = [];
        const subscription = policy.onSuccess((e) => successes.push(e));
        const answer = deferred<string>();
        const call = policy.execute(() => answer.promise, { signal });
        clock.advance(250);
        answer.resolve('ok');
        await expect(call).resolves.toBe('ok');
        expect(successes).toEqual([{ attempt: 1, elapsedMs: 250, result: 'ok' }]);
        subscription.dispose();
        const boom = new Error('boom');
        policy.onSuccess(() => {
          throw boom;
        });
        await expect(policy.execute(async () => 'ok', { signal })).rejects.toBe(boom);
        expect(policy.metrics()).toEqual({ successfulWithoutRetry: 2, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 0 });
      }
    });

    it('stops calling a disposed listener', async () => {
      const { clock, policy } = setup();
      let n = 0;
      const subscription = policy.onRetry(() => n++);
      outcome(policy.execute(flaky(1, 'x').fn));
      await clock.advanceAsync(100);
      subscription.dispose();
      outcome(policy.execute(flaky(1, 'x').fn));
      await clock.advanceAsync(100);
      expect(n).toBe(1);
    });
  });

  describe('abort', () => {
    it('never calls fn when the signal is already aborted', async () => {
      const { policy } = setup();
      const { controller, signal, listeners } = countedSignal();
      const reason = new Error('gone');
      controller.abort(reason);
      const fn = jest.fn(() => 1);
      await expect(policy.execute(fn, { signal })).rejects.toBe(reason);
      expect(fn).not.toHaveBeenCalled();
      expect(listeners()).toBe(0);
    });

    it('cancels a pending wait at once with the signal’s reason, leaving no timer and no listener', async () => {
      const { clock, policy } = setup();
      const { controller, signal, listeners } = countedSignal();
      const { fn, calls } = flaky(5, 'x');
      const result = outcome(policy.execute(fn, { signal }));
      await flushPromises();
      expect(calls[0].signal).toBe(signal);
      expect(clock.pendingTimers).toBe(1);
      expect(listeners()).toBe(1);
      const reason = new Error('user left');
      controller.abort(reason);
      await flushPromises();
      expect(result).toEqual({ error: reason, done: true });
      expect(clock.pendingTimers).toBe(0);
      expect(listeners()).toBe(0);
      await clock.advanceAsync(1000);
      expect(fn).toHaveBeenCalledTimes(1);
    });

    it('rejects at once when the signal aborts during an attempt, ignoring the attempt’s late outcome', async () => {
      const { clock, policy } = setup();
      const { controller, signal, listeners } = countedSignal();
      const answer = deferred<string>();
      const fn = jest.fn(() => answer.promise);
      const result = outcome(policy.execute(fn, { signal }));
      controller.abort();
      await flushPromises();
      expect((result.error as Error).name).toBe('AbortError');
      answer.reject(new Error('late'));
      await clock.advanceAsync(1000);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(clock.pendingTimers).toBe(0);
      expect(listeners()).toBe(0);
      expect(policy.metrics()).toEqual({ successfulWithoutRetry: 0, successfulWithRetry: 0, failedWithoutRetry: 0, failedWithRetry: 0 });
    });

    it('arms no timer when a callback aborts the signal', async () => {
      const { controller, signal, listeners } = countedSignal();
      const { clock, policy } = setup({ onRetry: () => controller.abort('stop') });
      const result = outcome(policy.execute(flaky(5, 'x').fn, { signal }));
      await flushPromises();
      expect(result).toEqual({ error: 'stop', done: true });
      expect(clock.pendingTimers).toBe(0);
      expect(listeners()).toBe(0);
    });

    it('removes its listener when the call settles normally', async () => {
      const { clock, policy } = setup();
      const { signal, listeners } = countedSignal();
      const ok = outcome(policy.execute(flaky(1, 'ok').fn, { signal }));
      await flushPromises();
      expect(listeners()).toBe(1);
      await clock.advanceAsync(100);
      expect(ok.value).toBe('ok');
      expect(listeners()).toBe(0);
      const failed = outcome(policy.execute(flaky(9, 'x').fn, { signal, attempt: 7 }));
      await clock.advanceAsync(1000);
      expect(isRetryExhaustedError(failed.error)).toBe(true);
      expect(listeners()).toBe(0);
    });
  });

  describe('options', () => {
    it('has bounded defaults and describes its options', () => {
      const policy = retry();
      expect(policy).toBeInstanceOf(RetryPolicy);
      expect(policy.maxAttempts).toBe(3);
      expect(policy.describe()).toBe('retry(maxAttempts=3, exponential full jitter)');
      expect(retry({ maxDelayMs: 50, backoff: constantBackoff(1) }).describe()).toBe('retry(maxAttempts=3, constant 1ms, maxDelayMs=50)');
    });

    it('rejects bad options, naming the option and the value', () => {
      expect(() => retry({ maxAttempts: 0 })).toThrow(new RangeError('retry: options.maxAttempts must be a positive integer, got 0'));
      expect(() => retry({ maxAttempts: 1.5 })).toThrow(RangeError);
      expect(() => retry({ maxAttempts: Infinity })).toThrow(
        new RangeError('retry: options.maxAttempts may be Infinity only together with options.maxElapsedMs, got Infinity'),
      );
      expect(() => retry({ maxAttempts: Infinity, maxElapsedMs: 1000 })).not.toThrow();
      expect(() => retry({ maxDelayMs: -1 })).toThrow(/retry: options\.maxDelayMs .* got -1/);
      expect(() => retry({ maxElapsedMs: NaN })).toThrow(/retry: options\.maxElapsedMs/);
      expect(() => retry({ backoff: 5 as unknown as Backoff })).toThrow(/retry: options\.backoff must be an object, got 5/);
      expect(() => retry({ backoff: {} as Backoff })).toThrow(/retry: options\.backoff\.delay must be a function/);
      expect(() => retry({ shouldRetry: true as unknown as () => boolean })).toThrow(/options\.shouldRetry must be a function, got true/);
      expect(() => retry({ onRetry: 'x' as unknown as () => void })).toThrow(TypeError);
      expect(() => retry({ budget: {} as never })).toThrow(/options\.budget\.deposit must be a function/);
      expect(() => retry({ clock: 1 as never })).toThrow(/options\.clock must be an object/);
      expect(() => retry({ random: 0.5 as never })).toThrow(/options\.random must be a function, got 0\.5/);
      expect(() => retry(null as never)).toThrow(TypeError);
    });
  });
});
