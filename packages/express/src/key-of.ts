import type { Request } from 'express';
import { show } from './validate.js';

/** A `keyFor(req)` function: the key of a request, such as a client address, tenant or upstream. */
export type KeyFor = (req: Request) => string;

/**
 * Calls `keyFor` and checks what it returned: a string is the key, a finite number is turned
 * into one. Anything else is a bug in `keyFor`, reported as a `TypeError` naming the middleware
 * (the middleware passes it to `next`, so it reaches the app's error handler and never crashes
 * the process). An error `keyFor` throws propagates as it is.
 */
export function keyOf(where: string, keyFor: KeyFor, req: Request): string {
  const key: unknown = keyFor(req);
  if (typeof key === 'string') return key;
  if (typeof key === 'number' && Number.isFinite(key)) return String(key);
  throw new TypeError(`${where}: options.keyFor(req) must return a string, got ${show(key)}`);
}
