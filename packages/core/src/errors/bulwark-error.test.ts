import { BulwarkError, errorGuard, isBulwarkError, nameErrorClass, withoutStack } from './bulwark-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CircuitShutdownError } from './circuit-shutdown-error.js';
import { SemaphoreLockedError } from './semaphore-locked-error.js';
import { TimeoutError } from './timeout-error.js';

class TestError extends BulwarkError {
  readonly code = 'ETEST' as const;
}
nameErrorClass(TestError);
const isTestError = errorGuard<TestError>('ETEST');

describe('BulwarkError', () => {
  it('is an Error whose name is its class name and whose code is its own', () => {
    const error = new TestError('it broke');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(BulwarkError);
    expect(error.name).toBe('TestError');
    expect(error.code).toBe('ETEST');
    expect(error.message).toBe('it broke');
    expect(String(error)).toBe('TestError: it broke');
    expect(error.stack?.startsWith('TestError: it broke\n')).toBe(true);
  });

  it('sets the name on the prototype, not on each instance', () => {
    const error = new TestError('x');
    expect(Object.prototype.hasOwnProperty.call(error, 'name')).toBe(false);
    expect(TestError.prototype.name).toBe('TestError');
  });

  it('lets an instance override its name', () => {
    const error = new TestError('x');
    error.name = 'Custom';
    expect(error.name).toBe('Custom');
    expect(new TestError('y').name).toBe('TestError');
  });

  it('nameErrorClass() with a brand marks the prototype with it', () => {
    const brand = Symbol('test-brand');
    class Branded extends BulwarkError {
      readonly code = 'EBRANDED' as const;
    }
    nameErrorClass(Branded, brand);
    const error = new Branded('z') as Branded & Record<symbol, unknown>;
    expect(error[brand]).toBe(true);
    expect((new TestError('z') as TestError & Record<symbol, unknown>)[brand]).toBeUndefined();
  });
});

describe('isBulwarkError', () => {
  it('accepts every Bulwark error', () => {
    for (const error of [
      new TestError('x'),
      new CircuitOpenError(),
      new CircuitShutdownError(),
      new SemaphoreLockedError(),
      new TimeoutError(5),
    ]) {
      expect(isBulwarkError(error)).toBe(true);
    }
  });

  it('rejects other values, including plain errors that look alike', () => {
    const lookalike = Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER', name: 'CircuitOpenError' });
    for (const value of [lookalike, new Error('x'), { code: 'ETEST' }, 'ETEST', 42, null, undefined, Symbol('x'), () => undefined]) {
      expect(isBulwarkError(value)).toBe(false);
    }
  });

  it('recognises the brand of another copy of the package (Symbol.for)', () => {
    const foreign = Object.create(Error.prototype) as Record<symbol, unknown>;
    foreign[Symbol.for('@bulwark/core/error')] = true;
    expect(isBulwarkError(foreign)).toBe(true);
  });
});

describe('errorGuard', () => {
  it('accepts only Bulwark errors with its code', () => {
    expect(isTestError(new TestError('x'))).toBe(true);
    expect(isTestError(new CircuitOpenError())).toBe(false);
    expect(isTestError(Object.assign(new Error('x'), { code: 'ETEST' }))).toBe(false);
    expect(isTestError(null)).toBe(false);
    expect(isTestError(undefined)).toBe(false);
  });
});

describe('withoutStack', () => {
  it('creates an error whose stack has no frames', () => {
    const error = withoutStack(() => new TestError('fast'));
    expect(error).toBeInstanceOf(TestError);
    expect(error.message).toBe('fast');
    expect(error.stack).not.toContain('    at ');
    expect(error.stack).toBe('TestError: fast');
    // Without it, the same error has frames (so the check above can fail).
    expect(new TestError('slow').stack).toContain('    at ');
  });

  it('restores Error.stackTraceLimit afterwards', () => {
    const before = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = 7;
      withoutStack(() => new TestError('x'));
      expect(Error.stackTraceLimit).toBe(7);
    } finally {
      Error.stackTraceLimit = before;
    }
  });

  it('restores Error.stackTraceLimit even when the factory throws', () => {
    const before = Error.stackTraceLimit;
    let seen: number | undefined;
    expect(() =>
      withoutStack(() => {
        seen = Error.stackTraceLimit;
        throw new RangeError('factory failed');
      }),
    ).toThrow('factory failed');
    expect(seen).toBe(0);
    expect(Error.stackTraceLimit).toBe(before);
  });
});
