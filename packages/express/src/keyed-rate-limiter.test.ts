import { RateLimiterPolicy, createRegistry, isRateLimitedError } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { KeyedRateLimiter } from './keyed-rate-limiter.js';

describe('KeyedRateLimiter', () => {
  const options = (clock: ManualClock) => ({ mode: 'token-bucket', limit: 1, intervalMs: 1_000, maxWaitMs: 500, clock }) as const;

  it('keeps one quota per key', async () => {
    const clock = new ManualClock();
    const keyed = new KeyedRateLimiter(options(clock), 10);
    await expect(keyed.forKey('a').execute(() => 'a1')).resolves.toBe('a1');
    await expect(keyed.forKey('b').execute(() => 'b1')).resolves.toBe('b1');
    const error: unknown = await keyed.forKey('a').execute(() => 'a2').catch((e: unknown) => e);
    expect(isRateLimitedError(error)).toBe(true);
    expect(keyed.forKey('a')).toBe(keyed.forKey('a'));
    expect(keyed.keyCount).toBe(2);
  });

  it('sums every key’s counters and waiting calls, forgotten keys’ counters included', async () => {
    const clock = new ManualClock();
    const keyed = new KeyedRateLimiter(options(clock), 2);
    await keyed.forKey('a').execute(() => 1);
    const waiting = keyed.forKey('a').execute(() => 2); // its permit comes in 1 s: more than maxWaitMs, so refused
    await expect(waiting).rejects.toMatchObject({ code: 'ERATELIMITED' });
    await keyed.forKey('b').execute(() => 3);
    clock.advance(600);
    const queued = keyed.forKey('b').execute(() => 4); // 400 ms to go: it waits
    expect(keyed.queueLength).toBe(1);
    expect(keyed.metrics()).toEqual({ permitted: 2, rejected: 1, queued: 1 });
    await keyed.forKey('c').execute(() => 5); // forgets 'a'
    expect(keyed.keyCount).toBe(2);
    expect(keyed.metrics()).toEqual({ permitted: 3, rejected: 1, queued: 1 });
    clock.advance(400);
    await expect(queued).resolves.toBe(4);
    expect(keyed.queueLength).toBe(0);
    expect(keyed.metrics()).toEqual({ permitted: 4, rejected: 1, queued: 1 });
  });

  it('joins a registry as one rate limiter, reports what a new client would find, and refuses calls without a key', async () => {
    const clock = new ManualClock();
    const registry = createRegistry();
    const keyed = new KeyedRateLimiter({ mode: 'sliding-window', limit: 3, windowMs: 1_000, clock }, 100);
    registry.register('api', keyed);
    expect(registry.get('rateLimiter', 'api')).toBe(keyed);
    expect(keyed).toBeInstanceOf(RateLimiterPolicy);
    await keyed.forKey('a').execute(() => 1);
    expect(keyed.availablePermits).toBe(3);
    expect(keyed.describe()).toBe('rateLimiter(sliding-window, 3/1000ms, maxWaitMs=0) per key (maxKeys=100)');
    await expect(keyed.execute(() => 1)).rejects.toThrow(new TypeError(`${keyed.describe()}: call forKey(key).execute(fn); the keyed limiter has no quota of its own`));
    registry.dispose();
  });

  it('validates the limiter options as rateLimiter does', () => {
    expect(() => new KeyedRateLimiter({ mode: 'token-bucket', limit: 0, intervalMs: 1 }, 1)).toThrow(
      new RangeError('rateLimiter: options.limit must be a positive integer, got 0'),
    );
  });
});
