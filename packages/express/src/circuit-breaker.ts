import { defaultRegistry } from '@bulwark/core';
import type { BreakerPermit, CircuitBreaker, Policy, PolicyRegistry, RegistryBreakerOptions } from '@bulwark/core';
import type { Request, RequestHandler, Response } from 'express';
import { KeyedBreakers } from './keyed-breakers.js';
import { keyOf } from './key-of.js';
import type { KeyFor } from './key-of.js';
import { createNamed, family, lookup, policySource, validateWith } from './policy-source.js';
import { MIDDLEWARE_KEYS, reject } from './rejection.js';
import type { MiddlewareOptions, Rejector } from './rejection.js';
import { watchResponse } from './response-watch.js';
import type { EndHandler } from './response-watch.js';
import { checkOptionalFunction, checkOptionalName, checkOptionalRegistry, checkOptions, checkPositiveInteger, isPolicy, show } from './validate.js';

/** Options of {@link circuitBreaker} for a breaker given as an instance or by name. */
export interface CircuitBreakerUseOptions extends MiddlewareOptions {
  /**
   * Whether a finished response counts as a failure of the breaker (default: `res.statusCode >=
   * 500`). A handler's `next(err)` counts through the status it produces: Express's default
   * handler and {@link errorHandler} answer 500 for an error without a status. Responses whose
   * connection closed first (client aborts) count as neither success nor failure.
   */
  readonly isFailure?: (res: Response) => boolean;
}

/** Options of {@link circuitBreaker} when it builds the breakers: the registry breaker's, and the middleware's. */
export interface CircuitBreakerMiddlewareOptions extends RegistryBreakerOptions, CircuitBreakerUseOptions {
  /**
   * The breaker's name in the registry (default: derived from the route of the first request,
   * see the README); with `keyFor`, the breaker of key `k` is named `<name>[k]`.
   */
  readonly name?: string;
  /** One breaker per key (default: one breaker for the middleware), e.g. `(req) => req.params.upstream`. */
  readonly keyFor?: KeyFor;
  /**
   * With `keyFor`: the most keys with a breaker of their own (default 100), kept as an LRU. A new
   * key past it evicts the least recently used key whose breaker is closed or half-open, enabled,
   * with no request in flight: that breaker leaves the registry and is shut down, and the key
   * gets a new one if it comes back. Open breakers are kept (their keys are failing). When none
   * can be evicted, new keys share `<name>[(overflow)]`, with one process warning
   * (`BULWARK_BREAKER_KEYS`).
   */
  readonly maxKeys?: number;
}

const WHERE = 'circuitBreaker';
const OWN_KEYS = ['name', 'keyFor', 'maxKeys', 'isFailure', ...MIDDLEWARE_KEYS] as const;
const DEFAULT_MAX_KEYS = 100;

const serverError = (res: Response): boolean => res.statusCode >= 500;

/** The rejection a failed response settles the breaker's call with (what `failure` listeners see). */
class FailedResponseError extends Error {
  override readonly name = 'FailedResponseError';
  constructor(readonly status: number) {
    super(`The response failed with status ${status}`);
  }
}

/**
 * A circuit breaker around the rest of the chain: each request is one call of a core
 * `CircuitBreaker` (a permit from `acquirePermit()`, or `execute` for other policies), which succeeds or fails when its response finishes,
 * judged by `isFailure(res)` (default: status ≥ 500). Once the breaker opens, requests are
 * answered at once with 503, `Retry-After` (until the breaker lets a trial through) and `{
 * error: { code: 'EOPENBREAKER', … } }`, without calling the handler; in half-open, trial
 * requests pass. A client that disconnects first counts as neither success nor failure.
 *
 * Takes a breaker (or any policy) instance, the name of a breaker in the registry, or breaker
 * options (those of the registry's breakers: `resetTimeout`, `slidingWindow`,
 * `volumeThreshold`, …; `timeout` defaults to `false` here, put {@link timeout} in front to
 * bound a handler). A breaker built from options joins the registry, so it shows on `/metrics`.
 * With `keyFor`, each key has its own breaker, for the `maxKeys` most recently used keys (see
 * {@link CircuitBreakerMiddlewareOptions.maxKeys} for which are evicted).
 *
 * @throws TypeError or RangeError at creation for a bad option (naming it), an unknown registry
 *   name, `keyFor` without options to build breakers from, or a `name` the registry holds
 *   already with other options
 * @example
 * app.get('/quotes/:symbol', circuitBreaker({ resetTimeout: 10_000, slidingWindow: { kind: 'count', size: 20 } }), quotes);
 * app.use('/partners/:partner', circuitBreaker({ name: 'partners', keyFor: (req) => String(req.params.partner) }));
 */
export function circuitBreaker(breaker: Policy | string, options?: CircuitBreakerUseOptions): RequestHandler;
export function circuitBreaker(options?: CircuitBreakerMiddlewareOptions): RequestHandler;
export function circuitBreaker(arg?: Policy | string | CircuitBreakerMiddlewareOptions, more?: CircuitBreakerUseOptions): RequestHandler {
  const { breakerFor, isFailure, rejector } = resolve(arg, more);
  const judge = judgeWith(isFailure);
  return function bulwarkCircuitBreaker(req, res, next) {
    const watch = watchResponse(res);
    let breaker: Policy;
    try {
      breaker = breakerFor(req);
    } catch (error) {
      next(error);
      return;
    }
    // A client gone already: what execute() does with an aborted signal (reject at once, count
    // nothing), and reject() then answers nobody.
    if (watch.aborted) return;
    // The common case, a core breaker without a per-call timeout: a permit, settled by the
    // response's end, with no promise, closure or signal per request.
    if (takesPermits(breaker)) {
      let permit: BreakerPermit;
      try {
        permit = breaker.acquirePermit();
      } catch (error) {
        reject(rejector, error, req, res, next, watch);
        return;
      }
      watch.settleOnEnd(judge, permit);
      next();
      return;
    }
    let entered = false;
    const run = (): Promise<void> => {
      entered = true;
      return new Promise<void>((resolveCall, failCall) => {
        watch.onEnd((outcome) => {
          // An abort settled the call already, as neither success nor failure (abortOnClose, or the signal).
          if (outcome === 'aborted') return;
          try {
            if (isFailure(res)) failCall(new FailedResponseError(res.statusCode));
            else resolveCall();
          } catch (error) {
            failCall(error);
          }
        });
        next();
      });
    };
    let outcome: Promise<void>;
    if (isAbortable(breaker)) {
      // A core breaker hears of a client abort from the watch: no AbortController, nor an abort
      // listener, per request (in Node 24 they more than doubled the cost of the breaker's call).
      const call = breaker.executeAbortable(run);
      if (entered) watch.abortOnClose(call);
      outcome = call.promise;
    } else {
      outcome = breaker.execute(run, { signal: watch.signal });
    }
    outcome.then(undefined, (error: unknown) => {
      if (!entered) reject(rejector, error, req, res, next, watch);
    });
  };
}

/**
 * Settles a request's permit when its response ends: a finished response by `isFailure(res)` (a
 * throwing `isFailure` fails the call with its error), a closed connection as neither.
 */
function judgeWith(isFailure: (res: Response) => boolean): EndHandler<BreakerPermit> {
  return {
    responseEnded(outcome, permit, res) {
      if (outcome === 'aborted') {
        permit.release();
        return;
      }
      let failed: boolean;
      try {
        failed = isFailure(res as Response);
      } catch (error) {
        permit.fail(error);
        return;
      }
      if (failed) permit.fail(new FailedResponseError(res.statusCode));
      else permit.succeed();
    },
  };
}

/**
 * Whether `policy` is a core `CircuitBreaker` (has `acquirePermit`) with no per-call timeout. A
 * breaker with a timeout goes through `executeAbortable`, whose deadline counts a slow response
 * as a timeout when it passes; a permit has no deadline.
 */
function takesPermits(policy: Policy): policy is Policy & Pick<CircuitBreaker, 'acquirePermit'> {
  const breaker = policy as Partial<CircuitBreaker>;
  if (typeof breaker.acquirePermit !== 'function') return false;
  const timeout = breaker.options?.timeout;
  return !(typeof timeout === 'number' && timeout > 0);
}

/** Whether `policy` is a core `CircuitBreaker` (or has its `executeAbortable`); another policy gets the signal. */
function isAbortable(policy: Policy): policy is Policy & Pick<CircuitBreaker, 'executeAbortable'> {
  return typeof (policy as Partial<CircuitBreaker>).executeAbortable === 'function';
}

interface Resolved {
  readonly breakerFor: (req: Request) => Policy;
  readonly isFailure: (res: Response) => boolean;
  readonly rejector: Rejector;
}

function resolve(arg: unknown, more: unknown): Resolved {
  if (typeof arg === 'string' || isPolicy(arg)) {
    if (typeof more === 'object' && more !== null && ('keyFor' in more || 'maxKeys' in more)) {
      throw new TypeError(`${WHERE}: options.keyFor needs breaker options to build one breaker per key; pass them instead of a breaker or a name`);
    }
    const o = checkOptions(WHERE, more, ['isFailure', ...MIDDLEWARE_KEYS]);
    const common = commonOptions(o);
    if (isPolicy(arg)) return { ...common, breakerFor: () => arg as unknown as Policy };
    const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
    const breaker = createNamed(WHERE, registry, arg, (r, n) => lookup(r, 'breaker', n));
    return { ...common, breakerFor: () => breaker };
  }
  if (more !== undefined) throw new TypeError(`${WHERE}: pass the middleware's options in the first argument with the breaker's, got a second argument ${show(more)}`);
  if (arg !== undefined && (typeof arg !== 'object' || arg === null || Array.isArray(arg))) {
    throw new TypeError(`${WHERE}: the argument must be a CircuitBreaker, a registry name or options, got ${show(arg)}`);
  }
  const o = (arg ?? {}) as Record<string, unknown>;
  const own = checkOptions(WHERE, Object.fromEntries(Object.entries(o).filter(([k]) => (OWN_KEYS as readonly string[]).includes(k))), OWN_KEYS);
  const common = commonOptions(own);
  const name = checkOptionalName(WHERE, 'name', own.name);
  const registry = checkOptionalRegistry(WHERE, own.registry) ?? defaultRegistry();
  const keyFor = checkOptionalFunction<KeyFor>(WHERE, 'keyFor', own.keyFor);
  if (keyFor === undefined && own.maxKeys !== undefined) throw new TypeError(`${WHERE}: options.maxKeys applies only with options.keyFor`);
  const maxKeys = checkPositiveInteger(WHERE, 'maxKeys', own.maxKeys, DEFAULT_MAX_KEYS);
  // A middleware's breaker has no deadline of its own: the response decides, and timeout() bounds the handler.
  const breakerOptions = { timeout: false, ...Object.fromEntries(Object.entries(o).filter(([k]) => !(OWN_KEYS as readonly string[]).includes(k))) } as RegistryBreakerOptions;
  validateWith(WHERE, (scratch) => scratch.breaker('options', breakerOptions));
  if (keyFor === undefined) {
    return { ...common, breakerFor: policySource({ where: WHERE, kind: 'breaker', registry, name, create: (r, n) => r.breaker(n, breakerOptions) }) };
  }
  const create = (r: PolicyRegistry, n: string): KeyedBreakers =>
    family(r, 'breaker', n, { breakerOptions, maxKeys }, () => new KeyedBreakers(r, n, breakerOptions, maxKeys));
  const familyFor = policySource({ where: WHERE, kind: 'breaker', registry, name, create });
  return { ...common, breakerFor: (req) => familyFor(req).forKey(keyOf(WHERE, keyFor, req)) };
}

function commonOptions(o: Record<string, unknown>): Omit<Resolved, 'breakerFor'> {
  return {
    isFailure: checkOptionalFunction<(res: Response) => boolean>(WHERE, 'isFailure', o.isFailure) ?? serverError,
    rejector: { gateway: false, onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected) },
  };
}
