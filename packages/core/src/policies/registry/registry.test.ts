import { isBulkheadRejectedError } from '../../errors/bulkhead-rejected-error.js';
import { isCircuitOpenError } from '../../errors/circuit-open-error.js';
import { isTimeoutError } from '../../errors/timeout-error.js';
import { ManualClock, flushPromises } from '../../testing/manual-clock.js';
import { deferred } from '../../testing/deferred.js';
import { constantBackoff } from '../backoff/backoff.js';
import { bulkhead } from '../bulkhead.js';
import { CircuitBreaker } from '../circuit-breaker/circuit-breaker.js';
import { BulkheadPolicy } from '../bulkhead.js';
import { FallbackPolicy } from '../fallback.js';
import { RateLimiterPolicy } from '../rate-limiter.js';
import { RetryPolicy } from '../retry.js';
import { timeout, TimeoutPolicy } from '../timeout.js';
import { retry } from '../retry.js';
import type { Policy } from '../policy.js';
import { POLICY_KINDS } from './config.js';
import type { RegistryEntry, RegistryOptions, RegistryStateChangeEvent } from './registry.js';
import { createRegistry } from './registry.js';

const payments: RegistryOptions = {
  defaults: { retry: { maxAttempts: 3, backoff: constantBackoff(10) }, breaker: { timeout: false } },
  policies: {
    payments: {
      fallback: { value: 'cached' },
      bulkhead: { maxConcurrent: 2 },
      timeout: { timeoutMs: 5000 },
      retry: {},
      breaker: { resetTimeout: 1000 },
      rateLimiter: { mode: 'token-bucket', limit: 100, intervalMs: 1000 },
      attemptTimeout: { timeoutMs: 1000 },
    },
  },
};

/** Catches what `fn` throws, to assert on its class, message and cause together. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('createRegistry: instances', () => {
  it('creates every configured instance up front and lists them with kind and name, in pipeline order', () => {
    const registry = createRegistry({ ...payments, clock: new ManualClock() });
    expect(registry.all().map(({ kind, name }) => `${kind}:${name}`)).toEqual(POLICY_KINDS.map((kind) => `${kind}:payments`));
    const classes = [FallbackPolicy, BulkheadPolicy, TimeoutPolicy, RetryPolicy, CircuitBreaker, RateLimiterPolicy, TimeoutPolicy];
    registry.all().forEach((entry, i) => expect(entry.policy).toBeInstanceOf(classes[i]));
    registry.dispose();
  });

  it('hands out one instance per kind and name, the same that all() and get() show', () => {
    const registry = createRegistry({ ...payments, clock: new ManualClock() });
    const breaker = registry.breaker('payments');
    expect(registry.breaker('payments')).toBe(breaker);
    expect(registry.get('breaker', 'payments')).toBe(breaker);
    expect(registry.all().find((e) => e.kind === 'breaker')?.policy).toBe(breaker);
    expect(registry.retry('payments')).toBe(registry.get('retry', 'payments'));
    expect(registry.bulkhead('payments')).toBe(registry.get('bulkhead', 'payments'));
    expect(registry.timeout('payments')).not.toBe(registry.attemptTimeout('payments'));
    expect(registry.timeout('payments').timeoutMs).toBe(5000);
    expect(registry.attemptTimeout('payments').timeoutMs).toBe(1000);
    expect(registry.rateLimiter('payments')).toBe(registry.get('rateLimiter', 'payments'));
    expect(registry.fallback('payments')).toBe(registry.get('fallback', 'payments'));
    expect(registry.get('breaker', 'other')).toBeUndefined();
    registry.dispose();
  });

  it('names the breaker after its registry name and merges defaults field by field', () => {
    const registry = createRegistry({ ...payments, clock: new ManualClock() });
    const breaker = registry.breaker('payments');
    expect(breaker.name).toBe('payments');
    expect(breaker.options.timeout).toBe(false); // from defaults
    expect(breaker.options.resetTimeout).toBe(1000); // its own
    expect(registry.retry('payments').maxAttempts).toBe(3);
    registry.dispose();
  });

  it('creates an unconfigured name on first use from the defaults alone', () => {
    const registry = createRegistry({ defaults: { bulkhead: { maxConcurrent: 4, maxQueued: 1 } } });
    expect(registry.all()).toEqual([]);
    const b = registry.bulkhead('search');
    expect(b.describe()).toBe('bulkhead(4, queue 1)');
    expect(registry.retry('search').maxAttempts).toBe(3); // retry's own default
    expect(registry.all().map((e) => `${e.kind}:${e.name}`)).toEqual(['bulkhead:search', 'retry:search']);
  });

  it('takes options when it creates an instance, and returns it again for the same options', () => {
    const registry = createRegistry();
    const b = registry.bulkhead('uploads', { maxConcurrent: 1, maxQueued: 0 });
    expect(b.maxConcurrent).toBe(1);
    expect(registry.bulkhead('uploads', { maxConcurrent: 1, maxQueued: 0 })).toBe(b);
    expect(registry.bulkhead('uploads')).toBe(b);
    const conflict = thrown(() => registry.bulkhead('uploads', { maxConcurrent: 2 }));
    expect(conflict).toBeInstanceOf(TypeError);
    expect(conflict.message).toBe(
      'registry: a bulkhead named "uploads" exists already with other options; ask for it without options, or use another name',
    );
  });

  it('compares options by content for plain objects and by identity for functions', () => {
    const registry = createRegistry();
    const shouldRetry = (): boolean => true;
    const r = registry.retry('a', { backoff: constantBackoff(5), shouldRetry });
    // A backoff is a function object: a new one is other options.
    expect(() => registry.retry('a', { backoff: constantBackoff(5), shouldRetry })).toThrow(/exists already with other options/);
    const windowed = registry.breaker('w', { slidingWindow: { kind: 'count', size: 10 }, timeout: false });
    expect(registry.breaker('w', { slidingWindow: { kind: 'count', size: 10 }, timeout: false })).toBe(windowed);
    expect(() => registry.breaker('w', { slidingWindow: { kind: 'count', size: 11 }, timeout: false })).toThrow(/other options/);
    expect(r).toBe(registry.retry('a'));
    registry.dispose();
  });

  it('passes its clock to every instance', async () => {
    const clock = new ManualClock();
    const registry = createRegistry({ clock, policies: { slow: { attemptTimeout: { timeoutMs: 100, strategy: 'aggressive' } } } });
    const pending = registry.pipeline('slow').execute(() => deferred<number>().promise);
    const outcome = pending.catch((error: unknown) => error);
    clock.advance(100);
    expect(isTimeoutError(await outcome)).toBe(true);
  });

  it('passes its random source to jittered retries', async () => {
    const delays = async (random: () => number): Promise<number[]> => {
      const clock = new ManualClock();
      const registry = createRegistry({ clock, random, policies: { r: { retry: { maxAttempts: 3 } } } });
      const seen: number[] = [];
      registry.retry('r').onRetry(({ delayMs }) => seen.push(delayMs));
      const call = registry.pipeline('r').execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
      for (let i = 0; i < 5; i++) await clock.advanceAsync(10_000);
      await call;
      return seen;
    };
    expect(await delays(() => 0.5)).toEqual([50, 100]); // full jitter over 100 ms × 2ⁿ
    expect(await delays(() => 0)).toEqual([0, 0]);
  });

  it('keeps __proto__ and other prototype names as ordinary names', () => {
    const policies = JSON.parse('{"__proto__": {"bulkhead": {"maxConcurrent": 3}}, "constructor": {"retry": {}}}') as RegistryOptions['policies'];
    const registry = createRegistry({ policies });
    expect(registry.bulkhead('__proto__').maxConcurrent).toBe(3);
    expect(registry.pipeline('constructor').describe()).toMatch(/^retry\(/);
    expect(() => registry.pipeline('toString')).toThrow(RangeError);
  });
});

describe('createRegistry: pipeline', () => {
  it('composes the configured kinds in the recommended order, whatever order they are written in', () => {
    const registry = createRegistry({
      clock: new ManualClock(),
      policies: {
        api: {
          attemptTimeout: { timeoutMs: 100 },
          breaker: { timeout: false },
          retry: { maxAttempts: 2 },
          bulkhead: { maxConcurrent: 5 },
          fallback: { value: null },
        },
      },
    });
    const pipeline = registry.pipeline('api');
    expect(pipeline.describe()).toBe(
      'fallback(value) → bulkhead(5, queue 0) → retry(maxAttempts=2, exponential full jitter) → circuitBreaker(api, closed, timeout=none, resetTimeout=30000ms) → timeout(100ms, cooperative)',
    );
    expect(pipeline.policies).toEqual([
      registry.fallback('api'),
      registry.bulkhead('api'),
      registry.retry('api'),
      registry.breaker('api'),
      registry.attemptTimeout('api'),
    ]);
    expect(registry.pipeline('api')).toBe(pipeline);
    registry.dispose();
  });

  it('runs calls through the shared instances: retries, then the breaker opens, then the fallback answers', async () => {
    const clock = new ManualClock();
    const registry = createRegistry({
      clock,
      policies: {
        payments: {
          fallback: { fallback: ({ error }) => (isCircuitOpenError(error) ? 'open' : 'failed') },
          // An open breaker is not worth retrying: its callers get the fallback at once.
          retry: { maxAttempts: 2, backoff: constantBackoff(0), shouldRetry: (c) => 'error' in c && !isCircuitOpenError(c.error) },
          breaker: { timeout: false, slidingWindow: { kind: 'consecutive', failures: 2 } },
        },
      },
    });
    let calls = 0;
    const down = (): Promise<string> => {
      calls++;
      return Promise.reject(new Error('down'));
    };
    const first = registry.pipeline('payments').execute(down);
    await clock.advanceAsync(0);
    await expect(first).resolves.toBe('failed'); // two attempts, both failed: the breaker opened on the second
    expect(calls).toBe(2);
    expect(registry.breaker('payments').opened).toBe(true);
    await expect(registry.pipeline('payments').execute(down)).resolves.toBe('open');
    expect(calls).toBe(2);
    registry.dispose();
  });

  it('rejects a pipeline for a name that is not configured, or configured with no kind', () => {
    const registry = createRegistry({ policies: { empty: {} } });
    const unknown = thrown(() => registry.pipeline('nope'));
    expect(unknown).toBeInstanceOf(RangeError);
    expect(unknown.message).toBe('registry: no pipeline named "nope": configure policies.nope with at least one policy kind');
    expect(() => registry.pipeline('empty')).toThrow('registry: no pipeline named "empty"');
  });

  it('takes a kind with the defaults alone when a name lists it as {}', () => {
    const registry = createRegistry({ defaults: { bulkhead: { maxConcurrent: 7 } }, policies: { db: { bulkhead: {} } } });
    expect(registry.pipeline('db').describe()).toBe('bulkhead(7, queue 0)');
  });
});

describe('createRegistry: retry budgets', () => {
  it('shares a named budget between retry policies', async () => {
    const clock = new ManualClock();
    const registry = createRegistry({
      clock,
      budgets: { shared: { ratio: 0, minRetriesPerSecond: 1, windowMs: 1000 } },
      defaults: { retry: { maxAttempts: 2, backoff: constantBackoff(0), budget: 'shared' } },
      policies: { a: { retry: {} }, b: { retry: {} } },
    });
    const budget = registry.budget('shared');
    const fail = (): Promise<never> => Promise.reject(new Error('down'));
    const a = registry.pipeline('a').execute(fail).catch(() => undefined);
    await clock.advanceAsync(0);
    await a;
    const b = registry.pipeline('b').execute(fail).catch(() => undefined);
    await clock.advanceAsync(0);
    await b;
    // One retry per second in all: a took it, so b's retry was refused by the same budget.
    expect(budget.metrics()).toMatchObject({ withdrawals: 1, rejected: 1 });
    expect(registry.retry('a').metrics().failedWithRetry).toBe(1);
    expect(registry.retry('b').metrics().failedWithoutRetry).toBe(1);
  });

  it('accepts a RetryBudget instance, and names the budgets it has when one is missing', () => {
    const registry = createRegistry({ budgets: { shared: {} } });
    expect(registry.retry('x', { budget: registry.budget('shared') }).describe()).toMatch(/budget\)$/);
    const missing = thrown(() => registry.budget('other'));
    expect(missing).toBeInstanceOf(RangeError);
    expect(missing.message).toBe('registry: no retry budget named "other" (budgets: shared)');
    expect(() => createRegistry({ policies: { a: { retry: { budget: 'nope' } } } })).toThrow('registry: no retry budget named "nope" (budgets: none)');
  });

  it('validates budgets up front', () => {
    const e = thrown(() => createRegistry({ budgets: { shared: { ratio: -1 } } }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('budgets.shared.ratio must be a non-negative finite number, got -1');
    expect(() => createRegistry({ budgets: { shared: { rate: 1 } as never } })).toThrow(
      'budgets.shared.rate is not a retry budget option (expected one of ratio, minRetriesPerSecond, windowMs)',
    );
  });
});

describe('createRegistry: validation', () => {
  const cases: Array<[string, RegistryOptions, 'TypeError' | 'RangeError', string]> = [
    ['a name’s retry option', { policies: { payments: { retry: { maxAttempts: -1 } } } }, 'RangeError', 'policies.payments.retry.maxAttempts must be a positive integer, got -1'],
    ['a default’s retry option', { defaults: { retry: { maxAttempts: 0 } } }, 'RangeError', 'defaults.retry.maxAttempts must be a positive integer, got 0'],
    [
      'a default used by a name',
      { defaults: { bulkhead: { maxQueued: -2 } }, policies: { p: { bulkhead: { maxConcurrent: 1 } } } },
      'RangeError',
      'defaults.bulkhead.maxQueued must be a non-negative integer, got -2',
    ],
    ['a missing required field', { policies: { api: { bulkhead: {} } } }, 'TypeError', 'policies.api.bulkhead.maxConcurrent must be a positive integer, got undefined'],
    ['a timeout', { policies: { api: { attemptTimeout: { timeoutMs: 0 } } } }, 'RangeError', 'policies.api.attemptTimeout.timeoutMs must be a positive finite number, got 0'],
    ['a strategy', { policies: { api: { timeout: { timeoutMs: 5, strategy: 'eager' as never } } } }, 'RangeError', "policies.api.timeout.strategy must be one of 'cooperative', 'aggressive', got \"eager\""],
    ['a breaker extension', { policies: { api: { breaker: { halfOpenMaxCalls: 0 } } } }, 'RangeError', 'policies.api.breaker.halfOpenMaxCalls must be a positive integer, got 0'],
    ['an opossum breaker option', { policies: { api: { breaker: { errorThresholdPercentage: 150 } } } }, 'RangeError', 'policies.api.breaker.errorThresholdPercentage must be a number from 0 to 100, got 150'],
    ['an opossum timeout', { defaults: { breaker: { timeout: -5 } } }, 'RangeError', 'defaults.breaker.timeout must be a non-negative finite number, got -5'],
    ['an opossum flag', { policies: { api: { breaker: { enabled: 'yes' as never } } } }, 'TypeError', 'policies.api.breaker.enabled must be a boolean, got "yes"'],
    ['an opossum integer', { policies: { api: { breaker: { rollingCountBuckets: 2.5 } } } }, 'RangeError', 'policies.api.breaker.rollingCountBuckets must be a positive integer, got 2.5'],
    ['a group', { policies: { api: { breaker: { group: '' } } } }, 'RangeError', 'policies.api.breaker.group must be a non-empty string, got ""'],
    [
      'a rate limiter field of the other mode',
      { policies: { api: { rateLimiter: { mode: 'sliding-window', limit: 5, windowMs: 10, burst: 2 } as never } } },
      'TypeError',
      "policies.api.rateLimiter.burst does not apply to mode 'sliding-window'",
    ],
    ['a fallback with neither', { policies: { api: { fallback: {} as never } } }, 'TypeError', 'policies.api.fallback must have exactly one of value and fallback, got neither'],
    ['a misspelt option', { policies: { api: { retry: { maxAtempts: 2 } as never } } }, 'TypeError', 'policies.api.retry.maxAtempts is not a retry option (expected one of maxAttempts, backoff, shouldRetry, onRetry, maxDelayMs, maxElapsedMs, budget)'],
    ['a misspelt kind', { policies: { api: { retyr: {} } as never } }, 'TypeError', 'policies.api.retyr is not a policy kind (expected one of fallback, bulkhead, timeout, retry, breaker, rateLimiter, attemptTimeout)'],
    ['a misspelt default kind', { defaults: { breakr: {} } as never }, 'TypeError', 'defaults.breakr is not a policy kind (expected one of fallback, bulkhead, timeout, retry, breaker, rateLimiter, attemptTimeout)'],
    ['a per-instance breaker option', { policies: { api: { breaker: { cache: true } as never } } }, 'TypeError', expect.stringContaining('policies.api.breaker.cache is not a breaker option') as unknown as string],
    ['a misspelt top-level key', { polices: {} } as never, 'TypeError', 'createRegistry: options.polices is not a registry option (expected one of defaults, policies, budgets, clock, random)'],
    ['a non-object name', { policies: { api: 3 as never } }, 'TypeError', 'policies.api must be an object, got 3'],
    ['a non-object kind', { policies: { api: { retry: [] as never } } }, 'TypeError', 'policies.api.retry must be an object, got []'],
    ['a non-object policies', { policies: 'x' as never }, 'TypeError', 'policies must be an object, got "x"'],
  ];

  it.each(cases)('names the path of %s', (_what, options, kind, message) => {
    const error = thrown(() => createRegistry(options));
    expect(error.constructor.name).toBe(kind);
    expect(error.message).toEqual(message);
  });

  it('builds a backoff written as data, and names the path of a bad one', () => {
    const registry = createRegistry({
      defaults: { retry: { backoff: { kind: 'linear', initialDelayMs: 50 } } },
      policies: {
        a: { retry: { backoff: { kind: 'exponential', initialDelayMs: 200, jitter: 'decorrelated' } } },
        b: { retry: { backoff: { kind: 'constant', delayMs: 5 } } },
        c: { retry: {} },
      },
    });
    expect(registry.retry('a').describe()).toBe('retry(maxAttempts=3, exponential decorrelated jitter)');
    expect(registry.retry('b').describe()).toBe('retry(maxAttempts=3, constant 5ms)');
    expect(registry.retry('c').describe()).toBe('retry(maxAttempts=3, linear)');
    const bad: Array<[RegistryOptions, string]> = [
      [{ policies: { a: { retry: { backoff: { kind: 'exponential', initialDelayMs: -1 } } } } }, 'policies.a.retry.backoff.initialDelayMs must be a positive finite number, got -1'],
      [{ defaults: { retry: { backoff: { kind: 'constant', delayMs: -1 } } } }, 'defaults.retry.backoff.delayMs must be a non-negative finite number, got -1'],
      [
        { defaults: { retry: { backoff: { kind: 'linear', initialDelayMs: 1, jitter: 'decorrelated' as never } } }, policies: { a: { retry: { maxAttempts: 2 } } } },
        "defaults.retry.backoff.jitter must be one of 'none', 'full', 'equal', got \"decorrelated\"",
      ],
      [{ policies: { a: { retry: { backoff: { kind: 'fibonacci' } as never } } } }, "policies.a.retry.backoff must be a Backoff (with delay()) or { kind: 'constant' | 'linear' | 'exponential', … }, got {\"kind\":\"fibonacci\"}"],
      [{ policies: { a: { retry: { backoff: { kind: 'constant', delay: 5 } as never } } } }, 'policies.a.retry.backoff.delay is not a constant backoff option (expected one of kind, delayMs)'],
    ];
    for (const [options, message] of bad) expect(() => createRegistry(options)).toThrow(message);
    expect(() => createRegistry().retry('x', { backoff: { kind: 'constant', delayMs: -2 } })).toThrow(
      'registry.retry("x", options).backoff.delayMs must be a non-negative finite number, got -2',
    );
  });

  it('keeps the factory’s own error as the cause', () => {
    const error = thrown(() => createRegistry({ policies: { payments: { retry: { maxAttempts: -1 } } } }));
    expect((error.cause as Error).message).toBe('retry: options.maxAttempts must be a positive integer, got -1');
  });

  it('names the accessor call for bad options passed to it', () => {
    const registry = createRegistry();
    expect(() => registry.bulkhead('x', { maxConcurrent: -1 })).toThrow('registry.bulkhead("x", options).maxConcurrent must be a positive integer, got -1');
    expect(() => registry.retry('x', { tries: 1 } as never)).toThrow('registry.retry("x", options).tries is not a retry option');
    expect(registry.all()).toEqual([]);
  });

  it('rejects names that are not non-empty strings', () => {
    const registry = createRegistry();
    expect(() => registry.retry('')).toThrow('registry: a policy name must be a non-empty string, got ""');
    expect(() => registry.retry(7 as never)).toThrow('registry: a policy name must be a non-empty string, got 7');
  });

  it('lets a name replace the defaults’ fallback and rate limiter mode as a whole', async () => {
    const registry = createRegistry({
      defaults: { fallback: { value: 0 }, rateLimiter: { mode: 'token-bucket', limit: 1, intervalMs: 1000, burst: 1 } },
      policies: { api: { fallback: { fallback: () => 1 }, rateLimiter: { mode: 'sliding-window', limit: 2, windowMs: 100 } } },
    });
    expect(registry.fallback('api').describe()).toBe('fallback(function)');
    expect(registry.rateLimiter('api').describe()).toBe('rateLimiter(sliding-window, 2/100ms, maxWaitMs=0)');
    await expect(registry.fallback('api').execute(() => Promise.reject(new Error('x')))).resolves.toBe(1);
    expect(registry.fallback('other').describe()).toBe('fallback(value)');
  });
});

describe('createRegistry: events', () => {
  it('announces instances created after construction, not the configured ones', () => {
    const registry = createRegistry({ policies: { a: { retry: {} } } });
    const created: string[] = [];
    registry.onCreated((entry: RegistryEntry) => created.push(`${entry.kind}:${entry.name}`));
    registry.retry('a');
    registry.bulkhead('b', { maxConcurrent: 1 });
    registry.register('c', timeout({ timeoutMs: 5 }));
    expect(created).toEqual(['bulkhead:b', 'timeout:c']);
  });

  it('reports breaker state changes with the name', () => {
    const clock = new ManualClock();
    const registry = createRegistry({ clock, policies: { db: { breaker: { resetTimeout: 1000 } } } });
    const changes: RegistryStateChangeEvent[] = [];
    registry.onStateChange((change) => changes.push(change));
    const breaker = registry.breaker('db');
    breaker.open();
    clock.advance(1000);
    breaker.close();
    registry.dispose();
    expect(changes.map((c) => `${c.name}:${c.state}`)).toEqual(['db:open', 'db:halfOpen', 'db:closed', 'db:shutdown']);
    expect(changes.every((c) => c.kind === 'breaker' && c.policy === breaker)).toBe(true);
  });
});

describe('createRegistry: register, breakers and dispose', () => {
  it('registers instances built elsewhere under their kind', () => {
    const registry = createRegistry();
    const t = timeout({ timeoutMs: 10 });
    expect(registry.register('svc', t)).toEqual({ kind: 'timeout', name: 'svc', policy: t });
    const perAttempt = timeout({ timeoutMs: 2 });
    registry.register('svc', perAttempt, 'attemptTimeout');
    expect(registry.attemptTimeout('svc')).toBe(perAttempt);
    const r = retry();
    registry.register('svc', r);
    expect(registry.retry('svc')).toBe(r);
    expect(() => registry.register('svc', retry())).toThrow('registry.register: a retry named "svc" exists already');
    expect(() => registry.register('svc', bulkhead({ maxConcurrent: 1 }), 'retry')).toThrow('registry.register: bulkhead(1, queue 0) is not a retry');
    const custom: Policy = { execute: (fn) => Promise.resolve(fn({ signal: new AbortController().signal, attempt: 1 })), describe: () => 'custom' };
    expect(() => registry.register('svc', custom)).toThrow('registry.register: cannot tell the kind of custom; pass it as the third argument');
  });

  it('gives breakers no action: fire() and call() reject with a TypeError that says to use execute(), counting nothing', async () => {
    const registry = createRegistry({ policies: { db: { breaker: {} } } });
    const message = "registry breaker 'db' has no action: call it through execute(fn) or registry.pipeline('db')";
    const context = { signal: new AbortController().signal, attempt: 1 };
    await expect(registry.breaker('db').fire(context)).rejects.toThrow(new TypeError(message));
    await expect(registry.breaker('db').call(null, context)).rejects.toThrow(message);
    expect(registry.breaker('db').stats.fires).toBe(0);
    await expect(registry.breaker('db').execute(() => 5)).resolves.toBe(5);
    registry.dispose();
  });

  it('shuts its breakers down on dispose and refuses new instances afterwards', async () => {
    const registry = createRegistry({ policies: { db: { breaker: {}, bulkhead: { maxConcurrent: 1 } } } });
    const breaker = registry.breaker('db');
    const b = registry.bulkhead('db');
    registry.dispose();
    registry.dispose();
    expect(breaker.isShutdown).toBe(true);
    expect(registry.all()).toEqual([]);
    expect(() => registry.breaker('db')).toThrow('registry: it has been disposed');
    // Other instances handed out before keep working.
    await expect(b.execute(() => 1)).resolves.toBe(1);
  });

  it('removes an instance: forgotten, announced, recreated on the next request, not shut down', () => {
    const registry = createRegistry({ policies: { db: { breaker: {}, retry: {} } } });
    const removed: string[] = [];
    registry.onRemoved((entry) => removed.push(`${entry.kind}:${entry.name}`));
    const pipeline = registry.pipeline('db');
    const breaker = registry.breaker('db');
    const changes: string[] = [];
    registry.onStateChange(({ state }) => changes.push(state));
    expect(registry.remove('breaker', 'db')).toEqual({ kind: 'breaker', name: 'db', policy: breaker });
    expect(registry.remove('breaker', 'db')).toBeUndefined();
    expect(removed).toEqual(['breaker:db']);
    expect(registry.get('breaker', 'db')).toBeUndefined();
    expect(registry.all().map((e) => e.kind)).toEqual(['retry']);
    expect(breaker.isShutdown).toBe(false);
    breaker.open(); // no longer the registry's: not reported
    expect(changes).toEqual([]);
    const again = registry.breaker('db', { resetTimeout: 5 }); // other options are fine now
    expect(again).not.toBe(breaker);
    expect(registry.pipeline('db')).not.toBe(pipeline);
    expect(registry.pipeline('db').policies).toEqual([registry.retry('db'), again]);
    again.open();
    expect(changes).toEqual(['open']);
    breaker.shutdown();
    registry.dispose();
  });

  it('shares one bulkhead between call sites of one name', async () => {
    const registry = createRegistry({ policies: { db: { bulkhead: { maxConcurrent: 1 } } } });
    const hold = deferred<number>();
    const first = registry.pipeline('db').execute(() => hold.promise);
    const second = registry.bulkhead('db').execute(() => 2);
    await expect(second.catch((error: unknown) => isBulkheadRejectedError(error))).resolves.toBe(true);
    hold.resolve(1);
    await flushPromises();
    await expect(first).resolves.toBe(1);
  });
});
