import { defaultRegistry, isTimeoutError } from '@bulwark/core';
import type { TimeoutPolicy } from '@bulwark/core';
import type { Request, RequestHandler } from 'express';
import { createNamed, lookup, policySource, validateWith } from './policy-source.js';
import { MIDDLEWARE_KEYS, reject } from './rejection.js';
import type { MiddlewareOptions, Rejector } from './rejection.js';
import { onResponseStart } from './response-start.js';
import { watchResponse } from './response-watch.js';
import { silenceResponse } from './silence-response.js';
import { checkOptionalBoolean, checkOptionalFunction, checkOptionalName, checkOptionalRegistry, checkOptions, isPolicy, show } from './validate.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express's own way to type res.locals
  namespace Express {
    interface Locals {
      /**
       * Set by `timeout()` from `@bulwark/express`: aborts when the handler's time is up or the
       * client goes away. Pass it on (`fetch(url, { signal: res.locals.bulwarkSignal })`) so
       * abandoned work stops.
       */
      bulwarkSignal?: AbortSignal;
    }
  }
}

/** Options of {@link timeout} for a policy given as an instance or by name. */
export interface TimeoutUseOptions extends MiddlewareOptions {
  /** This service is a gateway: answer a timeout with 504 Gateway Timeout rather than 503 (default false). */
  readonly gateway?: boolean;
}

/** Options of {@link timeout} when it builds the policy. */
export interface TimeoutMiddlewareOptions extends TimeoutUseOptions {
  /** How long the handler has to start its response, in ms (a positive finite number; required). */
  readonly timeoutMs: number;
  /** The policy's name in the registry (default: derived from the route of the first request). */
  readonly name?: string;
}

const WHERE = 'timeout';

/**
 * A handler timeout: if the response has not started within `timeoutMs`, the request is answered
 * with 503 Service Unavailable (504 Gateway Timeout with `gateway: true`) and `{ error: { code:
 * 'ETIMEDOUT', … } }`; the signal in `res.locals.bulwarkSignal` aborts, so the handler can stop
 * its work; and whatever the slow handler writes afterwards is dropped without an error. A
 * response that has started (headers sent, for instance while streaming) is left alone. The
 * signal also aborts when the client disconnects.
 *
 * The deadline is a core `TimeoutPolicy` (one timer per request, cleared when the response
 * starts), so it runs on the registry's clock: tests pass `createRegistry({ clock })`. Built
 * from options, it joins the registry and shows on `/metrics`.
 *
 * @throws TypeError or RangeError at creation for a bad option (naming it), an unknown registry
 *   name, or a `name` the registry holds already with other options
 * @example
 * app.get('/report', timeout({ timeoutMs: 5_000 }), async (req, res) => {
 *   res.json(await buildReport({ signal: res.locals.bulwarkSignal }));
 * });
 */
export function timeout(policy: TimeoutPolicy | string, options?: TimeoutUseOptions): RequestHandler;
export function timeout(options: TimeoutMiddlewareOptions): RequestHandler;
export function timeout(arg: TimeoutPolicy | string | TimeoutMiddlewareOptions, more?: TimeoutUseOptions): RequestHandler {
  const { policyFor, rejector } = resolve(arg, more);
  return function bulwarkTimeout(req, res, next) {
    const watch = watchResponse(res);
    let policy: TimeoutPolicy;
    try {
      policy = policyFor(req);
    } catch (error) {
      next(error);
      return;
    }
    let entered = false;
    const run = ({ signal }: { signal: AbortSignal }): Promise<void> => {
      entered = true;
      res.locals.bulwarkSignal = signal;
      return new Promise<void>((done) => {
        // Settle as soon as the response starts (which clears the timer), ends, or the deadline
        // aborts the signal: a cooperative policy then rejects at once, as an aggressive one does.
        onResponseStart(res, done);
        watch.onEnd(() => done());
        signal.addEventListener('abort', () => done(), { once: true });
        next();
      });
    };
    policy.execute(run, { signal: watch.signal }).then(undefined, (error: unknown) => {
      if (entered && (!isTimeoutError(error) || res.headersSent || watch.ended)) return;
      reject(rejector, error, req, res, next, watch);
      if (res.headersSent) silenceResponse(res);
    });
  };
}

function resolve(arg: unknown, more: unknown): { policyFor: (req: Request) => TimeoutPolicy; rejector: Rejector } {
  if (typeof arg === 'string' || isPolicy(arg)) {
    const o = checkOptions(WHERE, more, ['gateway', ...MIDDLEWARE_KEYS]);
    const rejector = rejectorOf(o);
    if (isPolicy(arg)) return { policyFor: () => arg as unknown as TimeoutPolicy, rejector };
    const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
    const policy = createNamed(WHERE, registry, arg, (r, n) => lookup(r, 'timeout', n));
    return { policyFor: () => policy, rejector };
  }
  if (more !== undefined) throw new TypeError(`${WHERE}: pass the middleware's options in the first argument with timeoutMs, got a second argument ${show(more)}`);
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
    throw new TypeError(`${WHERE}: the argument must be a TimeoutPolicy, a registry name or options, got ${show(arg)}`);
  }
  const o = checkOptions(WHERE, arg, ['timeoutMs', 'gateway', 'name', ...MIDDLEWARE_KEYS]);
  const name = checkOptionalName(WHERE, 'name', o.name);
  const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
  const rejector = rejectorOf(o);
  const policyOptions = { timeoutMs: o.timeoutMs as number };
  validateWith(WHERE, (scratch) => scratch.timeout('options', policyOptions));
  return { policyFor: policySource({ where: WHERE, kind: 'timeout', registry, name, create: (r, n) => r.timeout(n, policyOptions) }), rejector };
}

function rejectorOf(o: Record<string, unknown>): Rejector {
  return {
    gateway: checkOptionalBoolean(WHERE, 'gateway', o.gateway) ?? false,
    onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected),
  };
}
