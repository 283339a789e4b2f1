import {
  BulkheadRejectedError,
  CircuitOpenError,
  CircuitShutdownError,
  RateLimitedError,
  RetryExhaustedError,
  SemaphoreLockedError,
  TimeoutError,
} from '@bulwark/core';
import { httpErrorFor, retryAfterSeconds } from './http-error-for.js';

describe('httpErrorFor', () => {
  it('answers an open breaker with 503 and Retry-After in whole seconds, rounded up', () => {
    expect(httpErrorFor(new CircuitOpenError(1500))).toEqual({
      status: 503,
      headers: { 'retry-after': '2' },
      body: { error: { code: 'EOPENBREAKER', message: 'Breaker is open', retryAfterMs: 1500 } },
    });
  });

  it('leaves Retry-After out when the policy does not know when to try again', () => {
    expect(httpErrorFor(new CircuitOpenError())).toEqual({
      status: 503,
      headers: {},
      body: { error: { code: 'EOPENBREAKER', message: 'Breaker is open' } },
    });
  });

  it('answers a full bulkhead or a queue timeout with 503, and a client that went away with nothing', () => {
    const full = httpErrorFor(new BulkheadRejectedError('full', { retryAfterMs: 250.4 }));
    expect(full).toMatchObject({ status: 503, headers: { 'retry-after': '1' }, body: { error: { code: 'EBULKHEADREJECTED', retryAfterMs: 251 } } });
    expect(httpErrorFor(new BulkheadRejectedError('queue-timeout', { retryAfterMs: 3000 }))).toMatchObject({ status: 503, headers: { 'retry-after': '3' } });
    expect(httpErrorFor(new BulkheadRejectedError('aborted', { cause: new Error('gone') }))).toBeUndefined();
  });

  it('answers a rate limit with 429 and Retry-After', () => {
    expect(httpErrorFor(new RateLimitedError(200))).toEqual({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'ERATELIMITED', message: 'Rate limit exceeded; a permit is available in 200ms', retryAfterMs: 200 } },
    });
  });

  it('answers a timeout with 503, or 504 for a gateway', () => {
    expect(httpErrorFor(new TimeoutError(100))).toEqual({
      status: 503,
      headers: {},
      body: { error: { code: 'ETIMEDOUT', message: 'Timed out after 100ms' } },
    });
    expect(httpErrorFor(new TimeoutError(100), { gateway: true })?.status).toBe(504);
  });

  it('answers a breaker at capacity or shut down with 503', () => {
    expect(httpErrorFor(new SemaphoreLockedError())).toMatchObject({ status: 503, body: { error: { code: 'ESEMLOCKED' } } });
    expect(httpErrorFor(new CircuitShutdownError())).toMatchObject({ status: 503, body: { error: { code: 'ESHUTDOWN' } } });
  });

  it('maps exhausted retries by their last error, and leaves them alone when that is the application’s', () => {
    const open = new RetryExhaustedError(3, [new Error('down'), new CircuitOpenError(900)]);
    expect(httpErrorFor(open)).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    const timedOut = new RetryExhaustedError(2, [new TimeoutError(5), new TimeoutError(5)]);
    expect(httpErrorFor(timedOut, { gateway: true })?.status).toBe(504);
    expect(httpErrorFor(new RetryExhaustedError(2, [new Error('a'), new Error('b')]))).toBeUndefined();
  });

  it('returns undefined for the application’s own errors and for non-errors', () => {
    for (const value of [new Error('boom'), new TypeError('x'), { code: 'EOPENBREAKER' }, 'EOPENBREAKER', null, undefined, 42]) {
      expect(httpErrorFor(value)).toBeUndefined();
    }
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up to whole seconds and never goes below 0', () => {
    expect([0, 1, 999, 1000, 1001, 59_999, -5].map(retryAfterSeconds)).toEqual(['0', '1', '1', '1', '2', '60', '0']);
  });
});
