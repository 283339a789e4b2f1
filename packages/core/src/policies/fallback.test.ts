import { jest } from '@jest/globals';
import { TimeoutError } from '../errors/timeout-error.js';
import { deferred } from '../testing/index.js';
import { fallback, FallbackPolicy } from './fallback.js';
import type { FallbackContext, FallbackEvent } from './fallback.js';
import type { Policy } from './policy.js';
import { wrap } from './wrap.js';

describe('fallback options', () => {
  it('requires exactly one of value and fallback', () => {
    expect(() => fallback({} as never)).toThrow(new TypeError('fallback: options must have exactly one of value and fallback, got neither'));
    expect(() => fallback({ value: 1, fallback: () => 2 } as never)).toThrow(
      new TypeError('fallback: options must have exactly one of value and fallback, got both (value 1 and fallback a function)'),
    );
    expect(() => fallback(undefined as never)).toThrow(new TypeError('fallback: options.options must be an object, got undefined'));
    // An undefined value is a value.
    expect(fallback({ value: undefined }).describe()).toBe('fallback(value)');
  });

  it('checks that fallback and shouldHandle are functions', () => {
    expect(() => fallback({ fallback: 5 as never })).toThrow(new TypeError('fallback: options.fallback must be a function, got 5'));
    expect(() => fallback({ value: 1, shouldHandle: true as never })).toThrow(new TypeError('fallback: options.shouldHandle must be a function, got true'));
    expect(fallback({ value: 1 })).toBeInstanceOf(FallbackPolicy);
  });

  it('describes itself', () => {
    expect(fallback({ value: [] }).describe()).toBe('fallback(value)');
    expect(fallback({ fallback: () => 1 }).describe()).toBe('fallback(function)');
  });
});

describe('fallback', () => {
  it('passes a success through untouched', async () => {
    const f = fallback({ value: 'fallback' });
    await expect(f.execute(() => 'real')).resolves.toBe('real');
    await expect(f.execute(() => Promise.resolve('async'))).resolves.toBe('async');
    expect(f.metrics()).toEqual({ handled: 0, passedThrough: 0 });
  });

  it('answers with the value for any error by default, sync or async', async () => {
    const f = fallback({ value: 'fallback' });
    await expect(f.execute(() => Promise.reject(new Error('x')))).resolves.toBe('fallback');
    await expect(
      f.execute(() => {
        throw new Error('sync');
      }),
    ).resolves.toBe('fallback');
    await expect(f.execute(() => Promise.reject('not even an Error'))).resolves.toBe('fallback');
    expect(f.metrics()).toEqual({ handled: 3, passedThrough: 0 });
  });

  it('calls the fallback function with the error, signal and attempt; its result may be async', async () => {
    const seen: FallbackContext[] = [];
    const f = fallback({ fallback: (context) => (seen.push(context), Promise.resolve(`after ${String((context.error as Error).message)}`)) });
    const controller = new AbortController();
    const error = new Error('boom');
    await expect(f.execute(() => Promise.reject(error), { signal: controller.signal, attempt: 2 })).resolves.toBe('after boom');
    expect(seen).toEqual([{ error, signal: controller.signal, attempt: 2 }]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    await f.execute(() => Promise.reject(error));
    expect(seen[1].signal.aborted).toBe(false);
    expect(seen[1].attempt).toBe(1);
  });

  it('rejects with the fallback function’s own error', async () => {
    const f = fallback({
      fallback: () => {
        throw new Error('fallback broke');
      },
    });
    await expect(f.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('fallback broke');
    const g = fallback({ fallback: () => Promise.reject(new Error('async broke')) });
    await expect(g.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('async broke');
  });

  it('passes through errors shouldHandle refuses, and rejects with the predicate’s own error', async () => {
    const f = fallback({ value: 0, shouldHandle: (e) => e instanceof TimeoutError });
    await expect(f.execute(() => Promise.reject(new TimeoutError(5)))).resolves.toBe(0);
    const other = new Error('other');
    await expect(f.execute(() => Promise.reject(other))).rejects.toBe(other);
    expect(f.metrics()).toEqual({ handled: 1, passedThrough: 1 });
    const g = fallback({
      value: 0,
      shouldHandle: () => {
        throw new Error('predicate broke');
      },
    });
    await expect(g.execute(() => Promise.reject(new Error('x')))).rejects.toThrow('predicate broke');
  });

  it('never handles an error that arrives after the caller’s own abort', async () => {
    const f = fallback({ value: 'fallback' });
    const controller = new AbortController();
    const gate = deferred<string>();
    const call = f.execute(() => gate.promise, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    const failure = new Error('work aborted');
    gate.reject(failure);
    await expect(call).rejects.toBe(failure);
    expect(f.metrics()).toEqual({ handled: 0, passedThrough: 1 });
  });

  it('rejects at once with the reason of an already-aborted signal, without calling fn', async () => {
    const f = fallback({ value: 'fallback' });
    const controller = new AbortController();
    controller.abort('stop');
    const fn = jest.fn();
    await expect(f.execute(fn, { signal: controller.signal })).rejects.toBe('stop');
    expect(fn).not.toHaveBeenCalled();
  });

  it('emits onFallback before answering, and ignores a listener that throws', async () => {
    const f = fallback({ value: 1 });
    const events: FallbackEvent[] = [];
    const sub = f.onFallback((e) => events.push(e));
    f.onFallback(() => {
      throw new Error('bad listener');
    });
    const error = new Error('x');
    await expect(f.execute(() => Promise.reject(error), { attempt: 3 })).resolves.toBe(1);
    expect(events).toEqual([{ error, attempt: 3 }]);
    sub.dispose();
    await f.execute(() => Promise.reject(error));
    expect(events).toHaveLength(1);
    await f.execute(() => 5);
    expect(events).toHaveLength(1);
  });

  it('types a direct call as T | R and composes through wrap as a Policy', async () => {
    const f = fallback({ value: [] as string[] });
    const direct: string[] | number = await f.execute(() => 5);
    expect(direct).toBe(5);
    const policy: Policy = f;
    const composed = wrap(policy, fallback({ value: 'inner' }));
    expect(composed.describe()).toBe('fallback(value) → fallback(value)');
    await expect(composed.execute(() => Promise.reject(new Error('x')))).resolves.toBe('inner');
  });
});
