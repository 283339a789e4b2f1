import { OriginLimitError, isOriginLimitError } from './origin-limit-error.js';

describe('OriginLimitError', () => {
  it('names the origin and the bound', () => {
    const error = new OriginLimitError('https://c.example', 2);
    expect(error).toMatchObject({ name: 'OriginLimitError', code: 'EORIGINLIMIT', origin: 'https://c.example', maxOrigins: 2 });
    expect(error.message).toBe(
      'createFetch: options.maxOrigins (2) reached and no origin can be evicted (each has a call in progress, or an open or disabled breaker): ' +
        'refused a request to the new origin https://c.example (raise maxOrigins, or set breaker and bulkhead to false for open-ended crawls)',
    );
    expect(isOriginLimitError(error)).toBe(true);
    expect(isOriginLimitError(new Error(error.message))).toBe(false);
  });
});
