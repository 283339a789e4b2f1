import { defaultRegistry } from '@bulwark/core';
import type { BulkheadPermit, BulkheadPolicy, RegistryBulkheadOptions } from '@bulwark/core';
import type { Request, RequestHandler } from 'express';
import { createNamed, lookup, policySource, validateWith } from './policy-source.js';
import { MIDDLEWARE_KEYS, reject } from './rejection.js';
import type { MiddlewareOptions, Rejector } from './rejection.js';
import { watchResponse } from './response-watch.js';
import type { EndHandler } from './response-watch.js';
import { checkOptionalFunction, checkOptionalName, checkOptionalRegistry, checkOptions, isPolicy, pick, show } from './validate.js';

/** Options of {@link bulkhead} when it builds the bulkhead: the core bulkhead's, and the middleware's. */
export interface BulkheadMiddlewareOptions extends RegistryBulkheadOptions, MiddlewareOptions {
  /** How many requests may be inside at once (a positive integer; required). */
  readonly maxConcurrent: number;
  /** How many more may wait for a slot, first in first out (default 0: shed at once). */
  readonly maxQueued?: number;
  /** The longest a request may wait for a slot, in ms (default: no limit); then it is shed. */
  readonly queueTimeoutMs?: number;
  /**
   * The bulkhead's name in the registry (default: derived from the route of the first request,
   * see the README). Two middlewares given one name share one bulkhead; with other options, the
   * second throws.
   */
  readonly name?: string;
}

const WHERE = 'bulkhead';
const POLICY_KEYS = ['maxConcurrent', 'maxQueued', 'queueTimeoutMs'] as const;

/**
 * Load shedding: at most `maxConcurrent` requests are inside the rest of the chain at once; up
 * to `maxQueued` more wait (each at most `queueTimeoutMs`); the rest are answered at once with
 * 503 Service Unavailable, a `Retry-After` (whole seconds, from the bulkhead's estimate of when
 * a slot frees, once a request has completed) and the JSON body `{ error: { code:
 * 'EBULKHEADREJECTED', message, retryAfterMs } }`, without calling the handler.
 *
 * A request's slot is released when its response finishes or its connection closes, so a client
 * that goes away never leaks a slot; a queued request whose client disconnects leaves the queue.
 * The slot is held until the response ends, not until the handler returns.
 *
 * Takes a `BulkheadPolicy`, the name of one in the registry (created from the registry's
 * configuration if needed), or the bulkhead's options; a bulkhead built from options joins the
 * registry (`options.registry`, default `defaultRegistry()`), so it shows on `/metrics`.
 *
 * @throws TypeError or RangeError at creation for a bad option (naming it), an unknown registry
 *   name, or a `name` the registry holds already with other options
 * @example
 * app.post('/uploads', bulkhead({ maxConcurrent: 4, maxQueued: 16, queueTimeoutMs: 2_000 }), upload);
 * app.use('/api', bulkhead('api')); // configured in the registry: policies.api.bulkhead
 */
export function bulkhead(policy: BulkheadPolicy | string, options?: MiddlewareOptions): RequestHandler;
export function bulkhead(options: BulkheadMiddlewareOptions): RequestHandler;
export function bulkhead(arg: BulkheadPolicy | string | BulkheadMiddlewareOptions, more?: MiddlewareOptions): RequestHandler {
  const { policyFor, rejector } = resolve(arg, more);
  return function bulwarkBulkhead(req, res, next) {
    const watch = watchResponse(res);
    let policy: BulkheadPolicy;
    try {
      policy = policyFor(req);
    } catch (error) {
      next(error);
      return;
    }
    // A client gone already: what execute() does with an aborted signal (reject at once, count
    // nothing), and reject() then answers nobody.
    if (watch.aborted) return;
    // The common case, a free slot in a core bulkhead: take it outright and give it back when the
    // response ends, with no promise or closure per request.
    const permit = hasTryAcquire(policy) ? policy.tryAcquire() : undefined;
    if (permit !== undefined) {
      watch.settleOnEnd(RELEASE, permit);
      next();
      return;
    }
    let entered = false;
    const run = (): Promise<unknown> => {
      entered = true;
      const ended = watch.whenEnded();
      next();
      return ended;
    };
    // The signal only matters to a call that waits for a slot (a disconnect takes it out of the
    // queue); a running call keeps its slot until the response ends, whatever the signal does.
    // So a request that finds a free slot gets none, and costs no AbortController, nor a listener.
    const options = hasFreeSlot(policy) ? undefined : { signal: watch.signal };
    policy.execute(run, options).then(undefined, (error: unknown) => {
      if (!entered) reject(rejector, error, req, res, next, watch);
    });
  };
}

/** Gives a request's slot back when its response ends, either way. */
const RELEASE: EndHandler<BulkheadPermit> = {
  responseEnded(_outcome, permit) {
    permit.release();
  },
};

/**
 * Whether `policy` has core's `tryAcquire`: a bulkhead given as an instance may come from another
 * copy of the package, or be any policy with the gauges; those go through `execute`.
 */
function hasTryAcquire(policy: BulkheadPolicy): boolean {
  return typeof (policy as Partial<BulkheadPolicy>).tryAcquire === 'function';
}

/**
 * Whether a call would start at once. Read from the policy's gauges, so a policy given as an
 * instance that is not a core bulkhead (no gauges) always gets the signal.
 */
function hasFreeSlot(policy: BulkheadPolicy): boolean {
  return policy.activeCount < policy.maxConcurrent;
}

function resolve(arg: unknown, more: unknown): { policyFor: (req: Request) => BulkheadPolicy; rejector: Rejector } {
  if (typeof arg === 'string' || isPolicy(arg)) {
    const o = checkOptions(WHERE, more, MIDDLEWARE_KEYS);
    const rejector = { gateway: false, onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected) };
    if (isPolicy(arg)) return { policyFor: () => arg as unknown as BulkheadPolicy, rejector };
    const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
    const policy = createNamed(WHERE, registry, arg, (r, n) => lookup(r, 'bulkhead', n));
    return { policyFor: () => policy, rejector };
  }
  if (more !== undefined) throw new TypeError(`${WHERE}: pass the middleware's options in the first argument with the bulkhead's, got a second argument ${show(more)}`);
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
    throw new TypeError(`${WHERE}: the argument must be a BulkheadPolicy, a registry name or options, got ${show(arg)}`);
  }
  const o = checkOptions(WHERE, arg, [...POLICY_KEYS, 'name', ...MIDDLEWARE_KEYS]);
  const name = checkOptionalName(WHERE, 'name', o.name);
  const registry = checkOptionalRegistry(WHERE, o.registry) ?? defaultRegistry();
  const rejector = { gateway: false, onRejected: checkOptionalFunction<Rejector['onRejected']>(WHERE, 'onRejected', o.onRejected) };
  const policyOptions: RegistryBulkheadOptions = pick(o, POLICY_KEYS);
  validateWith(WHERE, (scratch) => scratch.bulkhead('options', policyOptions));
  const policyFor = policySource({ where: WHERE, kind: 'bulkhead', registry, name, create: (r, n) => r.bulkhead(n, policyOptions) });
  return { policyFor, rejector };
}
