import { httpErrorFor } from '@bulwark/http';
import type { HttpErrorResponse } from '@bulwark/http';
import type { PolicyRegistry } from '@bulwark/core';
import type { NextFunction, Request, Response } from 'express';
import type { ResponseWatch } from './response-watch.js';
import { sendHttpError } from './send-http-error.js';

/** What `onRejected` receives when a middleware's policy refuses a request. One frozen object per rejection. */
export interface RejectedContext {
  /** The policy's error: `CircuitOpenError`, `BulkheadRejectedError`, `RateLimitedError`, `TimeoutError`, … */
  readonly error: unknown;
  /** What the middleware would send: `httpErrorFor(error)`'s status, headers and body. */
  readonly response: HttpErrorResponse;
  readonly req: Request;
  readonly res: Response;
  readonly next: NextFunction;
}

/** The options every middleware factory takes. */
export interface MiddlewareOptions {
  /**
   * Where a policy given by name is looked up, and where a policy built from options joins (so
   * that it shows on `/metrics`). Default: `defaultRegistry()` from `@bulwark/core`, read when
   * the middleware is created.
   */
  readonly registry?: PolicyRegistry;
  /**
   * Answers a refused request instead of the default response (`httpErrorFor`'s status,
   * `Retry-After` and JSON body). For example `({ error, next }) => next(error)` hands
   * rejections to the app's error handler, or to {@link errorHandler}.
   */
  readonly onRejected?: (context: RejectedContext) => void;
}

/** The names of {@link MiddlewareOptions}, for the known-keys check. */
export const MIDDLEWARE_KEYS = ['registry', 'onRejected'] as const;

/** Everything a middleware needs to answer a refusal. */
export interface Rejector {
  readonly gateway: boolean;
  readonly onRejected: ((context: RejectedContext) => void) | undefined;
}

/**
 * Answers a request that a policy refused before the handler ran (or, for `timeout()`, before
 * the response started): through `onRejected`, else with `httpErrorFor`'s response. An error
 * that is not a policy's rejection goes to `next(error)` untouched, and so does any error once
 * headers are sent. A client that went away gets nothing: nobody is waiting for the answer.
 */
export function reject(rejector: Rejector, error: unknown, req: Request, res: Response, next: NextFunction, watch: ResponseWatch): void {
  if (watch.aborted) return;
  const response = httpErrorFor(error, { gateway: rejector.gateway });
  if (response === undefined || res.headersSent) {
    next(error);
    return;
  }
  try {
    if (rejector.onRejected !== undefined) rejector.onRejected(Object.freeze({ error, response, req, res, next }));
    else sendHttpError(res, response);
  } catch (failure) {
    next(failure);
  }
}
