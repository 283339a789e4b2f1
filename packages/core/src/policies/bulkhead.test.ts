import { trackAbortListeners } from '../testing/abort-listeners.js';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { BulkheadRejectedError, isBulkheadRejectedError } from '../errors/bulkhead-rejected-error.js';
import { ManualClock, deferred, flushPromises } from '../testing/index.js';
import type { Deferred } from '../testing/index.js';
import { bulkhead, BulkheadPolicy } from './bulkhead.js';
import type { BulkheadAcceptedEvent, BulkheadRejectedEvent } from './bulkhead.js';
import type { ExecuteContext } from './policy.js';


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

/** Settles a promise into an inspectable record without letting it go unhandled. */
function watch<T>(promise: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } {
  const record: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
  promise.then(
    (value) => Object.assign(record, { state: 'fulfilled', value }),
    (error: unknown) => Object.assign(record, { state: 'rejected', error }),
  );
  return record;
}

describe('bulkhead options', () => {
  it('requires maxConcurrent as a positive integer', () => {
    expect(() => bulkhead({} as never)).toThrow(new TypeError('bulkhead: options.maxConcurrent must be a positive integer, got undefined'));
    expect(() => bulkhead({ maxConcurrent: 0 })).toThrow(new RangeError('bulkhead: options.maxConcurrent must be a positive integer, got 0'));
    expect(() => bulkhead({ maxConcurrent: 1.5 })).toThrow(RangeError);
    expect(() => bulkhead({ maxConcurrent: Infinity })).toThrow(RangeError);
    expect(() => bulkhead({ maxConcurrent: '2' as never })).toThrow(TypeError);
    expect(() => bulkhead(undefined as never)).toThrow(new TypeError('bulkhead: options.options must be an object, got undefined'));
  });

  it('checks maxQueued (default 0, Infinity allowed), queueTimeoutMs and clock', () => {
    expect(bulkhead({ maxConcurrent: 1 }).maxQueued).toBe(0);
    expect(bulkhead({ maxConcurrent: 1, maxQueued: Infinity }).maxQueued).toBe(Infinity);
    expect(() => bulkhead({ maxConcurrent: 1, maxQueued: -1 })).toThrow(new RangeError('bulkhead: options.maxQueued must be a non-negative integer, got -1'));
    expect(() => bulkhead({ maxConcurrent: 1, maxQueued: 0.5 })).toThrow(RangeError);
    expect(() => bulkhead({ maxConcurrent: 1, queueTimeoutMs: 0 })).toThrow(new RangeError('bulkhead: options.queueTimeoutMs must be a positive finite number, got 0'));
    expect(() => bulkhead({ maxConcurrent: 1, queueTimeoutMs: Infinity })).toThrow(RangeError);
    expect(() => bulkhead({ maxConcurrent: 1, queueTimeoutMs: '5' as never })).toThrow(TypeError);
    expect(() => bulkhead({ maxConcurrent: 1, clock: 5 as never })).toThrow(new TypeError('bulkhead: options.clock must be an object, got 5'));
    const b = bulkhead({ maxConcurrent: 3, maxQueued: 2, queueTimeoutMs: 50 });
    expect(b).toBeInstanceOf(BulkheadPolicy);
    expect([b.maxConcurrent, b.maxQueued, b.queueTimeoutMs]).toEqual([3, 2, 50]);
  });

  it('describes itself', () => {
    expect(bulkhead({ maxConcurrent: 10 }).describe()).toBe('bulkhead(10, queue 0)');
    expect(bulkhead({ maxConcurrent: 2, maxQueued: 5, queueTimeoutMs: 200 }).describe()).toBe('bulkhead(2, queue 5, queueTimeout=200ms)');
  });
});

describe('bulkhead', () => {
  it('runs up to maxConcurrent calls at once and rejects the next with reason full', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 2, clock });
    const gates = [deferred<string>(), deferred<string>()];
    const a = watch(b.execute(() => gates[0].promise));
    const c = watch(b.execute(() => gates[1].promise));
    expect(b.activeCount).toBe(2);
    const ran = jest.fn();
    const error = await b.execute(ran).catch((e: unknown) => e);
    expect(ran).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(isBulkheadRejectedError(error)).toBe(true);
    expect((error as BulkheadRejectedError).reason).toBe('full');
    // Nothing has completed yet: nothing to estimate a wait from.
    expect((error as BulkheadRejectedError).retryAfterMs).toBeUndefined();
    gates[0].resolve('a');
    gates[1].reject(new Error('c'));
    await flushPromises();
    expect(a).toEqual({ state: 'fulfilled', value: 'a' });
    expect(c.state).toBe('rejected');
    expect((c.error as Error).message).toBe('c');
    expect(b.activeCount).toBe(0);
    await expect(b.execute(() => 7)).resolves.toBe(7);
  });

  it('frees the slot of a call that throws synchronously', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    await expect(
      b.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(b.activeCount).toBe(0);
    await expect(b.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('passes the caller’s signal and attempt to fn, and a never-aborted signal without one', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const controller = new AbortController();
    let seen: ExecuteContext | undefined;
    await b.execute((context) => (seen = context), { signal: controller.signal, attempt: 3 });
    expect(seen?.signal).toBe(controller.signal);
    expect(seen?.attempt).toBe(3);
    await b.execute((context) => (seen = context));
    expect(seen?.signal.aborted).toBe(false);
    expect(seen?.attempt).toBe(1);
  });

  it('rejects at once with the reason when the signal is already aborted, counting nothing', async () => {
    const b = bulkhead({ maxConcurrent: 1 });
    const controller = new AbortController();
    const reason = new Error('gone');
    controller.abort(reason);
    const fn = jest.fn();
    await expect(b.execute(fn, { signal: controller.signal })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
    expect(b.metrics()).toMatchObject({ accepted: 0, queued: 0, rejected: { full: 0, queueTimeout: 0, aborted: 0 } });
  });

  it('queues FIFO and hands each freed slot to the head of the queue', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 3 });
    const order: number[] = [];
    const gates = [0, 1, 2, 3].map(() => deferred<void>());
    const calls = [0, 1, 2, 3].map((i) => watch(b.execute(() => (order.push(i), gates[i].promise))));
    expect(order).toEqual([0]);
    expect([b.activeCount, b.queuedCount]).toEqual([1, 3]);
    await expect(b.execute(() => 'x')).rejects.toMatchObject({ reason: 'full' });
    for (let i = 0; i < 4; i++) {
      gates[i].resolve();
      await flushPromises();
      expect(order).toEqual([0, 1, 2, 3].slice(0, Math.min(i + 2, 4)));
    }
    expect(calls.every((c) => c.state === 'fulfilled')).toBe(true);
    expect([b.activeCount, b.queuedCount]).toEqual([0, 0]);
  });

  it('takes an aborted queued call out of the queue at once; it never runs and its listener is gone', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 2 });
    const gate = deferred<void>();
    void b.execute(() => gate.promise);
    const { controller, live } = trackedController();
    const ran = jest.fn();
    const aborted = watch(b.execute(ran, { signal: controller.signal }));
    const next = jest.fn(() => 'next');
    const after = watch(b.execute(next));
    expect(live()).toBe(1);
    expect(b.queuedCount).toBe(2);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(b.queuedCount).toBe(1);
    expect(live()).toBe(0);
    await flushPromises();
    expect(aborted.state).toBe('rejected');
    expect(aborted.error).toBeInstanceOf(BulkheadRejectedError);
    expect(aborted.error).toMatchObject({ reason: 'aborted', cause: reason, retryAfterMs: undefined });
    // The freed queue place is usable at once.
    const third = watch(b.execute(() => 'third'));
    expect(b.queuedCount).toBe(2);
    gate.resolve();
    await flushPromises();
    expect(ran).not.toHaveBeenCalled();
    expect(after).toEqual({ state: 'fulfilled', value: 'next' });
    expect(third).toEqual({ state: 'fulfilled', value: 'third' });
    expect(b.metrics().rejected).toEqual({ full: 0, queueTimeout: 0, aborted: 1 });
  });

  it('removes the listener of a queued call when it gets a slot, and adds none for a call that runs at once', async () => {
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 1 });
    const first = trackedController();
    const gate = deferred<void>();
    void b.execute(() => gate.promise, { signal: first.controller.signal });
    expect(first.live()).toBe(0);
    const second = trackedController();
    const queued = watch(b.execute(() => 'second', { signal: second.controller.signal }));
    expect(second.live()).toBe(1);
    gate.resolve();
    await flushPromises();
    expect(queued.value).toBe('second');
    expect(second.live()).toBe(0);
    // Aborting now changes nothing.
    second.controller.abort();
    expect(b.metrics().rejected.aborted).toBe(0);
  });

  it('times out a queued call after queueTimeoutMs: it leaves the queue and never runs', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 5, queueTimeoutMs: 100, clock });
    const gate = deferred<void>();
    void b.execute(() => gate.promise);
    expect(clock.pendingTimers).toBe(0);
    const ran = jest.fn();
    const first = watch(b.execute(ran));
    clock.advance(40);
    const second = watch(b.execute(ran));
    // One timer for the whole queue.
    expect(clock.pendingTimers).toBe(1);
    clock.advance(59);
    await flushPromises();
    expect(first.state).toBe('pending');
    clock.advance(1);
    await flushPromises();
    expect(first.state).toBe('rejected');
    expect(first.error).toMatchObject({ code: 'EBULKHEADREJECTED', reason: 'queue-timeout' });
    expect(b.queuedCount).toBe(1);
    // Re-armed for the next head, due 40ms later.
    expect(clock.nextDueAt()).toBe(140);
    clock.advance(40);
    await flushPromises();
    expect(second.state).toBe('rejected');
    expect(clock.pendingTimers).toBe(0);
    gate.resolve();
    await flushPromises();
    expect(ran).not.toHaveBeenCalled();
    expect(b.metrics().rejected).toEqual({ full: 0, queueTimeout: 2, aborted: 0 });
  });

  it('clears the queue timer when the queue empties, by slot or by abort', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 100, clock });
    const gate = deferred<void>();
    void b.execute(() => gate.promise);
    const queued = watch(b.execute(() => 'ran'));
    expect(clock.pendingTimers).toBe(1);
    gate.resolve();
    await flushPromises();
    expect(queued.value).toBe('ran');
    expect(clock.pendingTimers).toBe(0);

    const gate2 = deferred<void>();
    void b.execute(() => gate2.promise);
    const controller = new AbortController();
    void b.execute(() => 'never', { signal: controller.signal }).catch(() => undefined);
    expect(clock.pendingTimers).toBe(1);
    controller.abort();
    expect(clock.pendingTimers).toBe(0);
    gate2.resolve();
  });

  it('arms no timer without queueTimeoutMs, however long a call waits', () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 10, clock });
    for (let i = 0; i < 5; i++) void b.execute(() => deferred<void>().promise);
    expect(b.queuedCount).toBe(4);
    expect(clock.pendingTimers).toBe(0);
  });

  it('estimates retryAfterMs from the recent mean duration, the queue and maxConcurrent', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 2, maxQueued: 2, queueTimeoutMs: 1000, clock });
    const run = async (ms: number): Promise<void> => {
      const gate = deferred<void>();
      const call = b.execute(() => gate.promise);
      clock.advance(ms);
      gate.resolve();
      await call;
    };
    await run(100);
    // Fill both slots and the queue: a newcomer waits for 2 queued calls plus itself on 2 slots.
    const gates = [0, 1, 2].map(() => deferred<void>());
    gates.forEach((g) => void b.execute(() => g.promise));
    const gatesQueued = b.execute(() => 0); // the second in the queue: times out below
    await expect(b.execute(() => 0)).rejects.toMatchObject({ reason: 'full', retryAfterMs: 150 });
    // The mean is a moving average: a 200ms call moves it by a fifth of the gap, to 120ms.
    clock.advance(200);
    gates[0].resolve();
    await flushPromises();
    // One queued call got the freed slot; one still waits. Queue one more, then a newcomer
    // finds it full: 120 × (2 + 1) / 2.
    expect(b.queuedCount).toBe(1);
    const queuedAgain = b.execute(() => 0).catch((e: unknown) => e);
    await expect(b.execute(() => 0)).rejects.toMatchObject({ reason: 'full', retryAfterMs: 180 });
    // Queue timeouts carry an estimate too, from the queue left behind them.
    const earlier = gatesQueued.catch((e: unknown) => e);
    clock.advance(1000);
    expect(await earlier).toMatchObject({ reason: 'queue-timeout', retryAfterMs: 120 });
    expect(await queuedAgain).toMatchObject({ reason: 'queue-timeout', retryAfterMs: 60 });
  });

  it('times every call that starts with half the slots busy, and one in eight of the others', async () => {
    const clock = new ManualClock();
    let reads = 0;
    const counting = { now: () => (reads++, clock.now()), setTimeout: clock.setTimeout.bind(clock), clearTimeout: clock.clearTimeout.bind(clock) };
    const b = bulkhead({ maxConcurrent: 4, clock: counting });
    const run = async (ms: number): Promise<void> => {
      const gate = deferred<void>();
      const call = b.execute(() => gate.promise);
      clock.advance(ms);
      gate.resolve();
      await call;
    };
    await run(100); // call 0: timed
    for (let i = 1; i < 8; i++) await run(1000); // calls 1–7 start with 1 of 4 slots busy: not timed
    expect(reads).toBe(2);
    await run(500); // call 8: timed, the mean moves a fifth of the way: 180 ms
    expect(reads).toBe(4);
    // Calls that start with 2, 3 and 4 of 4 slots busy are timed: 3 reads at the start.
    const gates = [0, 1, 2, 3].map(() => deferred<void>());
    gates.forEach((g) => void b.execute(() => g.promise));
    expect(reads).toBe(7);
    await expect(b.execute(() => 0)).rejects.toMatchObject({ reason: 'full', retryAfterMs: 45 }); // 180 × 1 / 4
  });

  it('never estimates less than 1ms', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, clock });
    await b.execute(() => 'instant');
    void b.execute(() => deferred<void>().promise);
    await expect(b.execute(() => 0)).rejects.toMatchObject({ retryAfterMs: 1 });
  });

  it('emits onAccepted and onRejected with the counts, and survives a throwing listener', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 1, queueTimeoutMs: 50, clock });
    const accepted: BulkheadAcceptedEvent[] = [];
    const rejected: BulkheadRejectedEvent[] = [];
    const sub = b.onAccepted((e) => accepted.push(e));
    b.onRejected((e) => rejected.push(e));
    b.onAccepted(() => {
      throw new Error('bad listener');
    });
    b.onRejected(() => {
      throw new Error('bad listener');
    });
    const gate = deferred<void>();
    void b.execute(() => gate.promise);
    const queued = b.execute(() => 'q');
    const full = await b.execute(() => 0).catch((e: unknown) => e);
    expect(accepted).toEqual([{ waitedMs: 0, activeCount: 1, queuedCount: 0 }]);
    expect(rejected).toEqual([{ reason: 'full', error: full, activeCount: 1, queuedCount: 1 }]);
    clock.advance(30);
    gate.resolve();
    await expect(queued).resolves.toBe('q');
    expect(accepted[1]).toEqual({ waitedMs: 30, activeCount: 1, queuedCount: 0 });
    const gate2 = deferred<void>();
    void b.execute(() => gate2.promise);
    const late = b.execute(() => 0).catch((e: unknown) => e);
    clock.advance(50);
    expect(rejected[1]).toMatchObject({ reason: 'queue-timeout', error: await late, activeCount: 1, queuedCount: 0 });
    sub.dispose();
    gate2.resolve();
    await flushPromises();
    await b.execute(() => 0);
    expect(accepted).toHaveLength(3);
    expect(b.activeCount).toBe(0);
  });

  it('keeps monotonic counters in metrics()', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 2, queueTimeoutMs: 10, clock });
    const gate = deferred<void>();
    void b.execute(() => gate.promise);
    const controller = new AbortController();
    const a = b.execute(() => 0, { signal: controller.signal }).catch(() => 'a');
    const t = b.execute(() => 0).catch(() => 't');
    const f = b.execute(() => 0).catch(() => 'f');
    controller.abort();
    clock.advance(10);
    await Promise.all([a, t, f]);
    expect(b.metrics()).toEqual({
      maxConcurrent: 1,
      maxQueued: 2,
      activeCount: 1,
      queuedCount: 0,
      accepted: 1,
      queued: 2,
      completed: 0,
      rejected: { full: 1, queueTimeout: 1, aborted: 1 },
    });
    gate.resolve();
    await flushPromises();
    expect(b.metrics()).toMatchObject({ activeCount: 0, completed: 1 });
  });

  it('handles a listener that queues a call while the timer expires others', async () => {
    const clock = new ManualClock();
    const b = bulkhead({ maxConcurrent: 1, maxQueued: 3, queueTimeoutMs: 100, clock });
    void b.execute(() => deferred<void>().promise);
    const first = b.execute(() => 0).catch((e: unknown) => e);
    clock.advance(50);
    const second = b.execute(() => 0).catch((e: unknown) => e);
    let third: Promise<unknown> | undefined;
    b.onRejected(() => {
      third ??= b.execute(() => 0).catch((e: unknown) => e);
    });
    clock.advance(50); // first expires; the listener queues a third behind second
    expect(await first).toMatchObject({ reason: 'queue-timeout' });
    expect(b.queuedCount).toBe(2);
    clock.advance(50); // second is due at 150
    expect(await second).toMatchObject({ reason: 'queue-timeout' });
    expect(b.queuedCount).toBe(1);
    clock.advance(50); // third at 200
    expect(await third).toMatchObject({ reason: 'queue-timeout' });
    expect(clock.pendingTimers).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: the bulkhead against a naive model (a Set of running calls and an array queue).

type Command =
  | { kind: 'arrive'; withSignal: boolean; throwsSync: boolean }
  | { kind: 'complete'; pick: number; ok: boolean }
  | { kind: 'abort'; pick: number }
  | { kind: 'advance'; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('arrive' as const), withSignal: fc.boolean(), throwsSync: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat(), ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 60 }) }) },
);

describe('bulkhead properties', () => {
  it('matches a naive model: never more than maxConcurrent, rejected or aborted calls never run, accepted ones run once, FIFO; no listener or timer left', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
        fc.array(command, { maxLength: 40 }),
        async (maxConcurrent, maxQueued, queueTimeoutMs, commands) => {
          const clock = new ManualClock();
          const b = bulkhead({ maxConcurrent, maxQueued, queueTimeoutMs, clock });
          // The system under test.
          const starts: number[] = [];
          const gates = new Map<number, Deferred<number>>();
          let running = 0;
          let maxRunning = 0;
          const outcomes = new Map<number, ReturnType<typeof watch<number>>>();
          const controllers: Array<ReturnType<typeof trackedController> | undefined> = [];
          // The model.
          const modelRunning = new Set<number>();
          const modelQueue: Array<{ id: number; deadline: number }> = [];
          const modelStarts: number[] = [];
          const modelRejected = new Map<number, string>();
          const throwsSync: boolean[] = [];
          const modelStart = (id: number): void => {
            modelStarts.push(id);
            if (!throwsSync[id]) modelRunning.add(id);
          };
          const modelDrain = (): void => {
            while (modelRunning.size < maxConcurrent && modelQueue.length > 0) modelStart(must(modelQueue.shift()).id);
          };

          const check = (): void => {
            expect(maxRunning).toBeLessThanOrEqual(maxConcurrent);
            expect(b.activeCount).toBe(modelRunning.size);
            expect(b.queuedCount).toBe(modelQueue.length);
            expect(starts).toEqual(modelStarts);
            for (const [id, reason] of modelRejected) {
              expect(outcomes.get(id)?.error).toMatchObject({ code: 'EBULKHEADREJECTED', reason });
            }
            // The queue timer exists exactly while a call waits with a queue timeout.
            expect(clock.pendingTimers).toBe(queueTimeoutMs !== undefined && modelQueue.length > 0 ? 1 : 0);
          };

          for (const c of commands) {
            if (c.kind === 'arrive') {
              const id = controllers.length;
              const tracked = c.withSignal ? trackedController() : undefined;
              controllers.push(tracked);
              throwsSync[id] = c.throwsSync;
              const promise = b.execute<number>(
                () => {
                  starts.push(id);
                  if (c.throwsSync) throw new Error(`sync ${id}`);
                  running++;
                  maxRunning = Math.max(maxRunning, running);
                  const gate = deferred<number>();
                  gates.set(id, gate);
                  return gate.promise.finally(() => running--);
                },
                { signal: tracked?.controller.signal },
              );
              outcomes.set(id, watch(promise));
              if (modelRunning.size < maxConcurrent) modelStart(id);
              else if (modelQueue.length < maxQueued) modelQueue.push({ id, deadline: clock.now() + (queueTimeoutMs ?? Infinity) });
              else modelRejected.set(id, 'full');
              modelDrain();
            } else if (c.kind === 'complete') {
              const ids = [...modelRunning];
              if (ids.length === 0) continue;
              const id = ids[c.pick % ids.length];
              if (c.ok) must(gates.get(id)).resolve(id);
              else must(gates.get(id)).reject(new Error(`fail ${id}`));
              modelRunning.delete(id);
              modelDrain();
            } else if (c.kind === 'abort') {
              const ids = controllers.flatMap((t, id) => (t && !t.controller.signal.aborted ? [id] : []));
              if (ids.length === 0) continue;
              const id = ids[c.pick % ids.length];
              must(controllers[id]).controller.abort(new Error(`abort ${id}`));
              const at = modelQueue.findIndex((q) => q.id === id);
              if (at >= 0) {
                modelQueue.splice(at, 1);
                modelRejected.set(id, 'aborted');
              }
            } else {
              clock.advance(c.ms);
              while (modelQueue.length > 0 && modelQueue[0].deadline <= clock.now()) modelRejected.set(must(modelQueue.shift()).id, 'queue-timeout');
            }
            await flushPromises();
            check();
          }

          // Drain: finish every running call until nothing runs or waits.
          while (modelRunning.size > 0) {
            const id = modelRunning.values().next().value as number;
            must(gates.get(id)).resolve(id);
            modelRunning.delete(id);
            modelDrain();
            await flushPromises();
            check();
          }
          expect(b.queuedCount).toBe(0);
          // Every call settled exactly one way; every started call exactly once.
          expect(new Set(starts).size).toBe(starts.length);
          for (const [id, outcome] of outcomes) {
            expect(outcome.state).not.toBe('pending');
            const rejectedByBulkhead = isBulkheadRejectedError(outcome.error);
            expect(starts.includes(id)).toBe(!rejectedByBulkhead);
          }
          const m = b.metrics();
          expect(m.accepted).toBe(starts.length);
          expect(m.completed).toBe(starts.length);
          expect(m.accepted + m.rejected.full + m.rejected.queueTimeout + m.rejected.aborted).toBe(outcomes.size);
          for (const tracked of controllers) expect(tracked?.live() ?? 0).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
