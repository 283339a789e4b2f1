import { createRegistry, defaultRegistry, retry, systemClock, systemRandom, timeout } from '@bulwark/core';
import { fetchRetry } from './fetch-retry.js';
import type {
  BulkheadOptions,
  Clock,
  Policy,
  PolicyRegistry,
  Random,
  RegistryBreakerOptions,
  RetryOptions,
  TimeoutPolicy,
} from '@bulwark/core';

/** Breaker options for each origin: the registry's breaker options (opossum's and Bulwark's). */
export type FetchBreakerOptions = RegistryBreakerOptions;

/** Bulkhead options for each origin (the registry's clock drives its queue timeout). */
export type FetchBulkheadOptions = Omit<BulkheadOptions, 'clock'>;

/** Options of {@link createFetch}. Every field is optional; durations are in ms. */
export interface CreateFetchOptions {
  /** The fetch to wrap (default: `globalThis.fetch`, read once, when `createFetch` is called). */
  readonly fetch?: typeof fetch;
  /**
   * Retries of idempotent requests: retry options (default `{}`: 3 attempts in all, exponential
   * backoff from 100 ms with full jitter), a retry policy to share (`retry(…)` of `@bulwark/core`;
   * typed as any `Policy`, so that inline `onRetry` and `shouldRetry` callbacks get their
   * parameter types), or `false` for none. Given options, `shouldRetry` is asked only about
   * failures the fetch rules retry, and can only say no.
   */
  readonly retry?: RetryOptions | Policy | false;
  /**
   * A circuit breaker per origin, or `false` for none. Default `{}`, which means
   * `{ timeout: false, volumeThreshold: 10 }` over opossum's other defaults (opens when more than
   * 50% of at least 10 calls in 10 s failed, for 30 s). Your options are merged over those.
   */
  readonly breaker?: FetchBreakerOptions | false;
  /** A bulkhead per origin (`{ maxConcurrent, maxQueued?, queueTimeoutMs? }`); default none. */
  readonly bulkhead?: FetchBulkheadOptions | false;
  /** The limit for one attempt, until its response headers arrive (default none). */
  readonly attemptTimeoutMs?: number;
  /** The limit for the whole call, bulkhead queue and retries included, until headers (default none). */
  readonly timeoutMs?: number;
  /** The longest wait a `Retry-After` header can ask for; longer ones are cut to this (default 30 000). */
  readonly maxRetryAfterMs?: number;
  /**
   * How many origins may have a breaker or bulkhead at once (default 100; `Infinity` for no
   * bound), the most recently used ones. A new origin past it evicts the least recently used
   * origin with no call in progress, an empty bulkhead and a closed or half-open breaker (open
   * breakers are kept); its instances leave the registry and its breaker is shut down. When none
   * can be evicted, the request rejects with an `OriginLimitError`.
   */
  readonly maxOrigins?: number;
  /**
   * Where per-origin breakers and bulkheads live (default `defaultRegistry()`); they use its
   * clock. One the registry has already (configured in its `policies`) is used as it is.
   */
  readonly registry?: PolicyRegistry;
  /** The prefix of registry names: `<name>:<origin>` (default `'fetch'`). */
  readonly name?: string;
  /** Time and timers for retries, timeouts and `Retry-After` dates (default the system clock). */
  readonly clock?: Clock;
  /** Jitter for the retry backoff (default `Math.random`). */
  readonly random?: Random;
}

/** What {@link resolveOptions} makes of the options: validated, with defaults filled in. */
export interface ResolvedOptions {
  readonly fetch: typeof fetch;
  /** The retry policy, and whether it was given (its `shouldRetry` is then not ours). */
  readonly retry: { readonly policy: Policy; readonly foreign: boolean } | undefined;
  readonly breaker: FetchBreakerOptions | undefined;
  readonly bulkhead: FetchBulkheadOptions | undefined;
  readonly attemptTimeout: TimeoutPolicy | undefined;
  readonly totalTimeout: TimeoutPolicy | undefined;
  readonly maxRetryAfterMs: number;
  readonly maxOrigins: number;
  readonly registry: PolicyRegistry;
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
}

const KEYS = ['fetch', 'retry', 'breaker', 'bulkhead', 'attemptTimeoutMs', 'timeoutMs', 'maxRetryAfterMs', 'maxOrigins', 'registry', 'name', 'clock', 'random'];

/** Opossum's defaults that do not suit fetch: `attemptTimeoutMs` is the timeout, and one failure must not open it. */
export const FETCH_BREAKER_DEFAULTS: FetchBreakerOptions = { timeout: false, volumeThreshold: 10 };

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

function fail(kind: 'type' | 'range', name: string, expected: string, value: unknown): never {
  const message = `createFetch: options.${name} must be ${expected}, got ${show(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positive(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') return fail('type', name, 'a positive finite number', value);
  if (!(value > 0) || value === Infinity) return fail('range', name, 'a positive finite number', value);
  return value;
}

/** Re-raises a core validation error under the createFetch option it came from. */
function renamed(error: unknown, from: RegExp, to: string): never {
  if (error instanceof Error && from.test(error.message)) {
    const message = error.message.replace(from, to);
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
  throw error;
}

/**
 * Validates every option and fills in the defaults. Breaker and bulkhead options are checked
 * by building a throwaway instance in a private registry, so a typo fails here, not at the
 * first request.
 *
 * @throws TypeError or RangeError naming the option: `createFetch: options.timeoutMs must be a positive finite number, got -1`
 */
export function resolveOptions(options: CreateFetchOptions): ResolvedOptions {
  if (!isObject(options)) fail('type', 'options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw new TypeError(`createFetch: options.${key} is not an option (expected one of ${KEYS.join(', ')})`);
  }
  const fetchFn = o.fetch === undefined ? globalThis.fetch : o.fetch;
  if (typeof fetchFn !== 'function') fail('type', 'fetch', 'a function', fetchFn);
  const clockValue = o.clock === undefined ? systemClock : o.clock;
  if (!isObject(clockValue) || typeof clockValue.now !== 'function' || typeof clockValue.setTimeout !== 'function' || typeof clockValue.clearTimeout !== 'function') {
    fail('type', 'clock', 'a Clock (now, setTimeout, clearTimeout)', clockValue);
  }
  const clock = clockValue as unknown as Clock;
  const random = o.random === undefined ? systemRandom : o.random;
  if (typeof random !== 'function') fail('type', 'random', 'a function', random);
  const registry = o.registry === undefined ? defaultRegistry() : o.registry;
  if (!isObject(registry) || typeof registry.breaker !== 'function' || typeof registry.bulkhead !== 'function' || typeof registry.get !== 'function') {
    fail('type', 'registry', 'a PolicyRegistry', registry);
  }
  const name = o.name === undefined ? 'fetch' : o.name;
  if (typeof name !== 'string' || name === '') fail(typeof name === 'string' ? 'range' : 'type', 'name', 'a non-empty string', name);
  const maxOrigins = o.maxOrigins === undefined ? 100 : o.maxOrigins;
  if (typeof maxOrigins !== 'number') fail('type', 'maxOrigins', 'a positive integer or Infinity', maxOrigins);
  if (maxOrigins !== Infinity && !(Number.isInteger(maxOrigins) && maxOrigins >= 1)) fail('range', 'maxOrigins', 'a positive integer or Infinity', maxOrigins);
  const maxRetryAfterMs = o.maxRetryAfterMs === undefined ? 30_000 : o.maxRetryAfterMs;
  if (typeof maxRetryAfterMs !== 'number') fail('type', 'maxRetryAfterMs', 'a non-negative finite number', maxRetryAfterMs);
  if (!(maxRetryAfterMs >= 0) || maxRetryAfterMs === Infinity) fail('range', 'maxRetryAfterMs', 'a non-negative finite number', maxRetryAfterMs);
  const attemptTimeoutMs = positive('attemptTimeoutMs', o.attemptTimeoutMs);
  const timeoutMs = positive('timeoutMs', o.timeoutMs);

  let breaker: FetchBreakerOptions | undefined;
  if (o.breaker !== false) {
    if (o.breaker !== undefined && !isObject(o.breaker)) fail('type', 'breaker', 'an object or false', o.breaker);
    breaker = { ...FETCH_BREAKER_DEFAULTS, ...(o.breaker as FetchBreakerOptions | undefined) };
  }
  let bulkheadOptions: FetchBulkheadOptions | undefined;
  if (o.bulkhead !== undefined && o.bulkhead !== false) {
    if (!isObject(o.bulkhead)) fail('type', 'bulkhead', 'an object or false', o.bulkhead);
    bulkheadOptions = o.bulkhead as unknown as FetchBulkheadOptions;
  }
  if (breaker !== undefined || bulkheadOptions !== undefined) {
    try {
      const probe = createRegistry({ policies: { probe: { ...(breaker && { breaker }), ...(bulkheadOptions && { bulkhead: bulkheadOptions }) } } });
      probe.dispose();
    } catch (error) {
      renamed(error, /^policies\.probe\.(breaker|bulkhead)/, 'createFetch: options.$1');
    }
  }

  let retryPolicy: ResolvedOptions['retry'];
  if (o.retry !== false) {
    const given = o.retry === undefined ? {} : o.retry;
    if (!isObject(given)) fail('type', 'retry', 'retry options, a RetryPolicy or false', given);
    if (typeof given.execute === 'function') {
      retryPolicy = { policy: given as unknown as Policy, foreign: true };
    } else {
      try {
        retry(given as RetryOptions); // validates the caller's options as they are
      } catch (error) {
        renamed(error, /^retry: options\./, 'createFetch: options.retry.');
      }
      retryPolicy = { policy: fetchRetry(given as RetryOptions, clock, random as Random), foreign: false };
    }
  }

  return {
    fetch: fetchFn as typeof fetch,
    retry: retryPolicy,
    breaker,
    bulkhead: bulkheadOptions,
    attemptTimeout: attemptTimeoutMs === undefined ? undefined : timeout({ timeoutMs: attemptTimeoutMs, clock }),
    totalTimeout: timeoutMs === undefined ? undefined : timeout({ timeoutMs, clock }),
    maxRetryAfterMs,
    maxOrigins,
    registry: registry as unknown as PolicyRegistry,
    name,
    clock,
    random: random as Random,
  };
}
