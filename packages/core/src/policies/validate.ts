/**
 * Option checks shared by every policy. Each throws a `TypeError` (wrong type) or `RangeError`
 * (right type, wrong value) whose message names the policy, the option and the value received,
 * in one pattern: `retry: options.maxAttempts must be a positive integer, got -1`.
 */

/** Renders a received value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

function fail(kind: 'type' | 'range', where: string, name: string, expected: string, value: unknown): never {
  const message = `${where}: options.${name} must be ${expected}, got ${show(value)}`;
  throw kind === 'type' ? new TypeError(message) : new RangeError(message);
}

/** An integer ≥ 1 (or `Infinity` when `allowInfinity`). */
export function checkPositiveInteger(where: string, name: string, value: unknown, allowInfinity = false): number {
  if (typeof value !== 'number') return fail('type', where, name, 'a positive integer', value);
  if (allowInfinity && value === Infinity) return value;
  if (!Number.isInteger(value) || value < 1) return fail('range', where, name, 'a positive integer', value);
  return value;
}

/** An integer ≥ 0. */
export function checkNonNegativeInteger(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') return fail('type', where, name, 'a non-negative integer', value);
  if (!Number.isInteger(value) || value < 0) return fail('range', where, name, 'a non-negative integer', value);
  return value;
}

/** A finite number ≥ 0. */
export function checkNonNegative(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') return fail('type', where, name, 'a non-negative finite number', value);
  if (!(value >= 0) || value === Infinity) return fail('range', where, name, 'a non-negative finite number', value);
  return value;
}

/** A finite number > 0. */
export function checkPositive(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number') return fail('type', where, name, 'a positive finite number', value);
  if (!(value > 0) || value === Infinity) return fail('range', where, name, 'a positive finite number', value);
  return value;
}

/** A number in `[min, max]`. */
export function checkBetween(where: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') return fail('type', where, name, `a number from ${min} to ${max}`, value);
  if (!(value >= min && value <= max)) return fail('range', where, name, `a number from ${min} to ${max}`, value);
  return value;
}

/** One of the listed string literals. */
export function checkOneOf<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    return fail(typeof value === 'string' ? 'range' : 'type', where, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/** A function. */
export function checkFunction<F extends (...args: never[]) => unknown>(where: string, name: string, value: unknown): F {
  if (typeof value !== 'function') return fail('type', where, name, 'a function', value);
  return value as F;
}

/** A plain object (not null, not an array). */
export function checkObject(where: string, name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('type', where, name, 'an object', value);
  return value as Record<string, unknown>;
}

/** A boolean. */
export function checkBoolean(where: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') return fail('type', where, name, 'a boolean', value);
  return value;
}

/** A non-empty string. */
export function checkNonEmptyString(where: string, name: string, value: unknown): string {
  if (typeof value !== 'string') return fail('type', where, name, 'a non-empty string', value);
  if (value.length === 0) return fail('range', where, name, 'a non-empty string', value);
  return value;
}
