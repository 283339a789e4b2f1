import { createRegistry } from '@bulwark/core';
import { checkOptionalRegistry, checkOptions, isPolicy, pick, rethrowAs, show } from './validate.js';

describe('validate', () => {
  it('shows values for messages', () => {
    expect([show('a'), show(1), show(undefined), show(null), show(() => 1), show([1]), show({}), show(new Map())]).toEqual([
      '"a"',
      '1',
      'undefined',
      'null',
      'a function',
      'an array',
      'an object',
      'a Map',
    ]);
  });

  it('checks options objects and their keys', () => {
    expect(checkOptions('x', undefined, [])).toEqual({});
    expect(() => checkOptions('x', null, [])).toThrow(new TypeError('x: options must be an object, got null'));
    expect(() => checkOptions('x', { b: 1 }, ['a'])).toThrow(new TypeError('x: options.b is not an option (the options are a)'));
  });

  it('tells registries and policies by their methods, so another copy of @bulwark/core works too', () => {
    const registry = createRegistry();
    expect(checkOptionalRegistry('x', registry)).toBe(registry);
    expect(checkOptionalRegistry('x', undefined)).toBeUndefined();
    expect(() => checkOptionalRegistry('x', { all: () => [] })).toThrow(/^x: options\.registry must be a PolicyRegistry/);
    expect(isPolicy({ execute: () => Promise.resolve() })).toBe(true);
    expect([isPolicy({ execute: 1 }), isPolicy(null), isPolicy('x')]).toEqual([false, false, false]);
    registry.dispose();
  });

  it('picks the fields that are set', () => {
    expect(pick({ a: 1, b: undefined, c: 3 }, ['a', 'b', 'd'])).toEqual({ a: 1 });
  });

  it('rewords registry and factory errors for the middleware, keeping their class', () => {
    const run = (error: unknown) => {
      try {
        rethrowAs('bulkhead', error);
      } catch (thrown) {
        return thrown;
      }
    };
    expect(run(new RangeError('registry.bulkhead("a \\"b\\"", options).maxConcurrent must be a positive integer, got 0'))).toEqual(
      new RangeError('bulkhead: options.maxConcurrent must be a positive integer, got 0'),
    );
    expect(run(new TypeError('rateLimiter: options.mode must be …'))).toEqual(new TypeError('bulkhead: options.mode must be …'));
    expect(run(new TypeError('registry: it has been disposed'))).toEqual(new TypeError('bulkhead: it has been disposed'));
    expect(run(new Error('other'))).toEqual(new TypeError('bulkhead: other'));
    expect(run('not an error')).toBe('not an error');
  });
});
