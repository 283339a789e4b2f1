import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { RetryExhaustedError, isRetryExhaustedError } from './retry-exhausted-error.js';
import { TimeoutError } from './timeout-error.js';

describe('RetryExhaustedError', () => {
  it('is a BulwarkError with a name, a code, the attempts, every error and the last as cause', () => {
    const first = new Error('first');
    const last = new TimeoutError(50);
    const error = new RetryExhaustedError(3, [first, 'second', last]);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(isBulwarkError(error)).toBe(true);
    expect(error.name).toBe('RetryExhaustedError');
    expect(error.code).toBe('ERETRYEXHAUSTED');
    expect(error.attempts).toBe(3);
    expect(error.errors).toEqual([first, 'second', last]);
    expect(error.cause).toBe(last);
    expect(error.reason).toBe('attempts');
    expect(error.message).toBe('Gave up after 3 attempts (maxAttempts reached); last error: TimeoutError: Timed out after 50ms');
    expect(String(error)).toMatch(/^RetryExhaustedError: Gave up after 3 attempts/);
  });

  it('names why it stopped', () => {
    expect(new RetryExhaustedError(1, ['x'], 'budget').message).toBe('Gave up after 1 attempt (retry budget exhausted); last error: x');
    expect(new RetryExhaustedError(2, [new Error('')], 'elapsed').message).toBe('Gave up after 2 attempts (maxElapsedMs would be exceeded); last error: Error');
    const bare = new RetryExhaustedError(2, [], 'elapsed');
    expect(bare.message).toBe('Gave up after 2 attempts (maxElapsedMs would be exceeded)');
    expect(bare.cause).toBeUndefined();
  });

  it('isRetryExhaustedError() accepts it and rejects everything else', () => {
    expect(isRetryExhaustedError(new RetryExhaustedError(1, [1]))).toBe(true);
    for (const value of [
      Object.assign(new Error('x'), { code: 'ERETRYEXHAUSTED' }),
      { code: 'ERETRYEXHAUSTED' },
      new CircuitOpenError(),
      new TimeoutError(1),
      null,
      undefined,
      'ERETRYEXHAUSTED',
    ]) {
      expect(isRetryExhaustedError(value)).toBe(false);
    }
  });
});
