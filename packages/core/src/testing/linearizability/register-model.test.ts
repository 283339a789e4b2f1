import { casRegisterModel } from './cas-register-model.js';
import type { CasRegisterInput } from './cas-register-model.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';

describe('registerModel', () => {
  const model = registerModel<number | null>(null);

  it('starts at its initial value; reads see the last write', () => {
    expect(model.name).toBe('register');
    expect(model.partitionKey).toBeUndefined();
    expect(model.init()).toBeNull();
    expect(model.step(1, { op: 'read' }, 1)).toEqual([1]);
    expect(model.step(1, { op: 'read' }, 2)).toEqual([]);
    expect(model.step(1, { op: 'write', value: 2 }, undefined)).toEqual([2]);
    expect(model.stepUnknown?.(1, { op: 'read' })).toEqual([1]);
    expect(model.stepUnknown?.(1, { op: 'write', value: 2 })).toEqual([2]);
  });

  it('calls reads read-only, and describes operations', () => {
    expect(model.readOnly?.({ op: 'read' }, 1)).toBe(true);
    expect(model.readOnly?.({ op: 'write', value: 1 }, undefined)).toBe(false);
    expect(model.describeOperation?.({ op: 'read' }, 1)).toBe('read() → 1');
    expect(model.describeOperation?.({ op: 'read' }, undefined)).toBe('read()');
    expect(model.describeOperation?.({ op: 'write', value: null }, undefined)).toBe('write(null)');
  });

  it('rejects an unknown op by name', () => {
    const bad = { op: 'incr' } as unknown as RegisterInput<number>;
    expect(() => model.step(1, bad, undefined)).toThrow(new TypeError('registerModel: unknown op "incr" in input {"op":"incr"}'));
    expect(() => model.stepUnknown?.(1, bad)).toThrow(TypeError);
  });
});

describe('casRegisterModel', () => {
  const model = casRegisterModel('a');

  it('swaps only from the expected value, and says whether it did', () => {
    expect(model.name).toBe('cas-register');
    expect(model.init()).toBe('a');
    expect(model.step('a', { op: 'cas', expected: 'a', value: 'b' }, true)).toEqual(['b']);
    expect(model.step('a', { op: 'cas', expected: 'a', value: 'b' }, false)).toEqual([]);
    expect(model.step('a', { op: 'cas', expected: 'x', value: 'b' }, false)).toEqual(['a']);
    expect(model.step('a', { op: 'cas', expected: 'x', value: 'b' }, true)).toEqual([]);
    expect(model.step('a', { op: 'read' }, 'a')).toEqual(['a']);
    expect(model.step('a', { op: 'read' }, 'b')).toEqual([]);
    expect(model.step('a', { op: 'write', value: 'c' }, undefined)).toEqual(['c']);
  });

  it('applies operations with unknown outcomes', () => {
    expect(model.stepUnknown?.('a', { op: 'cas', expected: 'a', value: 'b' })).toEqual(['b']);
    expect(model.stepUnknown?.('a', { op: 'cas', expected: 'x', value: 'b' })).toEqual(['a']);
    expect(model.stepUnknown?.('a', { op: 'read' })).toEqual(['a']);
    expect(model.stepUnknown?.('a', { op: 'write', value: 'c' })).toEqual(['c']);
  });

  it('calls reads and failed cas read-only, and describes operations', () => {
    expect(model.readOnly?.({ op: 'read' }, 'a')).toBe(true);
    expect(model.readOnly?.({ op: 'cas', expected: 'a', value: 'b' }, false)).toBe(true);
    expect(model.readOnly?.({ op: 'cas', expected: 'a', value: 'b' }, true)).toBe(false);
    expect(model.readOnly?.({ op: 'cas', expected: 'a', value: 'b' }, undefined)).toBe(false);
    expect(model.readOnly?.({ op: 'write', value: 'b' }, undefined)).toBe(false);
    expect(model.describeOperation?.({ op: 'cas', expected: 'a', value: 'b' }, false)).toBe('cas("a", "b") → false');
    expect(model.describeOperation?.({ op: 'read' }, 'a')).toBe('read() → "a"');
    expect(model.describeOperation?.({ op: 'write', value: 'b' }, undefined)).toBe('write("b")');
  });

  it('rejects an unknown op by name', () => {
    const bad = { op: 'incr' } as unknown as CasRegisterInput<string>;
    expect(() => model.step('a', bad, undefined)).toThrow(new TypeError('casRegisterModel: unknown op "incr" in input {"op":"incr"}'));
    expect(() => model.stepUnknown?.('a', bad)).toThrow(TypeError);
  });
});
