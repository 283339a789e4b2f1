import { createRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { Registry, register as globalRegister } from 'prom-client';
import type { RegisterMetricsOptions } from './options.js';
import { DEFAULT_DURATION_BUCKETS, checkBuckets, resolveCommonOptions, resolveOptions } from './options.js';

const bad = (options: unknown) => () => resolveOptions(undefined, options as RegisterMetricsOptions);

describe('resolveOptions', () => {
  it('fills in the defaults', () => {
    const resolved = resolveOptions(undefined, undefined);
    expect(resolved.register).toBe(globalRegister);
    expect(resolved.prefix).toBe('bulwark_');
    expect(resolved.durationBuckets).toBe(DEFAULT_DURATION_BUCKETS);
    expect(DEFAULT_DURATION_BUCKETS).toEqual([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  });

  it('keeps what is given', () => {
    const registry = createRegistry();
    const register = new Registry();
    expect(resolveOptions(registry, { register, prefix: '', durationBuckets: [1] })).toEqual({ registry, register, prefix: '', durationBuckets: [1] });
  });

  it('rejects a registry that is not a PolicyRegistry', () => {
    expect(() => resolveOptions({ prefix: 'x' } as unknown as PolicyRegistry, undefined)).toThrow(
      new TypeError('registerMetrics: registry must be a PolicyRegistry (from createRegistry() or defaultRegistry()), got an object'),
    );
    expect(() => resolveOptions(new Registry() as unknown as PolicyRegistry, undefined)).toThrow(/registry must be a PolicyRegistry .* got a Registry/);
  });

  it('rejects options that are not an object, and unknown options', () => {
    expect(bad('bulwark_')).toThrow(new TypeError('registerMetrics: options must be an object, got "bulwark_"'));
    expect(bad(null)).toThrow(new TypeError('registerMetrics: options must be an object, got null'));
    expect(bad({ prefx: 'x_' })).toThrow(new TypeError('registerMetrics: unknown option "prefx" (the options are register, prefix, durationBuckets)'));
  });

  it('rejects a register that is not a prom-client Registry', () => {
    expect(bad({ register: {} })).toThrow(new TypeError('registerMetrics: options.register must be a prom-client Registry, got an object'));
  });

  it.each([[5], ['bulwark-'], ['9lives_'], ['app:bulwark_'], [' ']])('rejects the prefix %p', (prefix) => {
    expect(bad({ prefix })).toThrow(
      new TypeError(`registerMetrics: options.prefix must be letters, digits and underscores, not starting with a digit (or ''), got ${JSON.stringify(prefix)}`),
    );
  });

  it.each([[[]], [[0.1, 0.1]], [[1, 0.5]], [[0]], [[-1]], [[Infinity]], [['0.1']], [0.1]])('rejects the duration buckets %p', (durationBuckets) => {
    expect(bad({ durationBuckets })).toThrow(/^registerMetrics: options.durationBuckets must be a non-empty array of positive finite seconds, strictly ascending, got /);
  });
});

describe('resolveCommonOptions', () => {
  it('fills in register and prefix, and hands back the options as given for the caller\'s own keys', () => {
    expect(resolveCommonOptions('f', undefined, ['register', 'prefix'])).toEqual({ register: globalRegister, prefix: 'bulwark_', given: {} });
    const register = new Registry();
    const options = { register, prefix: 'x_', extra: 1 };
    expect(resolveCommonOptions('f', options, ['register', 'prefix', 'extra'])).toEqual({ register, prefix: 'x_', given: options });
  });

  it('names the calling function and takes only the keys it is given', () => {
    expect(() => resolveCommonOptions('f', { durationBuckets: [1] }, ['register', 'prefix'])).toThrow(
      new TypeError('f: unknown option "durationBuckets" (the options are register, prefix)'),
    );
    expect(() => resolveCommonOptions('f', 3, ['register'])).toThrow(new TypeError('f: options must be an object, got 3'));
  });
});

describe('checkBuckets', () => {
  it('names the function and the option', () => {
    expect(() => checkBuckets('f', 'fsyncBuckets', [2, 1])).toThrow(
      new TypeError('f: options.fsyncBuckets must be a non-empty array of positive finite seconds, strictly ascending, got [2, 1]'),
    );
    expect(() => checkBuckets('f', 'fsyncBuckets', [0.001, 1])).not.toThrow();
  });
});
