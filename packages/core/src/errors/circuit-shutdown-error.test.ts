import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CircuitShutdownError, isCircuitShutdownError } from './circuit-shutdown-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';
import { SemaphoreLockedError } from './semaphore-locked-error.js';
import { TimeoutError } from './timeout-error.js';

describe('CircuitShutdownError', () => {
  it('is a BulwarkError with opossum’s message and code', () => {
    const error = new CircuitShutdownError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error).toBeInstanceOf(CircuitShutdownError);
    expect(error.name).toBe('CircuitShutdownError');
    expect(error.code).toBe('ESHUTDOWN');
    expect(error.message).toBe('The circuit has been shutdown.');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('carries the brand CircuitBreaker.isOurError() looks for', () => {
    expect((new CircuitShutdownError() as CircuitShutdownError & Record<symbol, unknown>)[OPOSSUM_BRAND]).toBe(true);
  });

  it('isCircuitShutdownError() accepts it and rejects everything else', () => {
    expect(isCircuitShutdownError(new CircuitShutdownError())).toBe(true);
    const lookalike = Object.assign(new Error('The circuit has been shutdown.'), { code: 'ESHUTDOWN' });
    for (const value of [
      lookalike,
      { code: 'ESHUTDOWN' },
      new CircuitOpenError(),
      new TimeoutError(5),
      new SemaphoreLockedError(),
      'ESHUTDOWN',
      null,
      undefined,
    ]) {
      expect(isCircuitShutdownError(value)).toBe(false);
    }
  });
});
