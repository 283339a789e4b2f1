import { CircuitOpenError, TimeoutError, constantBackoff } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { discardRetried, fetchRetry, isNetworkError, isRetryableFailure } from './fetch-retry.js';
import { HttpStatusError } from './http-status-error.js';

const failed = (status: number) => new HttpStatusError(new Response('x', { status }), undefined, 'GET /');

describe('fetch retry rules', () => {
  it('retries retryable statuses, network errors and timeouts, and nothing else', () => {
    expect([failed(503), failed(429), new TypeError('fetch failed'), new TimeoutError(1000)].every(isRetryableFailure)).toBe(true);
    expect([failed(501), new CircuitOpenError(1000), new Error('x'), new DOMException('aborted', 'AbortError'), undefined].some(isRetryableFailure)).toBe(false);
  });

  it('tells a network error by its name, across realms', () => {
    expect(isNetworkError(new TypeError('fetch failed'))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('x'), { name: 'TypeError' }))).toBe(true);
    expect(isNetworkError(new RangeError('x'))).toBe(false);
    expect(isNetworkError('TypeError')).toBe(false);
  });

  it('cancels the body of a retried response, and ignores other events', () => {
    const error = failed(503);
    discardRetried({ attempt: 1, elapsedMs: 0, delayMs: 10, error });
    expect(error.response.bodyUsed).toBe(true);
    expect(() => discardRetried({ attempt: 1, elapsedMs: 0, delayMs: 10, error: new TypeError('x') })).not.toThrow();
    expect(() => discardRetried({ attempt: 1, elapsedMs: 0, delayMs: 10, result: 1 })).not.toThrow();
  });

  it("builds a retry policy whose shouldRetry narrows the caller's, and which keeps their clock", async () => {
    const clock = new ManualClock(0);
    const other = new ManualClock(0);
    const policy = fetchRetry({ maxAttempts: 2, backoff: constantBackoff(10), clock: other, shouldRetry: () => true }, clock, () => 0);
    let calls = 0;
    const run = policy.execute(() => (++calls === 1 ? Promise.reject(new TypeError('fetch failed')) : 'ok'));
    await Promise.resolve();
    expect(other.pendingTimers + clock.pendingTimers).toBe(1);
    expect(other.pendingTimers).toBe(1);
    other.advance(10);
    await expect(run).resolves.toBe('ok');
    await expect(policy.execute(() => Promise.reject(new Error('not retryable')))).rejects.toThrow('not retryable');
  });
});
