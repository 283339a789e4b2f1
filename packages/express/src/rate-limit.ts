import { defaultRegistry, rateLimiter } from '@bulwark/core';
import type { Policy, PolicyRegistry, RateLimiterOptions, RateLimiterPolicy } from '@bulwark/core';
import type { Request, RequestHandler } from 'express';
import { KeyedRateLimiter } from './keyed-rate-limiter.js';
import { keyOf } from './key-of.js';
import type { KeyFor } from './key-of.js';
import { createNamed, family, lookup, policySource, validateWith } from './policy-source.js';
import { MIDDLEWARE_KEYS, reject } from './rejection.js';
import type { MiddlewareOptions, Rejector } from './rejection.js';
import { watchResponse } from './response-watch.js';
import { checkOptionalFunction, checkOptionalName, checkOptionalRegistry, checkOptions, checkPositiveInteger, isPolicy, pick, show } from './validate.js';

/** Options of {@link rateLimit} for a limiter given as an instance or by name. */
export interface RateLimitUseOptions extends MiddlewareOptions {
  /** For a keyed limiter (one a `rateLimit` built from options): the client key (default `req.ip`). */
  readonly keyFor?: KeyFor;
}

/** The middleware's own options of {@link rateLimit} when it builds the limiters. */
export interface RateLimitOwnOptions extends MiddlewareOptions {
  /**
   * The key of a request's client (default `req.ip`, which honours Express's `trust proxy`
   * setting): one limiter, one quota, per key.
   */
  readonly keyFor?: KeyFor;
  /** The most client keys remembered, least recently seen forgotten first (default 10 000). */
  readonly maxKeys?: number;
  /**
   * The limiter's name in the registry (default: derived from the route of the first request).
   * Two middlewares given one name share the per-client quotas; with other options, the second throws.
   */
  readonly name?: string;
}

/**
 * Options of {@link rateLimit} when it builds the limiters: a core rate limiter's (`mode`,
 * `limit`, `intervalMs` and `burst`, or `windowMs`; `maxWaitMs`; `clock`, since per-client
 * limiters live outside the registry and so do not take its clock), and the middleware's.
 */
export type RateLimitMiddlewareOptions = RateLimiterOptions & RateLimitOwnOptions;

const WHERE = 'rateLimit';
const LIMITER_KEYS = ['mode', 'limit', 'intervalMs', 'burst', 'windowMs', 'maxWaitMs', 'clock'] as const;
const DEFAULT_MAX_KEYS = 10_000;

const clientAddress: KeyFor = (req) => req.ip ?? req.socket.remoteAddress ?? '';

/**
 * A per-client rate limit: one core rate limiter per key (`keyFor(req)`, default `req.ip`), the
 * most recent `maxKeys` of them. A request over its client's quota is answered at once with 429
 * Too Many Requests, `Retry-After` (whole seconds until a permit is free) and `{ error: { code:
 * 'ERATELIMITED', message, retryAfterMs } }`, without calling the handler; with `maxWaitMs`, a
 * request whose permit comes that soon waits instead (and leaves the queue if its client
 * disconnects).
 *
 * Built from options, the per-client limiters join the registry as one `rateLimiter` instance
 * (summed counters, one `name` label whatever the number of clients), so they show on
 * `/metrics`. Given a `RateLimiterPolicy` or the name of a plain one in the registry, every
 * request shares its one quota (a global limit).
 *
 * @throws TypeError or RangeError at creation for a bad option (naming it), an unknown registry
 *   name, or a `name` held already by a limiter with other options
 * @example
 * app.use('/api', rateLimit({ mode: 'token-bucket', limit: 100, intervalMs: 60_000, burst: 20 }));
 * app.post('/login', rateLimit({ mode: 'sliding-window', limit: 5, windowMs: 60_000, keyFor: (req) => String(req.body?.user) }));
 */
export function rateLimit(limiter: RateLimiterPolicy | string, options?: RateLimitUseOptions): RequestHandler;
export function rateLimit(options: RateLimitMiddlewareOptions): RequestHandler;
export function rateLimit(arg: RateLimiterPolicy | string | RateLimitMiddlewareOptions, more?: RateLimitUseOptions): RequestHandler {
  const { limiterFor, rejector } = resolve(arg, more);
  return function bulwarkRateLimit(req, res, next) {
    const watch = watchResponse(res);
    let limiter: Policy;
    try {
      limiter = limiterFor(req);
    } catch (error) {
      next(error);
      return;
    }
    let entered = false;
    const run = (): void => {
      entered = true;
      next();
    };
    limiter.execute(run, { signal: watch.signal }).then(undefined, (error: unknown) => {
      if (!entered) reject(rejector, error, req, res, next, watch);
    });
  };
}

interface Resolved {
  readonly limiterFor: (req: Request) => Policy;
  readonly rejector: Rejector;
}

/** With a keyed limiter, the request's key's limiter; with a plain one, the limiter itself. */
function perKey(limiter: RateLimiterPolicy, keyFor: KeyFor | undefined): (req: Request) => Policy {
  if (limiter instanceof KeyedRateLimiter) return (req) => limiter.forKey(keyOf(WHERE, keyFor ?? clientAddress, req));
  if (keyFor !== undefined) throw new TypeError(`${WHERE}: options.keyFor needs a keyed limiter: pass the limiter's options instead of a plain RateLimiterPolicy`);
  return () => limiter;
}

function resolve(arg: unknown, more: unknown): Resolved {
  if (typeof arg === 'string' || isPolicy(arg)) {
    const o = checkOptions(WHERE, more, ['keyFor', ...MIDDLEWARE_KEYS]);
    const keyFor = checkOptionalFunction<KeyFor>(WHERE, 'keyFor', o.keyFor);
    const rejector = { gateway: false, onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected) };
    if (isPolicy(arg)) return { limiterFor: perKey(arg as unknown as RateLimiterPolicy, keyFor), rejector };
    const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
    const limiter = createNamed(WHERE, registry, arg, (r, n) => lookup(r, 'rateLimiter', n));
    return { limiterFor: perKey(limiter, keyFor), rejector };
  }
  if (more !== undefined) throw new TypeError(`${WHERE}: pass the middleware's options in the first argument with the limiter's, got a second argument ${show(more)}`);
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
    throw new TypeError(`${WHERE}: the argument must be a RateLimiterPolicy, a registry name or options, got ${show(arg)}`);
  }
  const o = checkOptions(WHERE, arg, [...LIMITER_KEYS, 'keyFor', 'maxKeys', 'name', ...MIDDLEWARE_KEYS]);
  const name = checkOptionalName(WHERE, 'name', o.name);
  const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
  const keyFor = checkOptionalFunction<KeyFor>(WHERE, 'keyFor', o.keyFor) ?? clientAddress;
  const maxKeys = checkPositiveInteger(WHERE, 'maxKeys', o.maxKeys, DEFAULT_MAX_KEYS);
  const rejector = { gateway: false, onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected) };
  const limiterOptions = pick(o, LIMITER_KEYS) as unknown as RateLimiterOptions;
  validateWith(WHERE, () => rateLimiter(limiterOptions));
  const create = (r: PolicyRegistry, n: string): KeyedRateLimiter =>
    family(r, 'rateLimiter', n, { limiterOptions, maxKeys }, () => {
      const keyed = new KeyedRateLimiter(limiterOptions, maxKeys);
      r.register(n, keyed);
      return keyed;
    });
  const keyedFor = policySource({ where: WHERE, kind: 'rateLimiter', registry, name, create });
  return { limiterFor: (req) => keyedFor(req).forKey(keyOf(WHERE, keyFor, req)), rejector };
}
