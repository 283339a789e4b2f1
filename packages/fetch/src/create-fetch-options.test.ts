import { createRegistry, retry } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { createFetch } from './create-fetch.js';
import type { CreateFetchOptions } from './create-fetch-options.js';
import { FETCH_BREAKER_DEFAULTS, resolveOptions } from './create-fetch-options.js';

const bad = (options: unknown) => () => createFetch(options as CreateFetchOptions);

describe('createFetch: options are checked at construction', () => {
  it.each<[string, unknown, ErrorConstructor, string]>([
    ['not an object', 5, TypeError, 'createFetch: options.options must be an object, got 5'],
    ['an unknown option', { retries: 3 }, TypeError, 'createFetch: options.retries is not an option (expected one of fetch, retry,'],
    ['fetch', { fetch: 'x' }, TypeError, 'createFetch: options.fetch must be a function, got "x"'],
    ['clock', { clock: { now: () => 0 } }, TypeError, 'createFetch: options.clock must be a Clock (now, setTimeout, clearTimeout), got an object'],
    ['random', { random: 0.5 }, TypeError, 'createFetch: options.random must be a function, got 0.5'],
    ['registry', { registry: {} }, TypeError, 'createFetch: options.registry must be a PolicyRegistry, got an object'],
    ['name (type)', { name: 7 }, TypeError, 'createFetch: options.name must be a non-empty string, got 7'],
    ['name (empty)', { name: '' }, RangeError, 'createFetch: options.name must be a non-empty string, got ""'],
    ['maxOrigins (type)', { maxOrigins: '10' }, TypeError, 'createFetch: options.maxOrigins must be a positive integer or Infinity, got "10"'],
    ['maxOrigins (range)', { maxOrigins: 0 }, RangeError, 'createFetch: options.maxOrigins must be a positive integer or Infinity, got 0'],
    ['maxOrigins (fraction)', { maxOrigins: 1.5 }, RangeError, 'createFetch: options.maxOrigins must be a positive integer or Infinity, got 1.5'],
    ['maxRetryAfterMs (type)', { maxRetryAfterMs: null }, TypeError, 'createFetch: options.maxRetryAfterMs must be a non-negative finite number, got null'],
    ['maxRetryAfterMs (range)', { maxRetryAfterMs: -1 }, RangeError, 'createFetch: options.maxRetryAfterMs must be a non-negative finite number, got -1'],
    ['maxRetryAfterMs (Infinity)', { maxRetryAfterMs: Infinity }, RangeError, 'createFetch: options.maxRetryAfterMs must be a non-negative finite number, got Infinity'],
    ['attemptTimeoutMs (type)', { attemptTimeoutMs: '1s' }, TypeError, 'createFetch: options.attemptTimeoutMs must be a positive finite number, got "1s"'],
    ['attemptTimeoutMs (range)', { attemptTimeoutMs: 0 }, RangeError, 'createFetch: options.attemptTimeoutMs must be a positive finite number, got 0'],
    ['timeoutMs (range)', { timeoutMs: -5 }, RangeError, 'createFetch: options.timeoutMs must be a positive finite number, got -5'],
    ['timeoutMs (NaN)', { timeoutMs: NaN }, RangeError, 'createFetch: options.timeoutMs must be a positive finite number, got NaN'],
    ['retry (type)', { retry: true }, TypeError, 'createFetch: options.retry must be retry options, a RetryPolicy or false, got true'],
    ['retry.maxAttempts', { retry: { maxAttempts: 0 } }, RangeError, 'createFetch: options.retry.maxAttempts must be a positive integer, got 0'],
    ['retry.shouldRetry', { retry: { shouldRetry: 1 } }, TypeError, 'createFetch: options.retry.shouldRetry must be a function, got 1'],
    ['breaker (type)', { breaker: true }, TypeError, 'createFetch: options.breaker must be an object or false, got true'],
    ['breaker.volumeThreshold', { breaker: { volumeThreshold: -1 } }, RangeError, 'createFetch: options.breaker.volumeThreshold must be a non-negative integer, got -1'],
    ['a misspelt breaker option', { breaker: { resetTimout: 5 } }, TypeError, 'createFetch: options.breaker.resetTimout is not a breaker option'],
    ['bulkhead (type)', { bulkhead: 4 }, TypeError, 'createFetch: options.bulkhead must be an object or false, got 4'],
    ['bulkhead.maxConcurrent', { bulkhead: { maxConcurrent: 0 } }, RangeError, 'createFetch: options.bulkhead.maxConcurrent must be a positive integer, got 0'],
    ['bulkhead without maxConcurrent', { bulkhead: {} }, TypeError, 'createFetch: options.bulkhead.maxConcurrent must be a positive integer, got undefined'],
  ])('%s', (_, options, type, message) => {
    const thrown = (() => {
      try {
        bad(options)();
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message.startsWith(message)).toBe(true);
  });

  it('accepts every documented option', () => {
    const clock = new ManualClock(0);
    const options: CreateFetchOptions = {
      fetch: () => Promise.resolve(new Response()),
      // Inline callbacks get their parameter types (typecheck compiles this file).
      retry: { maxAttempts: 2, onRetry: (event) => void event.delayMs, shouldRetry: (context) => context.attempt < 2 },
      breaker: { resetTimeout: 1000 },
      bulkhead: { maxConcurrent: 2, maxQueued: 4, queueTimeoutMs: 100 },
      attemptTimeoutMs: 100,
      timeoutMs: 1000,
      maxRetryAfterMs: 0,
      maxOrigins: Infinity,
      registry: createRegistry({ clock }),
      name: 'api',
      clock,
      random: () => 0.5,
    };
    expect(typeof createFetch(options)).toBe('function');
    expect(typeof createFetch({ retry: false, breaker: false, bulkhead: false })).toBe('function');
    expect(typeof createFetch()).toBe('function');
  });

  it('fills in the defaults', () => {
    const resolved = resolveOptions({});
    expect(resolved).toMatchObject({ breaker: FETCH_BREAKER_DEFAULTS, bulkhead: undefined, maxRetryAfterMs: 30_000, maxOrigins: 100, name: 'fetch' });
    expect(resolved.retry?.policy.describe()).toBe('retry(maxAttempts=3, exponential full jitter)');
    expect(resolved.retry?.foreign).toBe(false);
    expect(resolved.attemptTimeout).toBeUndefined();
    expect(resolved.totalTimeout).toBeUndefined();
    expect(resolveOptions({ breaker: { volumeThreshold: 2 } }).breaker).toEqual({ timeout: false, volumeThreshold: 2 });
    const policy = retry();
    expect(resolveOptions({ retry: policy }).retry).toEqual({ policy, foreign: true });
    expect(resolveOptions({ timeoutMs: 5, attemptTimeoutMs: 2 })).toMatchObject({ totalTimeout: { timeoutMs: 5 }, attemptTimeout: { timeoutMs: 2 } });
  });
});
