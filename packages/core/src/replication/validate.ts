// Shared checks for the replication module's fromJSON functions, which take untrusted input
// (a peer's message, a token a client sent back). Every failure is a TypeError naming where in
// the input it was found, so a caller can log it and drop the message.

/** Throws a TypeError `${where}: ${what}, got ${value}` (the value shown as JSON where possible). */
export function invalid(where: string, what: string, value: unknown): never {
  throw new TypeError(`${where}: ${what}, got ${show(value)}`);
}

function show(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value === undefined) return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A replica (or node) id: a non-empty string. */
export function checkReplicaId(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.length === 0) invalid(where, 'a replica id must be a non-empty string', value);
  return value;
}

/** A counter: a positive safe integer. */
export function checkCounter(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) invalid(where, 'a counter must be a positive safe integer', value);
  return value as number;
}

/** A count that may be zero: a non-negative safe integer. */
export function checkCount(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) invalid(where, 'must be a non-negative safe integer', value);
  return value as number;
}

/** An array (of unknown items). */
export function checkArray(value: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(value)) invalid(where, 'must be an array', value);
  return value;
}

/** A plain object (not null, not an array). */
export function checkObject(value: unknown, where: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(where, 'must be an object', value);
  return value as Record<string, unknown>;
}
