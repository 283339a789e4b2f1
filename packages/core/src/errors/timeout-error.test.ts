import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CircuitShutdownError } from './circuit-shutdown-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';
import { SemaphoreLockedError } from './semaphore-locked-error.js';
import { isTimeoutError, TimeoutError } from './timeout-error.js';

describe('TimeoutError', () => {
  it('is a BulwarkError with opossum’s message and code', () => {
    const error = new TimeoutError(5);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.name).toBe('TimeoutError');
    expect(error.code).toBe('ETIMEDOUT');
    expect(error.message).toBe('Timed out after 5ms');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('carries timeoutMs and puts it in the message', () => {
    const error = new TimeoutError(1234);
    expect(error.timeoutMs).toBe(1234);
    expect(error.message).toBe('Timed out after 1234ms');
  });

  it('keeps the cause when given, and has none otherwise', () => {
    const reason = new Error('aborted');
    const error = new TimeoutError(5, { cause: reason });
    expect(error.cause).toBe(reason);
    expect(new TimeoutError(5, { cause: 'why' }).cause).toBe('why');
    expect(new TimeoutError(5).cause).toBeUndefined();
    expect('cause' in new TimeoutError(5)).toBe(false);
  });

  it('carries the brand CircuitBreaker.isOurError() looks for', () => {
    expect((new TimeoutError(5) as TimeoutError & Record<symbol, unknown>)[OPOSSUM_BRAND]).toBe(true);
  });

  it('isTimeoutError() accepts it and rejects everything else', () => {
    expect(isTimeoutError(new TimeoutError(5))).toBe(true);
    expect(isTimeoutError(new TimeoutError(5, { cause: new Error('x') }))).toBe(true);
    // opossum's own timeout error is a plain Error with the same code: not ours.
    const lookalike = Object.assign(new Error('Timed out after 5ms'), { code: 'ETIMEDOUT' });
    for (const value of [
      lookalike,
      { code: 'ETIMEDOUT' },
      new CircuitOpenError(),
      new SemaphoreLockedError(),
      new CircuitShutdownError(),
      'ETIMEDOUT',
      null,
      undefined,
    ]) {
      expect(isTimeoutError(value)).toBe(false);
    }
  });
});
