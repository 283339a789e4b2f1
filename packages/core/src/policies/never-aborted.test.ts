import { trackAbortListeners } from '../testing/abort-listeners.js';
import { ManualClock } from '../testing/manual-clock.js';
import { bulkhead } from './bulkhead.js';
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
    expect(seen).toEqual([NEVER_ABORTED, NEVER_ABORTED, NEVER_ABORTED]);
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
      const policy = wrap(bulkhead({ maxConcurrent: 1, clock }), retry({ clock }), breaker);
      await expect(policy.execute(({ signal }) => (seen.push(signal), 'ok'))).resolves.toBe('ok');
      breaker.shutdown();
    }
    expect(listeners.added).toBe(0);
    // Without a timeout the breaker passes the signal on; with one it hands fn its own.
    expect(seen[0]).toBe(NEVER_ABORTED);
    expect(seen[1]).not.toBe(NEVER_ABORTED);
    expect(seen[1].aborted).toBe(false);
  });
});
