import { ManualClock } from '../../testing/manual-clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions } from './options.js';

const boom = new Error('boom');
const swallow = (): undefined => undefined;
const never = (): Promise<never> => new Promise(() => undefined);

function breakerWith(options: CircuitBreakerOptions = {}): { breaker: CircuitBreaker; clock: ManualClock } {
  const clock = new ManualClock(0);
  return { breaker: new CircuitBreaker(() => 'unused', { timeout: false, ...options, clock }), clock };
}

describe('executeAbortable', () => {
  it('runs fn like execute(): { signal, attempt }, its result, and the same counts', async () => {
    const { breaker } = breakerWith();
    const seen: unknown[] = [];
    const call = breaker.executeAbortable(({ signal, attempt }) => {
      seen.push(signal instanceof AbortSignal, signal.aborted, attempt);
      return 42;
    });
    await expect(call.promise).resolves.toBe(42);
    await expect(breaker.executeAbortable(() => Promise.reject(boom)).promise).rejects.toBe(boom);
    expect(seen).toEqual([true, false, 1]);
    expect(breaker.stats).toMatchObject({ fires: 2, successes: 1, failures: 1 });
    expect(breaker.metrics().inFlight).toBe(0);
  });

  it('abort(reason) rejects at once with the reason, aborts fn’s signal, and counts neither success nor failure', async () => {
    const { breaker } = breakerWith();
    let inner: AbortSignal | undefined;
    const call = breaker.executeAbortable(({ signal }) => {
      inner = signal;
      return never();
    });
    expect(breaker.metrics().inFlight).toBe(1);
    const reason = new Error('client gone');
    call.abort(reason);
    await expect(call.promise).rejects.toBe(reason);
    expect(inner?.aborted).toBe(true);
    expect(inner?.reason).toBe(reason);
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 0, failures: 0 });
    expect(breaker.metrics().inFlight).toBe(0);
    expect(breaker.semaphore.count).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('abort() without a reason rejects with an AbortError, as AbortController.abort() does', async () => {
    const { breaker } = breakerWith();
    const call = breaker.executeAbortable(never);
    call.abort();
    await expect(call.promise).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('abort() does nothing once the call has settled, nor a second time, nor for a call the breaker refused', async () => {
    const { breaker } = breakerWith();
    const done = breaker.executeAbortable(() => 'ok');
    await expect(done.promise).resolves.toBe('ok');
    done.abort(new Error('late'));
    expect(breaker.stats).toMatchObject({ fires: 1, successes: 1 });

    const twice = breaker.executeAbortable(never);
    const first = new Error('first');
    twice.abort(first);
    twice.abort(new Error('second'));
    await expect(twice.promise).rejects.toBe(first);

    breaker.open();
    const refused = breaker.executeAbortable(() => 'never runs');
    refused.abort();
    await expect(refused.promise).rejects.toMatchObject({ code: 'EOPENBREAKER' });
  });

  it('an aborted half-open trial gives its place back', async () => {
    const { breaker, clock } = breakerWith({ resetTimeout: 10 });
    breaker.open();
    clock.advance(10);
    const trial = breaker.executeAbortable(never);
    expect(breaker.pendingClose).toBe(false);
    trial.abort();
    await trial.promise.catch(swallow);
    expect(breaker.pendingClose).toBe(true);
    await breaker.executeAbortable(() => 'ok').promise;
    expect(breaker.closed).toBe(true);
  });

  it('keeps the breaker’s timeout: it rejects the call and aborts fn’s signal with the TimeoutError', async () => {
    const { breaker, clock } = breakerWith({ timeout: 50 });
    let inner: AbortSignal | undefined;
    const call = breaker.executeAbortable(({ signal }) => {
      inner = signal;
      return never();
    });
    clock.advance(50);
    await expect(call.promise).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect((inner?.reason as { code: string }).code).toBe('ETIMEDOUT');
    call.abort(); // settled already: nothing changes
    expect(breaker.stats).toMatchObject({ timeouts: 1, failures: 1 });
  });
});
