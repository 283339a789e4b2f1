/**
 * Option checks for the middleware factories. They throw at start-up, when a middleware is
 * created, with core's message pattern: `rateLimit: options.maxKeys must be a positive integer,
 * got 0` (a `TypeError` for a wrong type, a `RangeError` for a wrong value).
 */
import type { PolicyRegistry } from '@bulwark/core';

/** Renders a received value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return value.constructor === Object ? 'an object' : `a ${value.constructor?.name ?? 'object'}`;
  return String(value);
}

/** `undefined`, or a plain object whose keys are all in `known`. */
export function checkOptions(where: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: options must be an object, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new TypeError(`${where}: options.${key} is not an option (the options are ${known.join(', ')})`);
  }
  return value as Record<string, unknown>;
}

/** A function, or `undefined`. */
export function checkOptionalFunction<F>(where: string, field: string, value: unknown): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${where}: options.${field} must be a function, got ${show(value)}`);
  return value as F | undefined;
}

/** A boolean, or `undefined`. */
export function checkOptionalBoolean(where: string, field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${where}: options.${field} must be a boolean, got ${show(value)}`);
  return value as boolean | undefined;
}

/** A non-empty string, or `undefined`. */
export function checkOptionalName(where: string, field: string, value: unknown): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
    throw new TypeError(`${where}: options.${field} must be a non-empty string, got ${show(value)}`);
  }
  return value as string | undefined;
}

/** A positive integer, `fallback` when `undefined`. */
export function checkPositiveInteger(where: string, field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${where}: options.${field} must be a positive integer, got ${show(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${where}: options.${field} must be a positive integer, got ${show(value)}`);
  return value;
}

/**
 * A Bulwark policy registry, or `undefined`. Duck-typed rather than `instanceof`: the registry
 * may come from another copy of `@bulwark/core`.
 */
export function checkOptionalRegistry(where: string, value: unknown): PolicyRegistry | undefined {
  const methods = ['all', 'get', 'register', 'breaker', 'bulkhead', 'rateLimiter', 'timeout'];
  const ok = typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
  if (value !== undefined && !ok) {
    throw new TypeError(`${where}: options.registry must be a PolicyRegistry (from createRegistry() or defaultRegistry()), got ${show(value)}`);
  }
  return value as PolicyRegistry | undefined;
}

/** True for an object with an `execute` method: a policy instance rather than options. */
export function isPolicy(value: unknown): value is { execute: unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { execute?: unknown }).execute === 'function';
}

/**
 * Re-throws an error from a registry accessor (`registry.bulkhead(name, options)`) or a core
 * factory in the words of the middleware: `registry.bulkhead("x", options).maxConcurrent must be
 * …` becomes `bulkhead: options.maxConcurrent must be …`; other messages get the `where:` prefix.
 */
export function rethrowAs(where: string, error: unknown): never {
  if (!(error instanceof Error)) throw error;
  // The registry's accessor path, or a core factory's prefix (`rateLimiter: options.limit …`).
  const path = /^(?:registry\.\w+\("(?:[^"\\]|\\.)*", options\)|\w+: options)\./;
  const message = path.test(error.message) ? error.message.replace(path, `${where}: options.`) : `${where}: ${error.message.replace(/^registry: /, '')}`;
  const Kind = error instanceof RangeError ? RangeError : TypeError;
  throw new Kind(message);
}

/** The fields of `o` named in `keys` that are set. */
export function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
