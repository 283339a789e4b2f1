import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CircuitShutdownError } from './circuit-shutdown-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';
import { isSemaphoreLockedError, SemaphoreLockedError } from './semaphore-locked-error.js';
import { TimeoutError } from './timeout-error.js';

describe('SemaphoreLockedError', () => {
  it('is a BulwarkError with opossum’s message and code', () => {
    const error = new SemaphoreLockedError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error).toBeInstanceOf(SemaphoreLockedError);
    expect(error.name).toBe('SemaphoreLockedError');
    expect(error.code).toBe('ESEMLOCKED');
    expect(error.message).toBe('Semaphore locked');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('carries the brand CircuitBreaker.isOurError() looks for', () => {
    expect((new SemaphoreLockedError() as SemaphoreLockedError & Record<symbol, unknown>)[OPOSSUM_BRAND]).toBe(true);
  });

  it('isSemaphoreLockedError() accepts it and rejects everything else', () => {
    expect(isSemaphoreLockedError(new SemaphoreLockedError())).toBe(true);
    const lookalike = Object.assign(new Error('Semaphore locked'), { code: 'ESEMLOCKED' });
    for (const value of [
      lookalike,
      { code: 'ESEMLOCKED' },
      new CircuitOpenError(),
      new TimeoutError(5),
      new CircuitShutdownError(),
      'ESEMLOCKED',
      null,
      undefined,
    ]) {
      expect(isSemaphoreLockedError(value)).toBe(false);
    }
  });
});
