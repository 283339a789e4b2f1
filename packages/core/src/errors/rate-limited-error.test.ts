import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { isRateLimitedError, RateLimitedError } from './rate-limited-error.js';
import { TimeoutError } from './timeout-error.js';

describe('RateLimitedError', () => {
  it('is a BulwarkError with a name, a code and retryAfterMs in its message', () => {
    const error = new RateLimitedError(250);
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.name).toBe('RateLimitedError');
    expect(error.code).toBe('ERATELIMITED');
    expect(error.retryAfterMs).toBe(250);
    expect(error.message).toBe('Rate limit exceeded; a permit is available in 250ms');
    expect(String(error)).toBe('RateLimitedError: Rate limit exceeded; a permit is available in 250ms');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('isRateLimitedError() accepts it and rejects everything else', () => {
    expect(isRateLimitedError(new RateLimitedError(1))).toBe(true);
    const lookalike = Object.assign(new Error('Rate limit exceeded'), { code: 'ERATELIMITED', retryAfterMs: 1 });
    for (const value of [lookalike, { code: 'ERATELIMITED' }, new TimeoutError(5), new CircuitOpenError(5), new Error('x'), 'ERATELIMITED', null, undefined]) {
      expect(isRateLimitedError(value)).toBe(false);
    }
  });
});
