import { trackAbortListeners } from '../testing/abort-listeners.js';
import { ManualClock } from '../testing/manual-clock.js';
import { bulkhead } from './bulkhead.js';
import { chaos } from './chaos.js';
import { fallback } from './fallback.js';
import { rateLimiter } from './rate-limiter.js';
import { timeout as totalTimeout } from './timeout.js';
import { CircuitBreaker } from './circuit-breaker/circuit-breaker.js';
import { NEVER_ABORTED, callerSignal } from './never-aborted.js';
import { retry } from './retry.js';
import { wrap } from './wrap.js';

describe('NEVER_ABORTED', () => {
  it('is the signal fn gets without a caller signal, and callerSignal() treats it as none', async () => {
    const clock = new ManualClock();
    const seen: AbortSignal[] = [];
    const record = ({ signal }: { signal: AbortSignal }): number => seen.push(signal);
    await bulkhead({ maxConcurrent: 1, clock }).execute(record);
    await retry({ clock }).execute(record);
    await new CircuitBreaker(() => 0, { clock, timeout: false }).execute(record);
    await fallback({ value: 0 }).execute(record);
    await rateLimiter({ mode: 'token-bucket', limit: 1, intervalMs: 1000, clock }).execute(record);
    await chaos({ latencyMs: 0, latencyRate: 0, clock }).execute(record);
    expect(seen).toEqual(Array(6).fill(NEVER_ABORTED));
    expect(callerSignal(NEVER_ABORTED)).toBeUndefined();
    expect(callerSignal(undefined)).toBeUndefined();
    const { signal } = new AbortController();
    expect(callerSignal(signal)).toBe(signal);
  });

  it('costs policies nested in wrap() no abort listener when the caller passes no signal', async () => {
    const listeners = trackAbortListeners(NEVER_ABORTED);
    const clock = new ManualClock();
    const seen: AbortSignal[] = [];
    for (const timeout of [false, 1_000] as const) {
      const breaker = new CircuitBreaker(() => 0, { clock, timeout });
      const policy = wrap(
        fallback({ value: 'fallback' }),
        bulkhead({ maxConcurrent: 1, clock }),
        totalTimeout({ timeoutMs: 5000, clock }),
        retry({ clock }),
        breaker,
        rateLimiter({ mode: 'token-bucket', limit: 10, intervalMs: 1000, clock }),
        chaos({ latencyMs: 0, latencyRate: 0, clock }),
      );
      await expect(policy.execute(({ signal }) => (seen.push(signal), 'ok'))).resolves.toBe('ok');
      breaker.shutdown();
    }
    expect(listeners.added).toBe(0);
    // The total timeout hands the policies below it a signal of its own; nothing adds a listener
    // to the never-aborting one on the way down.
    expect(seen.every((signal) => signal !== NEVER_ABORTED && !signal.aborted)).toBe(true);
  });
});
