import { trackAbortListeners } from '../testing/abort-listeners.js';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { isTimeoutError, TimeoutError } from '../errors/timeout-error.js';
import { ManualClock, deferred, flushPromises } from '../testing/index.js';
import type { Clock } from '../time/clock.js';
import type { ExecuteContext } from './policy.js';
import { timeout, TimeoutPolicy } from './timeout.js';
import type { TimeoutEvent } from './timeout.js';


/** The value, which the test knows is there (fails the test otherwise). */
function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('expected a value');
  return value;
}

/** An AbortController whose signal counts the abort listeners registered on it and not removed. */
function trackedController(): { controller: AbortController; live: () => number } {
  const controller = new AbortController();
  return { controller, live: trackAbortListeners(controller.signal).live };
}

type Record_ = { state: 'pending' | 'fulfilled' | 'rejected'; value?: unknown; error?: unknown; at?: number };
function watch(promise: Promise<unknown>, clock: ManualClock): Record_ {
  const record: Record_ = { state: 'pending' };
  promise.then(
    (value) => Object.assign(record, { state: 'fulfilled', value, at: clock.now() }),
    (error: unknown) => Object.assign(record, { state: 'rejected', error, at: clock.now() }),
  );
  return record;
}

/** Counts `new AbortController()` while `run` runs. */
async function countControllers(run: () => Promise<void>): Promise<number> {
  const Original = globalThis.AbortController;
  let count = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      count++;
    }
  };
  try {
    await run();
  } finally {
    globalThis.AbortController = Original;
  }
  return count;
}

describe('timeout options', () => {
  it('requires timeoutMs as a positive finite number', () => {
    expect(() => timeout({} as never)).toThrow(new TypeError('timeout: options.timeoutMs must be a positive finite number, got undefined'));
    expect(() => timeout({ timeoutMs: 0 })).toThrow(new RangeError('timeout: options.timeoutMs must be a positive finite number, got 0'));
    expect(() => timeout({ timeoutMs: Infinity })).toThrow(RangeError);
    expect(() => timeout({ timeoutMs: '5' as never })).toThrow(TypeError);
    expect(() => timeout(null as never)).toThrow(TypeError);
  });

  it('checks strategy (default cooperative) and clock', () => {
    expect(timeout({ timeoutMs: 5 }).strategy).toBe('cooperative');
    expect(timeout({ timeoutMs: 5, strategy: 'aggressive' }).strategy).toBe('aggressive');
    expect(() => timeout({ timeoutMs: 5, strategy: 'eager' as never })).toThrow(
      new RangeError("timeout: options.strategy must be one of 'cooperative', 'aggressive', got \"eager\""),
    );
    expect(() => timeout({ timeoutMs: 5, clock: 'now' as never })).toThrow(TypeError);
    expect(timeout({ timeoutMs: 5 })).toBeInstanceOf(TimeoutPolicy);
  });

  it('describes itself', () => {
    expect(timeout({ timeoutMs: 2000 }).describe()).toBe('timeout(2000ms, cooperative)');
    expect(timeout({ timeoutMs: 5, strategy: 'aggressive' }).describe()).toBe('timeout(5ms, aggressive)');
  });
});

describe.each(['cooperative', 'aggressive'] as const)('timeout (%s)', (strategy) => {
  it('returns what fn returns before the deadline, clearing the timer and the listener', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 100, strategy, clock });
    const { controller, live } = trackedController();
    const gate = deferred<string>();
    const call = t.execute(() => gate.promise, { signal: controller.signal });
    expect(clock.pendingTimers).toBe(1);
    expect(live()).toBe(1);
    clock.advance(99);
    gate.resolve('ok');
    await expect(call).resolves.toBe('ok');
    expect(clock.pendingTimers).toBe(0);
    expect(live()).toBe(0);
    await expect(t.execute(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(
      t.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(clock.pendingTimers).toBe(0);
    expect(t.metrics()).toEqual({ calls: 3, timedOut: 0, callerAborted: 0 });
  });

  it('passes the attempt, and a signal that aborts at the deadline with a TimeoutError DOMException', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 100, strategy, clock });
    const events: TimeoutEvent[] = [];
    t.onTimeout((e) => events.push(e));
    const gate = deferred<void>();
    let context: ExecuteContext | undefined;
    const call = watch(t.execute((c) => ((context = c), gate.promise), { attempt: 4 }), clock);
    expect(context?.attempt).toBe(4);
    const signal = must(context).signal;
    expect(signal.aborted).toBe(false);
    clock.advance(100);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe('TimeoutError');
    await flushPromises();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ timeoutMs: 100, attempt: 4 });
    if (strategy === 'cooperative') {
      // Waits for fn to stop, then reports the timeout even though fn succeeded.
      expect(call.state).toBe('pending');
      gate.resolve();
      await flushPromises();
    } else {
      expect(call.state).toBe('rejected');
      gate.resolve();
      await flushPromises();
    }
    expect(call.state).toBe('rejected');
    expect(call.error).toBe(events[0].error);
    expect(call.error).toBeInstanceOf(TimeoutError);
    expect(isTimeoutError(call.error)).toBe(true);
    expect(call.error).toMatchObject({ code: 'ETIMEDOUT', timeoutMs: 100, cause: signal.reason });
    expect(t.metrics()).toEqual({ calls: 1, timedOut: 1, callerAborted: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives fn an already-aborted signal when it first reads it after the deadline', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 10, strategy, clock });
    const gate = deferred<void>();
    let context: ExecuteContext | undefined;
    const call = t.execute((c) => ((context = c), gate.promise)).catch((e: unknown) => e);
    clock.advance(10);
    expect(must(context).signal.aborted).toBe(true);
    expect((must(context).signal.reason as DOMException).name).toBe('TimeoutError');
    gate.reject(must(context).signal.reason);
    const error = (await call) as TimeoutError;
    expect(error.cause).toBe(must(context).signal.reason);
  });

  it('on the caller’s abort, aborts fn’s signal with its reason and rejects with it', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 100, strategy, clock });
    const { controller, live } = trackedController();
    const gate = deferred<void>();
    let signal: AbortSignal | undefined;
    const call = watch(t.execute((c) => ((signal = c.signal), gate.promise), { signal: controller.signal }), clock);
    const reason = new Error('caller gave up');
    clock.advance(30);
    controller.abort(reason);
    expect(must(signal).aborted).toBe(true);
    expect(must(signal).reason).toBe(reason);
    expect(live()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    await flushPromises();
    expect(call.state).toBe(strategy === 'cooperative' ? 'pending' : 'rejected');
    gate.resolve();
    await flushPromises();
    expect(call).toMatchObject({ state: 'rejected', error: reason });
    // Not a timeout, however long we wait.
    clock.advance(1000);
    expect(t.metrics()).toEqual({ calls: 1, timedOut: 0, callerAborted: 1 });
  });

  it('rejects at once with the reason of an already-aborted signal, arming nothing', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 100, strategy, clock });
    const controller = new AbortController();
    controller.abort('stop');
    const fn = jest.fn();
    await expect(t.execute(fn, { signal: controller.signal })).rejects.toBe('stop');
    expect(fn).not.toHaveBeenCalled();
    expect(clock.pendingTimers).toBe(0);
    expect(t.metrics().calls).toBe(0);
  });

  it('creates no AbortController unless fn reads its signal', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 10, strategy, clock });
    const caller = new AbortController();
    const unread = await countControllers(async () => {
      await t.execute(() => 1);
      await t.execute(() => 1, { signal: caller.signal });
      const gate = deferred<void>();
      const late = t.execute(() => gate.promise).catch(() => undefined);
      clock.advance(10);
      gate.resolve();
      await late;
    });
    expect(unread).toBe(0);
    const read = await countControllers(async () => {
      await t.execute(({ signal }) => signal.aborted);
    });
    expect(read).toBe(1);
  });

  it('ignores a listener that throws', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 10, strategy, clock });
    t.onTimeout(() => {
      throw new Error('bad listener');
    });
    const call = t.execute(() => deferred<void>().promise.then(() => 0));
    const done = call.catch((e: unknown) => e);
    clock.advance(10);
    if (strategy === 'aggressive') expect(await done).toBeInstanceOf(TimeoutError);
    expect(t.metrics().timedOut).toBe(1);
  });
});

describe('timeout (aggressive)', () => {
  it('drops fn’s late rejection without an unhandled rejection', async () => {
    const clock = new ManualClock();
    const t = timeout({ timeoutMs: 10, strategy: 'aggressive', clock });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const gate = deferred<void>();
      const call = t.execute(() => gate.promise);
      clock.advance(10);
      await expect(call).rejects.toBeInstanceOf(TimeoutError);
      gate.reject(new Error('late'));
      await flushPromises();
      await flushPromises();
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Property: against a reference of who comes first among deadline, caller abort and fn settling.

interface CallPlan {
  settleAt: number;
  ok: boolean;
  abortAt: number | undefined;
  withSignal: boolean;
  readSignal: 'never' | 'start' | 'end';
}

const plan: fc.Arbitrary<CallPlan> = fc.record({
  settleAt: fc.integer({ min: 0, max: 80 }),
  ok: fc.boolean(),
  abortAt: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  withSignal: fc.boolean(),
  readSignal: fc.constantFrom('never' as const, 'start' as const, 'end' as const),
});

describe('timeout properties', () => {
  it('settles as the first of deadline, caller abort and fn decides; leaves no listener and no timer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('cooperative' as const, 'aggressive' as const),
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), plan), { minLength: 1, maxLength: 8 }),
        async (strategy, timeoutMs, calls) => {
          const clock = new ManualClock();
          // The policy's timers, tracked apart from the test's own (which schedule the plan).
          const live = new Set<unknown>();
          const policyClock: Clock = {
            now: () => clock.now(),
            setTimeout: (callback, delayMs) => {
              const handle = clock.setTimeout(() => (live.delete(handle), callback()), delayMs);
              live.add(handle);
              return handle;
            },
            clearTimeout: (handle) => (live.delete(handle), clock.clearTimeout(handle)),
          };
          const t = timeout({ timeoutMs, strategy, clock: policyClock });
          const lastSettle = Math.max(...calls.map(([startAt, p]) => startAt + p.settleAt));
          const checks: Array<() => void> = [];
          const trackers: Array<ReturnType<typeof trackedController>> = [];
          let expectedTimeouts = 0;
          for (const [startAt, p] of calls) {
            clock.setTimeout(() => {
              const start = clock.now();
              // The caller's signal: an abort needs one.
              const tracked = p.withSignal || p.abortAt !== undefined ? trackedController() : undefined;
              if (tracked) trackers.push(tracked);
              const gate = deferred<number>();
              let seen: AbortSignal | undefined;
              let signalAtEnd: { aborted: boolean; reason: unknown } | undefined;
              const record = watch(
                t.execute(
                  (context) => {
                    if (p.readSignal === 'start') seen = context.signal;
                    return gate.promise.finally(() => {
                      if (p.readSignal === 'end') seen = context.signal;
                      if (seen) signalAtEnd = { aborted: seen.aborted, reason: seen.reason as unknown };
                    });
                  },
                  { signal: tracked?.controller.signal },
                ),
                clock,
              );
              // Armed after execute() armed its deadline timer: on a tie the deadline fires first,
              // then the abort, then the settlement.
              const abortReason = new Error('abort');
              if (p.abortAt !== undefined) clock.setTimeout(() => must(tracked).controller.abort(abortReason), p.abortAt);
              clock.setTimeout(() => (p.ok ? gate.resolve(7) : gate.reject(new Error('fn failed'))), p.settleAt);
              // Reference: the earliest event, ties in the order deadline, abort, settle.
              const abortAt = p.abortAt ?? Infinity;
              const first = timeoutMs <= Math.min(abortAt, p.settleAt) ? 'deadline' : abortAt <= p.settleAt ? 'abort' : 'settle';
              if (first === 'deadline') expectedTimeouts++;
              checks.push(() => {
                expect(record.state).not.toBe('pending');
                if (first === 'settle') {
                  expect(record).toMatchObject(p.ok ? { state: 'fulfilled', value: 7 } : { state: 'rejected' });
                  if (!p.ok) expect((record.error as Error).message).toBe('fn failed');
                  expect(record.at).toBe(start + p.settleAt);
                  if (signalAtEnd) expect(signalAtEnd.aborted).toBe(false);
                  return;
                }
                const decidedAt = start + (first === 'deadline' ? timeoutMs : abortAt);
                // Cooperative never answers before fn has settled; aggressive answers at once.
                expect(record.at).toBe(strategy === 'cooperative' ? start + p.settleAt : decidedAt);
                if (signalAtEnd) expect(signalAtEnd.aborted).toBe(true);
                if (first === 'abort') {
                  expect(record).toMatchObject({ state: 'rejected', error: abortReason });
                  if (signalAtEnd) expect(signalAtEnd.reason).toBe(abortReason);
                } else {
                  expect(record.state).toBe('rejected');
                  expect(record.error).toBeInstanceOf(TimeoutError);
                  expect((record.error as TimeoutError).timeoutMs).toBe(timeoutMs);
                  expect(((record.error as TimeoutError).cause as DOMException).name).toBe('TimeoutError');
                  if (signalAtEnd) expect(signalAtEnd.reason).toBe((record.error as TimeoutError).cause);
                }
              });
            }, startAt);
          }
          // Once every fn has settled, every call has, and none of them may keep a timer.
          await clock.advanceAsync(lastSettle);
          await flushPromises();
          expect(live.size).toBe(0);
          await clock.advanceAsync(200);
          await flushPromises();
          for (const check of checks) check();
          for (const tracked of trackers) expect(tracked.live()).toBe(0);
          expect(clock.pendingTimers).toBe(0);
          expect(t.metrics().calls).toBe(calls.length);
          expect(t.metrics().timedOut).toBe(expectedTimeouts);
        },
      ),
      { numRuns: 150 },
    );
  });
});
