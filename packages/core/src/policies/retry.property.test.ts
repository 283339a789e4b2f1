import { trackAbortListeners } from '../testing/abort-listeners.js';
import fc from 'fast-check';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { isRetryExhaustedError } from '../errors/retry-exhausted-error.js';
import { deferred, type Deferred } from '../testing/deferred.js';
import { ManualClock, flushPromises } from '../testing/manual-clock.js';
import { seededRandom } from '../testing/seeded-random.js';
import { exponentialBackoff, type Jitter } from './backoff/backoff.js';
import { retry } from './retry.js';

/** Runs every timer, letting promise callbacks settle after each. */
async function drain(clock: ManualClock): Promise<void> {
  await flushPromises();
  for (let i = 0; clock.pendingTimers > 0 && i < 1000; i++) {
    await clock.advanceAsync((clock.nextDueAt() ?? clock.now()) - clock.now());
  }
}

/** A signal whose abort listeners are counted. */
function countedSignal(): { controller: AbortController; signal: AbortSignal; listeners: () => number } {
  const controller = new AbortController();
  const counts = trackAbortListeners(controller.signal);
  return { controller, signal: controller.signal, listeners: counts.live };
}

describe('retry properties', () => {
  it('never makes more than maxAttempts attempts, and says how many it made', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.constantFrom('error', 'bad result', 'ok'), { minLength: 1, maxLength: 12 }),
        fc.integer(),
        async (maxAttempts, script, seed) => {
          const clock = new ManualClock();
          const policy = retry({ clock, random: seededRandom(seed), maxAttempts, shouldRetry: (c) => 'error' in c || c.result === 'bad result' });
          let calls = 0;
          const settled: { value?: unknown; error?: unknown } = {};
          policy
            .execute(() => {
              const step = script[Math.min(calls++, script.length - 1)];
              return step === 'error' ? Promise.reject(new Error('e')) : step;
            })
            .then(
              (value) => (settled.value = value),
              (error: unknown) => (settled.error = error),
            );
          await drain(clock);
          if (calls > maxAttempts || clock.pendingTimers !== 0) return false;
          // Past the script's end its last step repeats; the first 'ok' ends the call.
          let expected = maxAttempts;
          for (let i = 0; i < maxAttempts; i++) {
            if (script[Math.min(i, script.length - 1)] === 'ok') {
              expected = i + 1;
              break;
            }
          }
          if (calls !== expected) return false;
          if (isRetryExhaustedError(settled.error)) return settled.error.attempts === calls && calls === maxAttempts;
          return settled.value === 'ok' || settled.value === 'bad result';
        },
      ),
    );
  });

  it('keeps every wait within the jitter bounds, raised by retryAfterMs and capped by maxDelayMs', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          jitter: fc.constantFrom<Jitter>('none', 'full', 'equal', 'decorrelated'),
          base: fc.integer({ min: 1, max: 1000 }),
          cap: fc.integer({ min: 1, max: 20_000 }),
          maxDelayMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
          retryAfter: fc.array(fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }), { minLength: 6, maxLength: 6 }),
        }),
        async ({ seed, jitter, base, cap, maxDelayMs, retryAfter }) => {
          const clock = new ManualClock();
          const policy = retry({ clock, random: seededRandom(seed), maxAttempts: 7, maxDelayMs, backoff: exponentialBackoff({ initialDelayMs: base, maxDelayMs: cap, jitter }) });
          const delays: number[] = [];
          policy.onRetry((e) => delays.push(e.delayMs));
          policy.execute(({ attempt }) => Promise.reject(new CircuitOpenError(retryAfter[attempt - 1]))).catch(() => undefined);
          await drain(clock);
          if (delays.length !== 6) return false;
          return delays.every((d, i) => {
            const after = retryAfter[i] ?? 0;
            const limit = maxDelayMs ?? Infinity;
            const high = Math.min(limit, Math.max(cap, after));
            const low = Math.min(limit, after);
            return d >= low && d <= high && d >= 0;
          });
        },
      ),
    );
  });

  type Command =
    | { kind: 'call'; shared: boolean }
    | { kind: 'settle'; pick: number; ok: boolean }
    | { kind: 'abort'; pick: number }
    | { kind: 'advance'; ms: number };

  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('call' as const), shared: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), ok: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }) },
  );

  it('after any sequence of aborts leaves no listener on any signal and no pending timer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 60 }), fc.integer(), async (commands, seed) => {
        const clock = new ManualClock();
        const policy = retry({ clock, random: seededRandom(seed), maxAttempts: 4, backoff: exponentialBackoff({ initialDelayMs: 50, jitter: 'full' }) });
        const shared = countedSignal();
        const signals = [shared];
        const inFlight: Array<Deferred<string>> = [];
        const calls: Array<{ own: ReturnType<typeof countedSignal>; signal: ReturnType<typeof countedSignal>; done: boolean; fnAfterAbort: boolean; aborted: boolean }> = [];
        for (const c of commands) {
          if (c.kind === 'call') {
            const own = countedSignal();
            signals.push(own);
            const signal = c.shared ? shared : own;
            const call = { own, signal, done: false, fnAfterAbort: false, aborted: signal.signal.aborted };
            calls.push(call);
            policy
              .execute(
                () => {
                  if (call.aborted) call.fnAfterAbort = true;
                  const d = deferred<string>();
                  inFlight.push(d);
                  return d.promise;
                },
                { signal: signal.signal },
              )
              .then(
                () => (call.done = true),
                () => (call.done = true),
              );
          } else if (c.kind === 'settle' && inFlight.length > 0) {
            const [d] = inFlight.splice(c.pick % inFlight.length, 1);
            if (c.ok) d.resolve('ok');
            else d.reject(new Error('fail'));
          } else if (c.kind === 'abort' && calls.length > 0) {
            const call = calls[c.pick % calls.length];
            call.signal.controller.abort();
            for (const other of calls) if (other.signal === call.signal) other.aborted = true;
            // The listener goes at once, not at the next turn.
            if (call.signal.listeners() !== 0) return false;
          } else if (c.kind === 'advance') {
            await clock.advanceAsync(c.ms);
          }
          await flushPromises();
          // A call that is settled holds no listener: the shared signal has one per live call on it.
          const liveShared = calls.filter((x) => x.signal === shared && !x.done).length;
          if (shared.listeners() !== liveShared) return false;
        }
        // End: abort everything still running; nothing may stay behind.
        for (const s of signals) s.controller.abort();
        await flushPromises();
        return (
          clock.pendingTimers === 0 &&
          signals.every((s) => s.listeners() === 0) &&
          calls.every((x) => x.done && !x.fnAfterAbort)
        );
      }),
    );
  });
});
