/** The brand every Bulwark error carries; `Symbol.for` so that it survives two copies of the package. */
const BRAND = Symbol.for('@bulwark/core/error');

/**
 * The base of every error Bulwark raises: a real `Error` with a `name`, a string `code` and a
 * brand that the `isXError()` guards check (they work across two copies of the package, unlike
 * `instanceof`).
 */
export abstract class BulwarkError extends Error {
  /** A stable, string-literal code (for example `'EOPENBREAKER'`). */
  abstract readonly code: string;

}
Object.defineProperty(BulwarkError.prototype, BRAND, { value: true });

/**
 * Gives an error class its `name` on the prototype (so stack traces and `String(err)` say what
 * failed) without a per-instance write, and optionally a brand.
 */
export function nameErrorClass(cls: { prototype: Error; name: string }, brand?: symbol): void {
  Object.defineProperty(cls.prototype, 'name', { value: cls.name, configurable: true, writable: true });
  if (brand !== undefined) Object.defineProperty(cls.prototype, brand, { value: true });
}

/** True when `value` is an error raised by any copy of Bulwark. */
export function isBulwarkError(value: unknown): value is BulwarkError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** Builds an `isXError()` guard that checks the brand and the `code`. */
export function errorGuard<E extends BulwarkError>(code: E['code']): (value: unknown) => value is E {
  return (value: unknown): value is E => isBulwarkError(value) && value.code === code;
}

/**
 * Runs `create` with stack capture switched off. Used where an error is raised so often that
 * the stack would cost more than everything else (a breaker failing fast while open: capturing a
 * stack is ~95% of a rejection's cost) and says little (it points into Bulwark itself).
 */
export function withoutStack<E extends Error>(create: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return create();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
