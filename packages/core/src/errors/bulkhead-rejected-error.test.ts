import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { BulkheadRejectedError, isBulkheadRejectedError } from './bulkhead-rejected-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { TimeoutError } from './timeout-error.js';

describe('BulkheadRejectedError', () => {
  it('is a BulwarkError with a name and the code EBULKHEADREJECTED', () => {
    const error = new BulkheadRejectedError('full');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error.name).toBe('BulkheadRejectedError');
    expect(error.code).toBe('EBULKHEADREJECTED');
    expect(isBulwarkError(error)).toBe(true);
    expect(String(error)).toMatch(/^BulkheadRejectedError: /);
  });

  it('names the reason in the message', () => {
    expect(new BulkheadRejectedError('full').message).toMatch(/full/);
    expect(new BulkheadRejectedError('queue-timeout').message).toMatch(/queue timeout/);
    expect(new BulkheadRejectedError('aborted').message).toMatch(/aborted/);
    expect(new BulkheadRejectedError('queue-timeout').reason).toBe('queue-timeout');
  });

  it('carries retryAfterMs and cause only when given', () => {
    const reason = new Error('gone');
    const aborted = new BulkheadRejectedError('aborted', { cause: reason });
    expect(aborted.cause).toBe(reason);
    expect(aborted.retryAfterMs).toBeUndefined();
    const full = new BulkheadRejectedError('full', { retryAfterMs: 250 });
    expect(full.retryAfterMs).toBe(250);
    expect('cause' in full).toBe(false);
    expect('cause' in new BulkheadRejectedError('full')).toBe(false);
    expect(new BulkheadRejectedError('aborted', { cause: undefined }).cause).toBeUndefined();
    expect('cause' in new BulkheadRejectedError('aborted', { cause: undefined })).toBe(true);
  });

  it('isBulkheadRejectedError() accepts it, also from another copy, and rejects everything else', () => {
    expect(isBulkheadRejectedError(new BulkheadRejectedError('full'))).toBe(true);
    // Another copy of the package: same brand (Symbol.for) and code, different class.
    const foreign = Object.assign(Object.create({ [Symbol.for('@bulwark/core/error')]: true }) as object, {
      code: 'EBULKHEADREJECTED',
    });
    expect(isBulkheadRejectedError(foreign)).toBe(true);
    for (const value of [
      Object.assign(new Error('x'), { code: 'EBULKHEADREJECTED' }),
      new CircuitOpenError(),
      new TimeoutError(5),
      'EBULKHEADREJECTED',
      null,
      undefined,
    ]) {
      expect(isBulkheadRejectedError(value)).toBe(false);
    }
  });
});
