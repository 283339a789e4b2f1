import {
  checkBetween,
  checkBoolean,
  checkFunction,
  checkNonEmptyString,
  checkNonNegative,
  checkNonNegativeInteger,
  checkObject,
  checkOneOf,
  checkPositive,
  checkPositiveInteger,
  show,
} from './validate.js';

describe('option checks', () => {
  it('return valid values', () => {
    expect(checkPositiveInteger('p', 'n', 3)).toBe(3);
    expect(checkPositiveInteger('p', 'n', Infinity, true)).toBe(Infinity);
    expect(checkNonNegativeInteger('p', 'n', 0)).toBe(0);
    expect(checkNonNegative('p', 'n', 0.5)).toBe(0.5);
    expect(checkPositive('p', 'n', 0.1)).toBe(0.1);
    expect(checkBetween('p', 'n', 100, 0, 100)).toBe(100);
    expect(checkOneOf('p', 'n', 'b', ['a', 'b'])).toBe('b');
    const f = (): void => undefined;
    expect(checkFunction('p', 'n', f)).toBe(f);
    expect(checkObject('p', 'n', { a: 1 })).toEqual({ a: 1 });
  });

  it('name the policy, the option and the value, with TypeError for types and RangeError for ranges', () => {
    expect(() => checkPositiveInteger('retry', 'maxAttempts', -1)).toThrow(new RangeError('retry: options.maxAttempts must be a positive integer, got -1'));
    expect(() => checkPositiveInteger('retry', 'maxAttempts', '3')).toThrow(new TypeError('retry: options.maxAttempts must be a positive integer, got "3"'));
    expect(() => checkPositiveInteger('retry', 'maxAttempts', Infinity)).toThrow(RangeError);
    expect(() => checkPositiveInteger('retry', 'maxAttempts', 1.5)).toThrow(RangeError);
    expect(() => checkNonNegativeInteger('b', 'maxQueued', -1)).toThrow('b: options.maxQueued must be a non-negative integer, got -1');
    expect(() => checkNonNegative('t', 'timeoutMs', Number.NaN)).toThrow(RangeError);
    expect(() => checkNonNegative('t', 'timeoutMs', Infinity)).toThrow(RangeError);
    expect(() => checkPositive('t', 'timeoutMs', 0)).toThrow('t: options.timeoutMs must be a positive finite number, got 0');
    expect(() => checkBetween('x', 'p', 101, 0, 100)).toThrow('x: options.p must be a number from 0 to 100, got 101');
    expect(() => checkOneOf('x', 'mode', 'z', ['a', 'b'])).toThrow(new RangeError("x: options.mode must be one of 'a', 'b', got \"z\""));
    expect(() => checkOneOf('x', 'mode', 3, ['a'])).toThrow(TypeError);
    expect(() => checkFunction('x', 'onRetry', 3)).toThrow(new TypeError('x: options.onRetry must be a function, got 3'));
    expect(() => checkObject('x', 'o', [1])).toThrow(TypeError);
    expect(() => checkObject('x', 'o', null)).toThrow('x: options.o must be an object, got null');
    expect(checkBoolean('x', 'enabled', false)).toBe(false);
    expect(() => checkBoolean('x', 'enabled', 0)).toThrow(new TypeError('x: options.enabled must be a boolean, got 0'));
    expect(checkNonEmptyString('x', 'group', 'g')).toBe('g');
    expect(() => checkNonEmptyString('x', 'group', '')).toThrow(new RangeError('x: options.group must be a non-empty string, got ""'));
    expect(() => checkNonEmptyString('x', 'group', 1)).toThrow(new TypeError('x: options.group must be a non-empty string, got 1'));
  });

  it('show renders values readably', () => {
    expect(show('a')).toBe('"a"');
    expect(show(() => 1)).toBe('a function');
    expect(show({ a: 1 })).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(show(cyclic)).toBe('[object Object]');
    expect(show(undefined)).toBe('undefined');
  });
});
