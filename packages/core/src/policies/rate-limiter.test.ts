import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { isRateLimitedError, RateLimitedError } from '../errors/rate-limited-error.js';
import { ManualClock, flushPromises } from '../testing/manual-clock.js';
import { deferred } from '../testing/deferred.js';
import type { Clock } from '../time/clock.js';
import type { ExecuteContext } from './policy.js';
import type { RateLimiterOptions, RateLimiterPolicy } from './rate-limiter.js';
import { rateLimiter } from './rate-limiter.js';

/** Runs a call that records when it started; returns its promise (rejections are handled). */
function call(limiter: RateLimiterPolicy, clock: Clock, log: number[], signal?: AbortSignal): Promise<unknown> {
  const promise = limiter.execute(() => {
    log.push(clock.now());
    return 'ok';
  }, { signal });
  promise.catch(() => undefined);
  return promise;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

describe('rateLimiter options', () => {
  const base = { mode: 'token-bucket', limit: 1, intervalMs: 1000 } as const;

  it('rejects malformed options with messages naming the option and the value', () => {
    expect(() => rateLimiter(undefined as never)).toThrow(new TypeError('rateLimiter: options must be an object, got undefined'));
    expect(() => rateLimiter([] as never)).toThrow(TypeError);
    expect(() => rateLimiter({ limit: 1, intervalMs: 1 } as never)).toThrow(
      new TypeError("rateLimiter: options.mode must be one of 'token-bucket', 'sliding-window', got undefined"),
    );
    expect(() => rateLimiter({ ...base, mode: 'fixed-window' } as never)).toThrow(RangeError);
    expect(() => rateLimiter({ ...base, limit: 0 })).toThrow(new RangeError('rateLimiter: options.limit must be a positive integer, got 0'));
    expect(() => rateLimiter({ ...base, limit: 1.5 })).toThrow(RangeError);
    expect(() => rateLimiter({ ...base, limit: '1' } as never)).toThrow(TypeError);
    expect(() => rateLimiter({ ...base, intervalMs: 0 })).toThrow('rateLimiter: options.intervalMs must be a positive finite number, got 0');
    expect(() => rateLimiter({ mode: 'token-bucket', limit: 1 } as never)).toThrow('options.intervalMs must be a positive finite number, got undefined');
    expect(() => rateLimiter({ ...base, burst: 0 })).toThrow('rateLimiter: options.burst must be a positive integer, got 0');
    expect(() => rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: -1 })).toThrow('rateLimiter: options.windowMs must be a positive finite number, got -1');
    expect(() => rateLimiter({ ...base, maxWaitMs: -1 })).toThrow('rateLimiter: options.maxWaitMs must be a non-negative finite number, got -1');
    expect(() => rateLimiter({ ...base, maxWaitMs: Infinity })).toThrow(RangeError);
    expect(() => rateLimiter({ ...base, clock: 5 } as never)).toThrow('rateLimiter: options.clock must be an object, got 5');
    expect(() => rateLimiter({ ...base, clock: { now: () => 0 } } as never)).toThrow('options.clock must have now(), setTimeout() and clearTimeout()');
  });

  it('rejects options that belong to the other mode', () => {
    expect(() => rateLimiter({ ...base, windowMs: 5 } as never)).toThrow(new TypeError("rateLimiter: options.windowMs does not apply to mode 'token-bucket'"));
    expect(() => rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: 5, intervalMs: 5 } as never)).toThrow(
      "rateLimiter: options.intervalMs does not apply to mode 'sliding-window'",
    );
    expect(() => rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: 5, burst: 2 } as never)).toThrow("options.burst does not apply to mode 'sliding-window'");
  });

  it('describes itself with its mode and settings', () => {
    expect(rateLimiter(base).describe()).toBe('rateLimiter(token-bucket, 1/1000ms, burst=1, maxWaitMs=0)');
    expect(rateLimiter({ ...base, limit: 10, burst: 20, maxWaitMs: 250 }).describe()).toBe('rateLimiter(token-bucket, 10/1000ms, burst=20, maxWaitMs=250)');
    expect(rateLimiter({ mode: 'sliding-window', limit: 5, windowMs: 60_000 }).describe()).toBe('rateLimiter(sliding-window, 5/60000ms, maxWaitMs=0)');
  });

  it('uses the system clock by default', async () => {
    const limiter = rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: 60_000 });
    await expect(limiter.execute(() => 1)).resolves.toBe(1);
    const error = (await rejection(limiter.execute(() => 2))) as RateLimitedError;
    expect(error.retryAfterMs).toBeGreaterThan(59_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(60_000);
  });
});

describe('rateLimiter: token bucket', () => {
  it('lets a burst of `limit` through at once, then rejects with the time to the next token', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 2, intervalMs: 1000, clock });
    const log: number[] = [];
    await call(limiter, clock, log);
    await call(limiter, clock, log);
    clock.advance(100);
    const error = await rejection(call(limiter, clock, log));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(isRateLimitedError(error)).toBe(true);
    // One token every 500ms; 100ms of it has accrued.
    expect((error as RateLimitedError).retryAfterMs).toBe(400);
    expect(log).toEqual([0, 0]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('refills lazily from the clock: a permit exactly at retryAfterMs, none a millisecond before', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 3, intervalMs: 1000, burst: 1, clock });
    const log: number[] = [];
    await call(limiter, clock, log);
    const error = (await rejection(call(limiter, clock, log))) as RateLimitedError;
    // 1000 / 3 = 333.3…ms, rounded up.
    expect(error.retryAfterMs).toBe(334);
    clock.advance(333);
    expect(limiter.availablePermits).toBe(0);
    await rejection(call(limiter, clock, log));
    clock.advance(1);
    expect(limiter.availablePermits).toBe(1);
    await call(limiter, clock, log);
    expect(log).toEqual([0, 334]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('holds at most `burst` tokens however long it idles, and `burst` defaults to `limit`', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, burst: 3, clock });
    expect(limiter.availablePermits).toBe(3);
    const log: number[] = [];
    for (let i = 0; i < 3; i++) await call(limiter, clock, log);
    expect(limiter.availablePermits).toBe(0);
    clock.advance(250);
    expect(limiter.availablePermits).toBe(2);
    clock.advance(1_000_000);
    expect(limiter.availablePermits).toBe(3);
    const byDefault = rateLimiter({ mode: 'token-bucket', limit: 4, intervalMs: 100, clock });
    expect(byDefault.availablePermits).toBe(4);
    clock.advance(1_000_000);
    expect(byDefault.availablePermits).toBe(4);
  });

  it('ignores a clock that goes backwards', async () => {
    let now = 1000;
    const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, clock });
    await limiter.execute(() => 1);
    now = 500;
    expect(limiter.availablePermits).toBe(0);
    expect(((await rejection(limiter.execute(() => 1))) as RateLimitedError).retryAfterMs).toBe(100);
    now = 1099;
    expect(limiter.availablePermits).toBe(0);
    now = 1100;
    expect(limiter.availablePermits).toBe(1);
  });
});

describe('rateLimiter: sliding window', () => {
  it('allows at most `limit` calls in any window, with no boundary burst', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'sliding-window', limit: 3, windowMs: 1000, clock });
    const log: number[] = [];
    clock.advance(700);
    for (let i = 0; i < 3; i++) await call(limiter, clock, log);
    // A fixed window would reset at 1000 and allow 3 more; a sliding one waits for 1700.
    clock.advance(400);
    const error = (await rejection(call(limiter, clock, log))) as RateLimitedError;
    expect(error.retryAfterMs).toBe(600);
    clock.advance(599);
    expect(limiter.availablePermits).toBe(0);
    clock.advance(1);
    expect(limiter.availablePermits).toBe(3);
    await call(limiter, clock, log);
    expect(log).toEqual([700, 700, 700, 1700]);
  });

  it('frees permits one by one as the calls that used them leave the window', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'sliding-window', limit: 3, windowMs: 1000, clock });
    const log: number[] = [];
    await call(limiter, clock, log);
    clock.advance(400);
    await call(limiter, clock, log);
    clock.advance(400);
    await call(limiter, clock, log);
    expect(limiter.availablePermits).toBe(0);
    clock.advance(100);
    expect(((await rejection(call(limiter, clock, log))) as RateLimitedError).retryAfterMs).toBe(100);
    clock.advance(100);
    expect(limiter.availablePermits).toBe(1);
    await call(limiter, clock, log);
    expect(((await rejection(call(limiter, clock, log))) as RateLimitedError).retryAfterMs).toBe(400);
    expect(log).toEqual([0, 400, 800, 1000]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('rateLimiter: waiting (maxWaitMs)', () => {
  it.each<[string, RateLimiterOptions]>([
    ['token bucket', { mode: 'token-bucket', limit: 1, intervalMs: 100, maxWaitMs: 250 }],
    ['sliding window', { mode: 'sliding-window', limit: 1, windowMs: 100, maxWaitMs: 250 }],
  ])('%s: queues FIFO with one timer, then rejects past maxWaitMs with the queue counted', async (_name, options) => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ ...options, clock });
    const log: number[] = [];
    const order: string[] = [];
    const run = (label: string): Promise<unknown> => {
      const promise = limiter.execute(() => {
        order.push(label);
        log.push(clock.now());
        return label;
      });
      promise.catch(() => undefined);
      return promise;
    };
    const a = run('a');
    const b = run('b');
    const c = run('c');
    expect(clock.pendingTimers).toBe(1);
    expect(limiter.queueLength).toBe(2);
    expect(limiter.availablePermits).toBe(0);
    // A fourth call's permit would come at 300ms > 250ms.
    const d = run('d');
    expect(((await rejection(d)) as RateLimitedError).retryAfterMs).toBe(300);
    expect(order).toEqual(['a']);
    clock.advance(100);
    expect(order).toEqual(['a', 'b']);
    expect(clock.pendingTimers).toBe(1);
    // Now the queue is one shorter, so a new call fits (its permit comes at 300).
    const e = run('e');
    clock.advance(200);
    await expect(Promise.all([a, b, c, e])).resolves.toEqual(['a', 'b', 'c', 'e']);
    expect(log).toEqual([0, 100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
    expect(limiter.metrics()).toEqual({ permitted: 4, rejected: 1, queued: 3 });
  });

  it('queues a call whose wait equals maxWaitMs exactly', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, maxWaitMs: 100, clock });
    const log: number[] = [];
    const first = call(limiter, clock, log);
    const second = call(limiter, clock, log);
    expect(limiter.queueLength).toBe(1);
    clock.advance(100);
    await Promise.all([first, second]);
    expect(log).toEqual([0, 100]);
  });

  it('serves waiters before a newcomer when their permit is already due', async () => {
    // A clock whose timers never fire on their own, as when the event loop is late.
    let now = 0;
    const armed: number[] = [];
    const clock: Clock = { now: () => now, setTimeout: (_f, ms) => armed.push(ms), clearTimeout: () => undefined };
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, maxWaitMs: 500, clock });
    const log: string[] = [];
    const make = (label: string): Promise<unknown> => limiter.execute(() => log.push(label));
    void make('a');
    const b = make('b');
    expect(armed).toEqual([100]);
    now = 150;
    const c = make('c');
    expect(log).toEqual(['a', 'b']);
    expect(limiter.queueLength).toBe(1);
    // b took the full bucket at 150 (the refill is capped at `burst` even when a timer is late,
    // so late waiters never burst past the rate): c's token comes at 250.
    expect(armed).toEqual([100, 100]);
    now = 249;
    expect(limiter.availablePermits).toBe(0);
    now = 250;
    const d = make('d');
    d.catch(() => undefined);
    expect(log).toEqual(['a', 'b', 'c']);
    await expect(Promise.all([b, c])).resolves.toEqual([2, 3]);
    expect(limiter.queueLength).toBe(1);
    expect(armed).toEqual([100, 100, 100]);
  });

  it('a waiter whose caller aborts leaves at once with the reason, never runs, and gives its place back', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, maxWaitMs: 200, clock });
    const log: number[] = [];
    const ran: string[] = [];
    const first = limiter.execute(() => ran.push('first'));
    const controller = new AbortController();
    const aborted = limiter.execute(() => ran.push('aborted'), { signal: controller.signal });
    aborted.catch(() => undefined);
    const third = limiter.execute(() => ran.push('third'));
    expect(abortListeners(controller.signal)).toBe(1);
    // Full: a fourth would wait 300ms.
    expect(((await rejection(call(limiter, clock, log))) as RateLimitedError).retryAfterMs).toBe(300);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(abortListeners(controller.signal)).toBe(0);
    // Its reservation is back: a new call now fits in the queue, behind `third`.
    const fourth = call(limiter, clock, log);
    expect(limiter.queueLength).toBe(2);
    clock.advance(200);
    await Promise.all([first, third, fourth]);
    expect(ran).toEqual(['first', 'third']);
    expect(log).toEqual([200]);
    expect(limiter.metrics()).toEqual({ permitted: 3, rejected: 1, queued: 3 });
  });

  it('clears its timer when the last waiter aborts, and keeps it while others wait', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: 100, maxWaitMs: 500, clock });
    const log: number[] = [];
    await call(limiter, clock, log);
    const c1 = new AbortController();
    const c2 = new AbortController();
    const w1 = call(limiter, clock, log, c1.signal);
    const w2 = call(limiter, clock, log, c2.signal);
    expect(clock.pendingTimers).toBe(1);
    c1.abort('one');
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(100);
    c2.abort('two');
    expect(clock.pendingTimers).toBe(0);
    expect(limiter.queueLength).toBe(0);
    await expect(w1).rejects.toBe('one');
    await expect(w2).rejects.toBe('two');
    clock.advance(1000);
    expect(log).toEqual([0]);
    expect(limiter.availablePermits).toBe(1);
  });

  it('removes its listener from a waiter’s signal once the waiter runs', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 100, maxWaitMs: 100, clock });
    const controller = new AbortController();
    await limiter.execute(() => 1);
    const waiter = limiter.execute(() => 2, { signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    clock.advance(100);
    await expect(waiter).resolves.toBe(2);
    expect(abortListeners(controller.signal)).toBe(0);
  });
});

describe('rateLimiter: execute', () => {
  it('passes the caller’s signal and attempt to fn, or a signal that never aborts', async () => {
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 10, intervalMs: 1000, clock: new ManualClock() });
    const controller = new AbortController();
    const seen: ExecuteContext[] = [];
    await limiter.execute((context) => seen.push(context), { signal: controller.signal, attempt: 3 });
    await limiter.execute((context) => seen.push(context));
    expect(seen[0].signal).toBe(controller.signal);
    expect(seen[0].attempt).toBe(3);
    expect(seen[1].signal.aborted).toBe(false);
    expect(seen[1].attempt).toBe(1);
  });

  it('rejects at once with the reason when the signal is already aborted, using no permit', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 1000, clock });
    const reason = new Error('already');
    let ran = false;
    await expect(limiter.execute(() => (ran = true), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(ran).toBe(false);
    expect(limiter.availablePermits).toBe(1);
    expect(limiter.metrics()).toEqual({ permitted: 0, rejected: 0, queued: 0 });
  });

  it('rejects a running call at once when its caller aborts, and leaves no listener behind', async () => {
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 5, intervalMs: 1000, clock: new ManualClock() });
    const controller = new AbortController();
    const answer = deferred<string>();
    const running = limiter.execute(() => answer.promise, { signal: controller.signal });
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort('stop');
    await expect(running).rejects.toBe('stop');
    expect(abortListeners(controller.signal)).toBe(0);
    answer.resolve('late');
    await flushPromises();

    const other = new AbortController();
    const failing = deferred<string>();
    const call2 = limiter.execute(() => failing.promise, { signal: other.signal });
    failing.reject(new Error('boom'));
    await expect(call2).rejects.toThrow('boom');
    expect(abortListeners(other.signal)).toBe(0);
    await expect(limiter.execute(() => Promise.resolve('fine'), { signal: other.signal })).resolves.toBe('fine');
    expect(abortListeners(other.signal)).toBe(0);
  });

  it('turns a synchronous throw into a rejection; the permit is spent', async () => {
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 1000, clock: new ManualClock() });
    await expect(
      limiter.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(limiter.availablePermits).toBe(0);
    expect(limiter.metrics().permitted).toBe(1);
  });

  it('emits onRejected with retryAfterMs and attempt; disposed listeners stop hearing', async () => {
    const clock = new ManualClock();
    const limiter = rateLimiter({ mode: 'sliding-window', limit: 1, windowMs: 50, clock });
    const events: unknown[] = [];
    const subscription = limiter.onRejected((event) => events.push(event));
    await limiter.execute(() => 1);
    clock.advance(20);
    await rejection(limiter.execute(() => 1, { attempt: 2 }));
    expect(events).toEqual([{ retryAfterMs: 30, attempt: 2 }]);
    subscription.dispose();
    await rejection(limiter.execute(() => 1));
    expect(events).toHaveLength(1);
    expect(limiter.metrics()).toEqual({ permitted: 1, rejected: 2, queued: 0 });
  });

  it('rejects the call with a throwing listener’s error', async () => {
    const limiter = rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 1000, clock: new ManualClock() });
    await limiter.execute(() => 1);
    limiter.onRejected(() => {
      throw new Error('listener bug');
    });
    await expect(limiter.execute(() => 1)).rejects.toThrow('listener bug');
  });
});

// ---------------------------------------------------------------------------------------------
// Properties. A scenario is a script of steps run synchronously on a ManualClock (the limiter
// starts `fn` synchronously, so start times are exact); promises are awaited only at the end.

type Step = { kind: 'advance'; ms: number } | { kind: 'call'; abortable: boolean } | { kind: 'abort'; which: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
  fc.record({ kind: fc.constant('call' as const), abortable: fc.boolean() }),
  fc.record({ kind: fc.constant('abort' as const), which: fc.nat() }),
);

interface CallRecord {
  readonly madeAt: number;
  startedAt?: number;
  aborted: boolean;
  waiting?: boolean;
  readonly controller?: AbortController;
  promise: Promise<unknown>;
}

async function simulate(options: RateLimiterOptions, steps: Step[]): Promise<CallRecord[]> {
  const clock = new ManualClock();
  const limiter = rateLimiter({ ...options, clock });
  const maxWaitMs = options.maxWaitMs ?? 0;
  const calls: CallRecord[] = [];
  let lastStartIndex = -1;
  for (const step of steps) {
    if (step.kind === 'advance') clock.advance(step.ms);
    else if (step.kind === 'call') {
      const controller = step.abortable ? new AbortController() : undefined;
      const index = calls.length;
      const record: CallRecord = { madeAt: clock.now(), aborted: false, controller, promise: Promise.resolve() };
      calls.push(record);
      const queuedBefore = limiter.queueLength;
      record.promise = limiter.execute(
        () => {
          // Starts happen in the order calls were made (FIFO, and no overtaking of waiters).
          if (index <= lastStartIndex) throw new Error(`call ${index} started after call ${lastStartIndex}`);
          lastStartIndex = index;
          record.startedAt = clock.now();
          return index;
        },
        { signal: controller?.signal },
      );
      record.promise.catch(() => undefined);
      record.waiting = limiter.queueLength > queuedBefore;
    } else {
      const abortable = calls.filter((c) => c.controller && !c.controller.signal.aborted);
      if (abortable.length > 0) {
        const target = abortable[step.which % abortable.length];
        // Only a call still waiting is abandoned; aborting one that ran or was refused changes nothing.
        target.aborted = target.waiting === true && target.startedAt === undefined;
        target.controller?.abort(new Error('aborted'));
      }
    }
    // One timer while calls wait, none otherwise.
    expect(clock.pendingTimers).toBe(limiter.queueLength > 0 ? 1 : 0);
  }
  clock.runAll();
  expect(limiter.queueLength).toBe(0);
  expect(clock.pendingTimers).toBe(0);
  const outcomes = await Promise.allSettled(calls.map((c) => c.promise));
  let permitted = 0;
  let rejected = 0;
  outcomes.forEach((outcome, i) => {
    const c = calls[i];
    if (c.startedAt !== undefined) {
      permitted++;
      expect(c.aborted).toBe(false);
      expect(c.startedAt - c.madeAt).toBeLessThanOrEqual(maxWaitMs);
    } else if (c.aborted) {
      expect(outcome.status).toBe('rejected');
    } else {
      rejected++;
      expect(outcome.status === 'rejected' && isRateLimitedError(outcome.reason)).toBe(true);
    }
    if (c.controller) expect(abortListeners(c.controller.signal)).toBe(0);
  });
  expect(limiter.metrics().permitted).toBe(permitted);
  expect(limiter.metrics().rejected).toBe(rejected);
  return calls;
}

const starts = (calls: CallRecord[]): number[] => calls.flatMap((c) => (c.startedAt === undefined ? [] : [c.startedAt]));

describe('rateLimiter properties', () => {
  // Found by the property below (CI, seed -1069706934): with burst 1 and a refill of 3 per 4 ms,
  // the bucket caps when the second call's timer fires at 2 ms, so the third permit comes at
  // 4 ms. The limiter predicted 2.67 → 3 ms, admitted the third call with maxWaitMs 3, and ran it
  // at 4. Now waits are predicted as the timers will take the permits: the third is refused,
  // with the true wait.
  it('admits a waiting call only when the timers deliver its permit within maxWaitMs, also when the bucket caps', async () => {
    const steps: Step[] = [{ kind: 'call', abortable: false }, { kind: 'call', abortable: false }, { kind: 'call', abortable: false }];
    const calls = await simulate({ mode: 'token-bucket', limit: 3, intervalMs: 4, burst: 1, maxWaitMs: 3 }, steps);
    expect(starts(calls)).toEqual([0, 2]);
    await expect(calls[2]?.promise).rejects.toMatchObject({ retryAfterMs: 4 });
    const roomier = await simulate({ mode: 'token-bucket', limit: 3, intervalMs: 4, burst: 1, maxWaitMs: 4 }, steps);
    expect(starts(roomier)).toEqual([0, 2, 4]);
  });

  it('a token bucket never permits more than burst + limit·elapsed/intervalMs in any span', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1500 })),
        fc.array(stepArb, { maxLength: 120 }),
        async (limit, intervalMs, burst, maxWaitMs, steps) => {
          const times = starts(await simulate({ mode: 'token-bucket', limit, intervalMs, burst, maxWaitMs }, steps));
          for (let i = 0; i < times.length; i++) {
            for (let j = i; j < times.length; j++) {
              // (j − i + 1) permits in [t_i, t_j], in integers: no rounding in the check.
              expect((j - i + 1 - burst) * intervalMs).toBeLessThanOrEqual(limit * (times[j] - times[i]));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a sliding window never permits more than limit in any window (naive recount)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2500 })),
        fc.array(stepArb, { maxLength: 120 }),
        async (limit, windowMs, maxWaitMs, steps) => {
          const times = starts(await simulate({ mode: 'sliding-window', limit, windowMs, maxWaitMs }, steps));
          for (const t of times) {
            expect(times.filter((u) => u > t - windowMs && u <= t).length).toBeLessThanOrEqual(limit);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('without waiting, a sliding window decides exactly as a naive recount of all permits does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 150 }),
        async (limit, windowMs, gaps) => {
          const clock = new ManualClock();
          const limiter = rateLimiter({ mode: 'sliding-window', limit, windowMs, clock });
          const history: number[] = [];
          for (const gap of gaps) {
            clock.advance(gap);
            const now = clock.now();
            const inWindow = history.filter((t) => t > now - windowMs);
            const expectedPermit = inWindow.length < limit;
            let ran = false;
            const promise = limiter.execute(() => (ran = true));
            promise.catch(() => undefined);
            expect(ran).toBe(expectedPermit);
            if (ran) history.push(now);
            else {
              // The naive wait: until the oldest call that keeps the window full leaves it.
              const expectedWait = inWindow[inWindow.length - limit] + windowMs - now;
              const error = (await rejection(promise)) as RateLimitedError;
              expect(error.retryAfterMs).toBe(expectedWait);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('without waiting, a rejected call’s retryAfterMs is exact for a token bucket', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 600 }), { maxLength: 60 }),
        async (limit, intervalMs, burst, gaps) => {
          const clock = new ManualClock();
          const limiter = rateLimiter({ mode: 'token-bucket', limit, intervalMs, burst, clock });
          for (const gap of gaps) {
            clock.advance(gap);
            const promise = limiter.execute(() => 1);
            promise.catch(() => undefined);
            const error = await promise.then(
              () => undefined,
              (e: unknown) => e as RateLimitedError,
            );
            if (error === undefined) continue;
            expect(error.retryAfterMs).toBeGreaterThan(0);
            clock.advance(error.retryAfterMs - 1);
            expect(limiter.availablePermits).toBe(0);
            clock.advance(1);
            expect(limiter.availablePermits).toBe(1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
