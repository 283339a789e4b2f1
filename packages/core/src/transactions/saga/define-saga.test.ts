import { defineSaga, isSagaDefinition, type SagaStep } from './define-saga.js';

const action = (): string => 'ok';
const compensate = (): void => undefined;

describe('defineSaga', () => {
  it('returns a frozen definition with its steps and pivot index', () => {
    const saga = defineSaga({ name: 'orders', steps: [{ name: 'a', action, compensate }, { name: 'b', action, pivot: true }, { name: 'c', action }] });
    expect(saga.name).toBe('orders');
    expect(saga.steps.map((s) => s.name)).toEqual(['a', 'b', 'c']);
    expect(saga.pivotIndex).toBe(1);
    expect(Object.isFrozen(saga)).toBe(true);
    expect(Object.isFrozen(saga.steps)).toBe(true);
    expect(Object.isFrozen(saga.steps[0])).toBe(true);
    expect(isSagaDefinition(saga)).toBe(true);
    expect(defineSaga({ name: 'x', steps: [{ name: 'a', action }] }).pivotIndex).toBeUndefined();
  });

  it('accepts a compensation on the pivot itself (run only when the pivot fails)', () => {
    expect(() => defineSaga({ name: 'x', steps: [{ name: 'a', action, compensate, pivot: true }] })).not.toThrow();
  });

  it('isSagaDefinition() rejects look-alikes', () => {
    expect(isSagaDefinition({ name: 'x', steps: [{ name: 'a', action }], pivotIndex: undefined })).toBe(false);
    expect(isSagaDefinition(null)).toBe(false);
    expect(isSagaDefinition('x')).toBe(false);
  });

  it.each<[string, unknown, ErrorConstructor, RegExp]>([
    ['options', null, TypeError, /^defineSaga: options must be an object, got null$/],
    ['name type', { name: 3, steps: [{ name: 'a', action }] }, TypeError, /options\.name must be a string, got 3/],
    ['name chars', { name: 'a b', steps: [{ name: 'a', action }] }, RangeError, /options\.name must be 1 to 100 of/],
    ['name empty', { name: '', steps: [{ name: 'a', action }] }, RangeError, /options\.name/],
    ['steps type', { name: 'x', steps: 'a' }, TypeError, /options\.steps must be an array, got "a"/],
    ['no steps', { name: 'x', steps: [] }, RangeError, /options\.steps must hold 1 to 100 steps, got 0/],
    ['too many steps', { name: 'x', steps: Array.from({ length: 101 }, (_, i) => ({ name: `s${i}`, action })) }, RangeError, /got 101/],
    ['step type', { name: 'x', steps: [7] }, TypeError, /options\.steps\[0\] must be an object, got 7/],
    ['unknown key', { name: 'x', steps: [{ name: 'a', action, compensation: compensate }] }, TypeError, /options\.steps\[0\]\.compensation is not a step option/],
    ['step name type', { name: 'x', steps: [{ name: 1, action }] }, TypeError, /steps\[0\]\.name must be a string, got 1/],
    ['step name empty', { name: 'x', steps: [{ name: '', action }] }, RangeError, /steps\[0\]\.name must be 1 to 100 characters/],
    ['duplicate', { name: 'x', steps: [{ name: 'a', action }, { name: 'a', action }] }, RangeError, /steps\[1\]\.name must be unique in the saga, got "a" twice/],
    ['action', { name: 'x', steps: [{ name: 'a', action: 3 }] }, TypeError, /steps\[0\]\.action must be a function, got 3/],
    ['compensate', { name: 'x', steps: [{ name: 'a', action, compensate: 'undo' }] }, TypeError, /steps\[0\]\.compensate must be a function, got "undo"/],
    ['pivot type', { name: 'x', steps: [{ name: 'a', action, pivot: 1 }] }, TypeError, /steps\[0\]\.pivot must be a boolean, got 1/],
    ['two pivots', { name: 'x', steps: [{ name: 'a', action, pivot: true }, { name: 'b', action, pivot: true }] }, RangeError, /steps\[1\]\.pivot: steps\[0\] is the pivot already/],
    ['compensate after pivot', { name: 'x', steps: [{ name: 'a', action, pivot: true }, { name: 'b', action, compensate }] }, RangeError, /steps\[1\]\.compensate: a step after the pivot \(steps\[0\]\)/],
    ['timeout type', { name: 'x', steps: [{ name: 'a', action, timeoutMs: '5' }] }, TypeError, /steps\[0\]\.timeoutMs must be a positive finite number, got "5"/],
    ['timeout zero', { name: 'x', steps: [{ name: 'a', action, timeoutMs: 0 }] }, RangeError, /steps\[0\]\.timeoutMs must be a positive finite number, got 0/],
    ['timeout infinite', { name: 'x', steps: [{ name: 'a', action, timeoutMs: Infinity }] }, RangeError, /timeoutMs/],
    ['retry type', { name: 'x', steps: [{ name: 'a', action, retry: 3 }] }, TypeError, /steps\[0\]\.retry must be an object, got 3/],
    ['retry option', { name: 'x', steps: [{ name: 'a', action, retry: { maxAttempts: 0 } }] }, RangeError, /steps\[0\]\.retry: retry: options\.maxAttempts must be a positive integer, got 0/],
    ['retry option type', { name: 'x', steps: [{ name: 'a', action, retry: { shouldRetry: 1 } }] }, TypeError, /steps\[0\]\.retry: retry: options\.shouldRetry must be a function/],
    ['retry clock', { name: 'x', steps: [{ name: 'a', action, retry: { clock: {} } }] }, TypeError, /steps\[0\]\.retry: clock and random come from the orchestrator/],
  ])('rejects a bad %s, naming the field', (_what, options, type, message) => {
    let thrown: unknown;
    try {
      defineSaga(options as Parameters<typeof defineSaga>[0]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message).toMatch(message);
  });

  it('keeps the steps as given (a copy), typed by the input', () => {
    const step: SagaStep<{ n: number }> = { name: 'a', action: (c) => c.input.n + 1, retry: { maxAttempts: 2 }, timeoutMs: 5 };
    const saga = defineSaga({ name: 'typed', steps: [step] });
    expect(saga.steps[0]).toEqual(step);
    expect(saga.steps[0]).not.toBe(step);
  });
});
