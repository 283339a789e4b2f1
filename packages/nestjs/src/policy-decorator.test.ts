import { Reflector } from '@nestjs/core';
import { POLICY_METADATA } from './bulwark.constants.js';
import { Bulkhead } from './bulkhead.decorator.js';
import { CircuitBreaker } from './circuit-breaker.decorator.js';
import { Fallback } from './fallback.decorator.js';
import { RateLimit } from './rate-limit.decorator.js';
import { Retry } from './retry.decorator.js';
import { Timeout } from './timeout.decorator.js';
import { policySpec, show } from './policy-decorator.js';

const reflector = new Reflector();
const shouldHandle = (error: unknown) => error instanceof TypeError;
const recover = () => 'recovered';

@CircuitBreaker('payments')
@Retry({ maxAttempts: 2 })
class Decorated {
  @Bulkhead({ name: 'uploads', maxConcurrent: 4 })
  @Timeout({ timeoutMs: 100 })
  @RateLimit()
  @Fallback('spare', { shouldHandle })
  @Retry({ name: 'own' })
  method(): string {
    return 'method';
  }

  @Fallback(recover)
  other(): string {
    return 'other';
  }

  spare(): string {
    return 'spare';
  }
}

describe('the policy decorators', () => {
  it('only set metadata, per kind, on the method or the class', () => {
    const handler = Decorated.prototype.method;
    const read = (kind: keyof typeof POLICY_METADATA) => reflector.getAllAndOverride(POLICY_METADATA[kind], [handler, Decorated]);
    expect(read('breaker')).toEqual({ decorator: '@CircuitBreaker', name: 'payments', options: undefined });
    expect(read('retry')).toEqual({ decorator: '@Retry', name: 'own', options: undefined }); // the method's overrides the class's
    expect(reflector.get(POLICY_METADATA.retry, Decorated)).toEqual({ decorator: '@Retry', name: undefined, options: { maxAttempts: 2 } });
    expect(read('bulkhead')).toEqual({ decorator: '@Bulkhead', name: 'uploads', options: { maxConcurrent: 4 } });
    expect(read('timeout')).toEqual({ decorator: '@Timeout', name: undefined, options: { timeoutMs: 100 } });
    expect(read('rateLimiter')).toEqual({ decorator: '@RateLimit', name: undefined, options: undefined });
    expect(read('fallback')).toEqual({ decorator: '@Fallback', target: 'spare', shouldHandle });
    expect(reflector.get(POLICY_METADATA.fallback, Decorated.prototype.other)).toEqual({ decorator: '@Fallback', target: recover, shouldHandle: undefined });
    expect(Object.getOwnPropertyDescriptor(Decorated.prototype, 'method')?.value).toBe(handler); // the method itself is untouched
  });

  it('refuse an argument that is neither a name nor an options object', () => {
    expect(() => CircuitBreaker('')).toThrow(new TypeError('@CircuitBreaker: the policy name must be a non-empty string, got ""'));
    expect(() => Retry(3 as never)).toThrow(new TypeError('@Retry: the argument must be a policy name or an options object, got 3'));
    expect(() => Bulkhead([] as never)).toThrow(new TypeError('@Bulkhead: the argument must be a policy name or an options object, got an array'));
    expect(() => Timeout(new Date() as never)).toThrow(new TypeError('@Timeout: the argument must be a policy name or an options object, got a Date'));
    expect(() => RateLimit({ name: 7 } as never)).toThrow(new TypeError('@RateLimit: options.name must be a non-empty string, got 7'));
  });

  it('refuse a fallback that is neither a method name nor a function, and a bad shouldHandle', () => {
    expect(() => Fallback('')).toThrow(new TypeError('@Fallback: the argument must be a method name or a function, got ""'));
    expect(() => Fallback(null as never)).toThrow(new TypeError('@Fallback: the argument must be a method name or a function, got null'));
    expect(() => Fallback('x', null as never)).toThrow(new TypeError('@Fallback: options must be an object, got null'));
    expect(() => Fallback('x', { shouldHandle: true as never })).toThrow(new TypeError('@Fallback: options.shouldHandle must be a function, got true'));
  });

  it('freeze the options they keep, and keep none when only a name is given', () => {
    const spec = policySpec('@Retry', { name: 'x', maxAttempts: 2 });
    expect(Object.isFrozen(spec.options)).toBe(true);
    expect(policySpec('@Retry', { name: 'x' }).options).toBeUndefined();
    expect(policySpec('@Retry', Object.create(null) as object)).toEqual({ decorator: '@Retry', name: undefined, options: undefined });
  });

  it('describe values in messages', () => {
    expect([show('a'), show(() => 1), show({}), show(undefined)]).toEqual(['"a"', 'a function', 'an object', 'undefined']);
  });
});
