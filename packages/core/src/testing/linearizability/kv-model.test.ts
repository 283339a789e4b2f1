import { kvModel } from './kv-model.js';
import type { KvInput } from './kv-model.js';

describe('kvModel', () => {
  const model = kvModel();

  it('partitions by key and starts every key empty', () => {
    expect(model.name).toBe('kv');
    expect(model.partitionKey?.({ op: 'get', key: 'k1' })).toBe('k1');
    expect(model.init()).toBe('');
  });

  it.each<[string, KvInput, unknown, readonly string[]]>([
    ['a get of the value', { op: 'get', key: 'k' }, 'ab', ['ab']],
    ['a get of another value', { op: 'get', key: 'k' }, 'a', []],
    ['a put, whatever its output', { op: 'put', key: 'k', value: 'z' }, 'ignored', ['z']],
    ['an append', { op: 'append', key: 'k', value: 'c' }, undefined, ['abc']],
    ['a delete', { op: 'delete', key: 'k' }, undefined, ['']],
    ['a cas that swapped', { op: 'cas', key: 'k', expected: 'ab', value: 'z' }, true, ['z']],
    ['a cas that did not swap', { op: 'cas', key: 'k', expected: 'x', value: 'z' }, false, ['ab']],
    ['a cas claiming a swap it could not make', { op: 'cas', key: 'k', expected: 'x', value: 'z' }, true, []],
    ['a cas claiming a failure where it would swap', { op: 'cas', key: 'k', expected: 'ab', value: 'z' }, false, []],
  ])('steps %s', (_label, input, output, next) => {
    expect(model.step('ab', input, output as never)).toEqual(next);
  });

  it.each<[KvInput, readonly string[]]>([
    [{ op: 'get', key: 'k' }, ['ab']],
    [{ op: 'put', key: 'k', value: 'z' }, ['z']],
    [{ op: 'append', key: 'k', value: 'c' }, ['abc']],
    [{ op: 'delete', key: 'k' }, ['']],
    [{ op: 'cas', key: 'k', expected: 'ab', value: 'z' }, ['z']],
    [{ op: 'cas', key: 'k', expected: 'x', value: 'z' }, ['ab']],
  ])('steps %j with an unknown outcome', (input, next) => {
    expect(model.stepUnknown?.('ab', input)).toEqual(next);
  });

  it('calls gets and failed cas read-only, nothing else', () => {
    expect(model.readOnly?.({ op: 'get', key: 'k' }, 'x')).toBe(true);
    expect(model.readOnly?.({ op: 'get', key: 'k' }, undefined)).toBe(true);
    expect(model.readOnly?.({ op: 'cas', key: 'k', expected: 'a', value: 'b' }, false)).toBe(true);
    expect(model.readOnly?.({ op: 'cas', key: 'k', expected: 'a', value: 'b' }, true)).toBe(false);
    expect(model.readOnly?.({ op: 'cas', key: 'k', expected: 'a', value: 'b' }, undefined)).toBe(false);
    expect(model.readOnly?.({ op: 'delete', key: 'k' }, undefined)).toBe(false);
    expect(model.readOnly?.({ op: 'put', key: 'k', value: 'v' }, undefined)).toBe(false);
  });

  it('describes operations', () => {
    const describe = (input: KvInput, output?: string | boolean) => model.describeOperation?.(input, output);
    expect(describe({ op: 'get', key: 'k' }, 'v')).toBe('get("k") → "v"');
    expect(describe({ op: 'get', key: 'k' })).toBe('get("k")');
    expect(describe({ op: 'put', key: 'k', value: 'v' })).toBe('put("k", "v")');
    expect(describe({ op: 'append', key: 'k', value: 'v' })).toBe('append("k", "v")');
    expect(describe({ op: 'delete', key: 'k' })).toBe('delete("k")');
    expect(describe({ op: 'cas', key: 'k', expected: 'a', value: 'b' }, true)).toBe('cas("k", "a", "b") → true');
  });

  it('rejects an unknown op by name', () => {
    const bad = { op: 'incr', key: 'k' } as unknown as KvInput;
    expect(() => model.step('', bad, undefined)).toThrow(new TypeError('kvModel: unknown op "incr" in input {"op":"incr","key":"k"}'));
    expect(() => model.stepUnknown?.('', bad)).toThrow(TypeError);
  });
});
