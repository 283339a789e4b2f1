import { BulwarkError, isBulwarkError } from './bulwark-error.js';
import { CircuitOpenError, isCircuitOpenError } from './circuit-open-error.js';
import { CircuitShutdownError } from './circuit-shutdown-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';
import { SemaphoreLockedError } from './semaphore-locked-error.js';
import { TimeoutError } from './timeout-error.js';

describe('CircuitOpenError', () => {
  it('is a BulwarkError with opossum’s message and code', () => {
    const error = new CircuitOpenError();
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error.name).toBe('CircuitOpenError');
    expect(error.code).toBe('EOPENBREAKER');
    expect(error.message).toBe('Breaker is open');
    expect(isBulwarkError(error)).toBe(true);
  });

  it('carries retryAfterMs and breakerName when known', () => {
    const error = new CircuitOpenError(1500, 'payments');
    expect(error.retryAfterMs).toBe(1500);
    expect(error.breakerName).toBe('payments');
    expect(error.message).toBe('Breaker is open');
    const bare = new CircuitOpenError();
    expect(bare.retryAfterMs).toBeUndefined();
    expect(bare.breakerName).toBeUndefined();
  });

  it('carries the brand CircuitBreaker.isOurError() looks for', () => {
    expect((new CircuitOpenError() as CircuitOpenError & Record<symbol, unknown>)[OPOSSUM_BRAND]).toBe(true);
  });

  it('isCircuitOpenError() accepts it and rejects everything else', () => {
    expect(isCircuitOpenError(new CircuitOpenError())).toBe(true);
    expect(isCircuitOpenError(new CircuitOpenError(1, 'x'))).toBe(true);
    const lookalike = Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' });
    for (const value of [
      lookalike,
      { code: 'EOPENBREAKER' },
      new TimeoutError(5),
      new SemaphoreLockedError(),
      new CircuitShutdownError(),
      new Error('Breaker is open'),
      'EOPENBREAKER',
      null,
      undefined,
    ]) {
      expect(isCircuitOpenError(value)).toBe(false);
    }
  });
});
