/**
 * The configuration shapes of a policy registry, the option names each kind accepts, and the
 * checks that turn a bad configuration into an error naming its path
 * (`policies.payments.retry.maxAttempts must be a positive integer, got -1`).
 */
import type { ExecuteContext } from '../policy.js';
import type { CircuitBreakerOptions } from '../circuit-breaker/options.js';
import type { RetryOptions } from '../retry.js';
import type { RetryBudget, RetryBudgetOptions } from '../retry-budget.js';
import type { BulkheadOptions } from '../bulkhead.js';
import type { TimeoutOptions } from '../timeout.js';
import type { FallbackOptions } from '../fallback.js';
import type { SlidingWindowOptions, TokenBucketOptions } from '../rate-limiter.js';
import { constantBackoff, exponentialBackoff, linearBackoff } from '../backoff/backoff.js';
import type { Backoff, ExponentialBackoffOptions, LinearBackoffOptions } from '../backoff/backoff.js';
import { show } from '../validate.js';

/**
 * The kinds of policy a registry holds, in the order a pipeline composes them, outermost first
 * (see `wrap` for why): fallback → bulkhead → total timeout → retry → circuit breaker → rate
 * limiter → attempt timeout.
 */
export const POLICY_KINDS = ['fallback', 'bulkhead', 'timeout', 'retry', 'breaker', 'rateLimiter', 'attemptTimeout'] as const;

/** One of {@link POLICY_KINDS}. */
export type PolicyKind = (typeof POLICY_KINDS)[number];

/**
 * The breaker options a registry accepts: opossum's and Bulwark's, less those that belong to one
 * instance's wiring rather than to configuration (`name` is the registry name; `clock` and
 * `random` are the registry's; a registry breaker is used through `execute()`, so the
 * per-argument cache and coalescing do not apply).
 */
export type RegistryBreakerOptions = Pick<
  CircuitBreakerOptions<[ExecuteContext]>,
  (typeof BREAKER_KEYS)[number]
>;

/**
 * A backoff written as data, for configuration files: `{ kind: 'exponential', initialDelayMs:
 * 200, jitter: 'decorrelated' }` is `exponentialBackoff({ initialDelayMs: 200, jitter:
 * 'decorrelated' })`.
 */
export type BackoffConfig =
  | { readonly kind: 'constant'; readonly delayMs: number }
  | ({ readonly kind: 'linear' } & LinearBackoffOptions)
  | ({ readonly kind: 'exponential' } & ExponentialBackoffOptions);

/**
 * Retry options in a registry: `budget` is a `RetryBudget` or the name of one in `budgets`, and
 * `backoff` a `Backoff` or a {@link BackoffConfig}.
 */
export type RegistryRetryOptions = Omit<RetryOptions, 'clock' | 'random' | 'budget' | 'backoff'> & {
  readonly budget?: string | RetryBudget;
  readonly backoff?: Backoff | BackoffConfig;
};

/** Bulkhead options in a registry (`maxConcurrent` may come from the defaults). */
export type RegistryBulkheadOptions = Partial<Omit<BulkheadOptions, 'clock'>>;

/** Timeout options in a registry (`timeoutMs` may come from the defaults). */
export type RegistryTimeoutOptions = Partial<Omit<TimeoutOptions, 'clock'>>;

/** Rate limiter options in a registry, either mode (fields may come from the defaults). */
export type RegistryRateLimiterOptions =
  | Partial<Omit<TokenBucketOptions, 'clock'>>
  | Partial<Omit<SlidingWindowOptions, 'clock'>>;

/** Fallback options in a registry: as for `fallback()`. */
export type RegistryFallbackOptions = FallbackOptions<unknown>;

/**
 * The policies configured under one name. Each kind present is part of that name's pipeline;
 * `{}` takes the kind with the registry's defaults alone.
 */
export interface PolicyConfig {
  readonly fallback?: RegistryFallbackOptions;
  readonly bulkhead?: RegistryBulkheadOptions;
  /** The total timeout, around the retries. */
  readonly timeout?: RegistryTimeoutOptions;
  readonly retry?: RegistryRetryOptions;
  readonly breaker?: RegistryBreakerOptions;
  readonly rateLimiter?: RegistryRateLimiterOptions;
  /** The timeout of one attempt, inside the retries and the breaker. */
  readonly attemptTimeout?: RegistryTimeoutOptions;
}

/**
 * Defaults for every name, by kind; a name's own options override them field by field. The same
 * shape as {@link PolicyConfig}, but a default fallback may leave out its value.
 */
export type PolicyDefaults = Omit<PolicyConfig, 'fallback'> & { readonly fallback?: Partial<RegistryFallbackOptions> };

/** The option names each kind accepts. A compile-time check below keeps them complete. */
export const BREAKER_KEYS = [
  'timeout',
  'resetTimeout',
  'errorThresholdPercentage',
  'rollingCountTimeout',
  'rollingCountBuckets',
  'group',
  'rollingPercentilesEnabled',
  'capacity',
  'enabled',
  'allowWarmUp',
  'volumeThreshold',
  'errorFilter',
  'enableSnapshots',
  'halfOpenMaxCalls',
  'slidingWindow',
  'slowCallDurationMs',
  'slowCallThresholdPercentage',
  'openBackoff',
  'initialState',
] as const satisfies readonly (keyof CircuitBreakerOptions)[];

const KNOWN_KEYS = {
  fallback: ['value', 'fallback', 'shouldHandle'],
  bulkhead: ['maxConcurrent', 'maxQueued', 'queueTimeoutMs'],
  timeout: ['timeoutMs', 'strategy'],
  retry: ['maxAttempts', 'backoff', 'shouldRetry', 'onRetry', 'maxDelayMs', 'maxElapsedMs', 'budget'],
  breaker: BREAKER_KEYS,
  rateLimiter: ['mode', 'limit', 'intervalMs', 'burst', 'windowMs', 'maxWaitMs'],
  attemptTimeout: ['timeoutMs', 'strategy'],
} as const satisfies { readonly [K in PolicyKind]: readonly KeysOfUnion<Required<PolicyConfig>[K]>[] };

/** The keys of every member of a union (`keyof` alone gives only the shared ones). */
type KeysOfUnion<T> = T extends unknown ? keyof T : never;

// Fails to compile when a policy gains an option the registry does not list (add it above, or
// exclude it from the registry's type on purpose).
type Unlisted<K extends PolicyKind> = Exclude<KeysOfUnion<Required<PolicyConfig>[K]>, (typeof KNOWN_KEYS)[K][number]>;
type AllListed = { [K in PolicyKind]: Unlisted<K> }[PolicyKind];
const allListed: [AllListed] extends [never] ? true : never = true;
void allListed;

/** The top-level keys of `createRegistry`'s options. */
export const REGISTRY_KEYS = ['defaults', 'policies', 'budgets', 'clock', 'random'] as const;

/** Where a configuration value came from, for error messages. */
export interface ConfigSource {
  /** The path of this kind's options under the name, e.g. `policies.payments.retry`. */
  readonly path: string;
  /** The path of this kind's defaults, e.g. `defaults.retry`. */
  readonly defaultsPath: string;
  /** The fields the name's own options set (others came from the defaults, or are missing). */
  readonly own: ReadonlySet<string>;
  /** The fields the defaults set. */
  readonly fromDefaults: ReadonlySet<string>;
}

/** A plain object, or a `TypeError` naming `path`. */
export function checkPlainObject(path: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${path} must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Rejects keys outside `known`, so a misspelt option is an error, not a silently ignored line. */
export function checkKnownKeys(path: string, value: Record<string, unknown>, known: readonly string[], what: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${path}.${key} is not ${what} (expected one of ${known.join(', ')})`);
    }
  }
}

/** Checks one kind's options object at `path`: an object with known keys. */
export function checkKindOptions(path: string, kind: PolicyKind, value: unknown): Record<string, unknown> {
  const options = checkPlainObject(path, value);
  checkKnownKeys(path, options, KNOWN_KEYS[kind], `a ${kind} option`);
  return options;
}

/**
 * Merges a kind's defaults and a name's own options, field by field (own fields win). Two
 * fields that are alternatives replace each other as a group: a name's `value` or `fallback`
 * replaces the defaults' `value` and `fallback`, and a name's rate limiter `mode` replaces the
 * defaults' rate limiter whole (its other fields belong to one mode).
 */
export function mergeOptions(
  kind: PolicyKind,
  defaults: Record<string, unknown> | undefined,
  own: Record<string, unknown> | undefined,
): Record<string, unknown> {
  if (defaults === undefined) return { ...own };
  if (own === undefined) return { ...defaults };
  let base = defaults;
  if (kind === 'fallback' && ('value' in own || 'fallback' in own)) {
    base = Object.fromEntries(Object.entries(defaults).filter(([key]) => key !== 'value' && key !== 'fallback'));
  } else if (kind === 'rateLimiter' && own.mode !== undefined && own.mode !== defaults.mode) {
    base = {};
  }
  return { ...base, ...own };
}

/**
 * Re-throws an option error raised by a policy's factory at the configuration path it came from.
 * Every factory words its errors `<policy>: options.<field> must be …, got …` (validate.ts);
 * this swaps `<policy>: options` for the path (`policies.payments.retry`, or `defaults.retry`
 * when the field came from the defaults), keeps the class (`TypeError` or `RangeError`) and
 * keeps the original as `cause`. Any other error (one that names no option) is re-thrown as it is.
 */
export function rethrowAtPath(error: unknown, source: ConfigSource): never {
  if ((!(error instanceof TypeError) && !(error instanceof RangeError)) || !/\boptions\b/.test(error.message) || AT_PATH.has(error)) throw error;
  const field = /\boptions\.(\w+)/.exec(error.message)?.[1];
  const path = field !== undefined && !source.own.has(field) && source.fromDefaults.has(field) ? source.defaultsPath : source.path;
  // One pass, so a path that itself contains the word (`registry.retry("x", options)`) is left alone.
  const message = error.message.replace(/^\w+: /, '').replace(/\boptions\b/g, path);
  const Rethrown = error instanceof RangeError ? RangeError : TypeError;
  const rethrown = new Rethrown(message, { cause: error });
  AT_PATH.add(rethrown); // already names its path: an outer rethrowAtPath leaves it alone
  throw rethrown;
}

const AT_PATH = new WeakSet<Error>();

const BACKOFF_KEYS = {
  constant: ['kind', 'delayMs'],
  linear: ['kind', 'initialDelayMs', 'stepMs', 'maxDelayMs', 'jitter'],
  exponential: ['kind', 'initialDelayMs', 'multiplier', 'maxDelayMs', 'jitter'],
} as const satisfies { readonly [K in BackoffConfig['kind']]: readonly KeysOfUnion<Extract<BackoffConfig, { kind: K }>>[] };

/**
 * The `Backoff` a retry's `backoff` option stands for: a `Backoff` as it is, a
 * {@link BackoffConfig} built by its factory; errors name `path` (`policies.x.retry.backoff`).
 */
export function backoffFrom(path: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || typeof (value as Partial<Backoff>).delay === 'function') return value;
  const spec = value as Record<string, unknown>;
  const kind = spec.kind;
  if (kind !== 'constant' && kind !== 'linear' && kind !== 'exponential') {
    throw new TypeError(`${path} must be a Backoff (with delay()) or { kind: 'constant' | 'linear' | 'exponential', … }, got ${show(value)}`);
  }
  checkKnownKeys(path, spec, BACKOFF_KEYS[kind], `a ${kind} backoff option`);
  const source: ConfigSource = { path, defaultsPath: path, own: new Set(Object.keys(spec)), fromDefaults: new Set() };
  try {
    if (kind === 'constant') return constantBackoff(spec.delayMs as number);
    const options = Object.fromEntries(Object.entries(spec).filter(([key]) => key !== 'kind'));
    return kind === 'linear' ? linearBackoff(options as unknown as LinearBackoffOptions) : exponentialBackoff(options);
  } catch (error) {
    rethrowAtPath(error, source);
  }
}

/** Retry budget options a registry accepts under `budgets.<name>` (the clock is the registry's). */
export type RegistryRetryBudgetOptions = Omit<RetryBudgetOptions, 'clock'>;

/** The option names of a retry budget. */
export const BUDGET_KEYS = ['ratio', 'minRetriesPerSecond', 'windowMs'] as const satisfies readonly (keyof RegistryRetryBudgetOptions)[];
