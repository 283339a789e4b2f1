import { defaultRegistry } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { register as globalRegister } from 'prom-client';
import type { Registry, RegistryContentType } from 'prom-client';

/**
 * The default bounds of `bulwark_circuit_breaker_call_duration_seconds`, in seconds: prom-client's
 * (and the Prometheus client libraries') defaults, 5 ms to 10 s.
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Options of {@link registerMetrics}. */
export interface RegisterMetricsOptions {
  /**
   * The prom-client registry to add the metrics to (default: prom-client's global `register`, the
   * one `@willsoto/nestjs-prometheus` and most `/metrics` handlers serve). Either content type
   * works, Prometheus text or OpenMetrics.
   */
  readonly register?: Registry<RegistryContentType>;
  /**
   * Put before every metric name (default `'bulwark_'`): letters, digits and underscores, not
   * starting with a digit, or `''`. Colons are left to recording rules, as Prometheus asks.
   */
  readonly prefix?: string;
  /**
   * Upper bounds of the breaker call-duration histogram, in seconds, strictly ascending
   * (default {@link DEFAULT_DURATION_BUCKETS}); prom-client adds `+Inf`.
   */
  readonly durationBuckets?: readonly number[];
}

/** Options with their defaults filled in. */
export interface ResolvedOptions {
  readonly registry: PolicyRegistry;
  readonly register: Registry<RegistryContentType>;
  readonly prefix: string;
  readonly durationBuckets: readonly number[];
}

/** The options every registration function takes, checked, with their defaults filled in. */
export interface CommonOptions {
  /** The prom-client registry to add the metrics to (default prom-client's global `register`). */
  readonly register: Registry<RegistryContentType>;
  /** Put before every metric name (default `'bulwark_'`). */
  readonly prefix: string;
  /** The options object as given (`{}` for none), for the caller to read its own keys from. */
  readonly given: Readonly<Record<string, unknown>>;
}

const WHERE = 'registerMetrics';
const KEYS = ['register', 'prefix', 'durationBuckets'];
const PREFIX = /^(?:[a-zA-Z_][a-zA-Z0-9_]*)?$/;

/** How a wrong value is shown in an error message: short, and never the whole object. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return value.constructor === Object ? 'an object' : `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}

const hasMethods = (value: unknown, methods: readonly string[]): boolean =>
  typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

/**
 * Checks the options object of a registration function (`registerMetrics`, `registerRaftMetrics`,
 * `registerTransactionMetrics`): an object or undefined, no key outside `keys`, and the
 * `register` and `prefix` every one of them takes. The function checks its other keys itself.
 *
 * @param where the function's name, which starts every message
 * @param keys every option the function takes, `register` and `prefix` among them
 * @throws TypeError naming the option that is wrong, and the value received
 */
export function resolveCommonOptions(where: string, options: unknown, keys: readonly string[]): CommonOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new TypeError(`${where}: options must be an object, got ${show(options)}`);
  }
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!keys.includes(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)} (the options are ${keys.join(', ')})`);
  }
  // Duck-typed rather than `instanceof`: the Registry may come from another copy of prom-client.
  if (o.register !== undefined && !hasMethods(o.register, ['registerMetric', 'getSingleMetric', 'removeSingleMetric'])) {
    throw new TypeError(`${where}: options.register must be a prom-client Registry, got ${show(o.register)}`);
  }
  if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !PREFIX.test(o.prefix))) {
    throw new TypeError(`${where}: options.prefix must be letters, digits and underscores, not starting with a digit (or ''), got ${show(o.prefix)}`);
  }
  return {
    register: (o.register as Registry<RegistryContentType> | undefined) ?? globalRegister,
    prefix: (o.prefix as string | undefined) ?? 'bulwark_',
    given: o,
  };
}

/**
 * Checks histogram bounds given as `options[option]`: a non-empty array of positive finite
 * seconds, strictly ascending.
 *
 * @throws TypeError naming the option and the value received
 */
export function checkBuckets(where: string, option: string, value: unknown): void {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((b, i) => typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > (value[i - 1] as number)));
  if (!ok) throw new TypeError(`${where}: options.${option} must be a non-empty array of positive finite seconds, strictly ascending, got ${show(value)}`);
}

/**
 * Validates the arguments of {@link registerMetrics} and fills in the defaults.
 *
 * @throws TypeError naming the argument or option that is wrong, and the value received
 */
export function resolveOptions(registry: PolicyRegistry | undefined, options: RegisterMetricsOptions | undefined): ResolvedOptions {
  // Duck-typed rather than `instanceof`: the registry may come from another copy of @bulwark/core.
  if (registry !== undefined && !hasMethods(registry, ['all', 'onCreated'])) {
    throw new TypeError(`${WHERE}: registry must be a PolicyRegistry (from createRegistry() or defaultRegistry()), got ${show(registry)}`);
  }
  const { register, prefix, given } = resolveCommonOptions(WHERE, options, KEYS);
  if (given.durationBuckets !== undefined) checkBuckets(WHERE, 'durationBuckets', given.durationBuckets);
  return {
    registry: registry ?? defaultRegistry(),
    register,
    prefix,
    durationBuckets: (given.durationBuckets as readonly number[] | undefined) ?? DEFAULT_DURATION_BUCKETS,
  };
}
