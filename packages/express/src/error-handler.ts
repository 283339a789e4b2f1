import { httpErrorFor } from '@bulwark/http';
import type { ErrorRequestHandler } from 'express';
import { sendHttpError } from './send-http-error.js';
import { checkOptionalBoolean, checkOptions } from './validate.js';

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** This service is a gateway: answer a `TimeoutError` with 504 rather than 503 (default false). */
  readonly gateway?: boolean;
}

/**
 * An Express error middleware that answers Bulwark's errors the way the middlewares do, through
 * `httpErrorFor` from `@bulwark/http`: an open breaker or a full bulkhead 503, a rate limit
 * 429, a timeout 503 (504 with `gateway: true`), with `Retry-After` in whole seconds when known
 * and the body `{ error: { code, message, retryAfterMs } }`. Use it for the policies your
 * handlers call themselves (`await breaker.execute(…)` rejecting in an async handler reaches it
 * through Express 5's promise handling), and with `onRejected: ({ error, next }) => next(error)`.
 *
 * Every other error, and any error once headers are sent, goes on to `next(error)` untouched,
 * so the app's own error handler (mounted after this one) still sees it.
 *
 * @throws TypeError at creation for a bad option
 * @example
 * app.use(errorHandler());
 * app.use((error, req, res, next) => { log(error); res.status(500).json({ error: 'internal' }); });
 */
export function errorHandler(options?: ErrorHandlerOptions): ErrorRequestHandler {
  const o = checkOptions('errorHandler', options, ['gateway']);
  const gateway = checkOptionalBoolean('errorHandler', 'gateway', o.gateway) ?? false;
  // Four parameters: Express tells error middleware by its arity.
  return function bulwarkErrorHandler(error, _req, res, next) {
    const mapped = httpErrorFor(error, { gateway });
    if (mapped === undefined || res.headersSent) {
      next(error);
      return;
    }
    sendHttpError(res, mapped);
  };
}
