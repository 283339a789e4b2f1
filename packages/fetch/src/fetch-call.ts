import { isRetryExhaustedError } from '@bulwark/core';
import type { ExecuteContext } from '@bulwark/core';
import type { ResolvedOptions } from './create-fetch-options.js';
import { discardResponse } from './discard-response.js';
import { isRetryableFailure } from './fetch-retry.js';
import { HttpStatusError } from './http-status-error.js';
import type { OriginPipeline } from './origin-policies.js';
import { isBreakerFailureStatus, isRetryableStatus } from './request-rules.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * A failure the fetch rules do not retry, carried through a retry policy the caller gave us as
 * a result rather than an error, so that its own `shouldRetry` (which may retry every error)
 * cannot retry it.
 */
class NotRetried {
  constructor(readonly error: unknown) {}
}

type Outcome = Response | NotRetried;

/** What a layer passes down: the signal may be absent when no policy and no caller gave one. */
interface AttemptContext {
  readonly signal: AbortSignal | undefined;
  readonly attempt: number;
}

/** What a request is, as far as the rules go. */
export interface CallPlan {
  /** The request, built once (which validated the URL, method, headers and body). */
  readonly request: Request;
  /** Fields of `init` a Request does not keep (Node's `dispatcher`), for every attempt's fetch. */
  readonly extras: Readonly<Record<string, unknown>> | undefined;
  /** The caller's signal (`init.signal`, else the input Request's), if any. */
  readonly callerSignal: AbortSignal | undefined;
  /** Whether the retry policy runs (an idempotent request whose body can be sent again). */
  readonly retrying: boolean;
  /** The policies of the request's origin; the call releases it once they have settled. */
  readonly pipeline: OriginPipeline;
}

/**
 * One call of a fetch from `createFetch`: outer policies → retry → inner policies → `fetch`,
 * with the fetch rules between the layers. It owns every response it receives: each one that
 * does not become the call's result has its body cancelled.
 */
export class FetchCall {
  private settled = false;
  /** The last failed response whose body is not cancelled yet (it may still become the result). */
  private failed: Response | undefined;
  /** The outcome, once an attempt produced one; a second attempt is never sent after it. */
  private outcome: Outcome | undefined;
  /** The request's URL without query or credentials, for error messages. */
  private readonly where: string;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly plan: CallPlan,
  ) {
    const url = new URL(plan.request.url);
    this.where = `${plan.request.method} ${url.origin === 'null' ? url.protocol : url.origin}${url.pathname}`;
  }

  /**
   * Runs the call. It rejects at once with the caller's reason when the caller's signal aborts,
   * whatever is running, and removes its listener when it settles.
   */
  run(): Promise<Response> {
    const signal = this.plan.callerSignal;
    return new Promise<Response>((resolve, reject) => {
      const onAbort = (): void => {
        this.finish(undefined);
        reject((signal as AbortSignal).reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const pipeline = this.plan.pipeline;
      const outer = pipeline.outer;
      const running = outer === undefined ? this.perCall({ signal, attempt: 1 }) : outer.execute(this.perCall, { signal });
      running.then(
        (response) => {
          pipeline.release(); // the policies are done: the origin may be evicted from now on
          signal?.removeEventListener('abort', onAbort);
          if (this.settled) {
            discardResponse(response);
            return;
          }
          this.finish(response);
          resolve(response);
        },
        (error: unknown) => {
          pipeline.release();
          signal?.removeEventListener('abort', onAbort);
          if (this.settled) return;
          this.finish(undefined);
          reject(error);
        },
      );
    });
  }

  /** Inside the total timeout and the bulkhead: the retries, or the one attempt. */
  private readonly perCall = (context: AttemptContext): Promise<Response> => {
    const retry = this.options.retry;
    if (!this.plan.retrying || retry === undefined) return Promise.resolve(this.attempt(context)).then(unwrap);
    return retry.policy.execute(this.attempt, { signal: context.signal }).then(unwrap, exhausted);
  };

  /** One attempt, under the breaker and the attempt timeout, judged by the fetch rules. */
  private readonly attempt = (context: AttemptContext): Outcome | Promise<Outcome> => {
    if (this.outcome !== undefined) return this.outcome;
    const inner = this.plan.pipeline.inner;
    const sent = inner === undefined ? this.send(context) : inner.execute(this.send, { signal: context.signal, attempt: context.attempt });
    return sent.then(this.accept, this.judge);
  };

  private readonly accept = (response: Response): Outcome => (this.outcome = response);

  /** An attempt failed: rethrow what the retry policy should retry; anything else ends the call. */
  private readonly judge = (error: unknown): Outcome => {
    if (error instanceof HttpStatusError) {
      if (this.plan.retrying && isRetryableStatus(error.status)) throw error;
      return (this.outcome = error.response); // a status is an answer, not a rejection
    }
    if (this.plan.retrying && this.options.retry?.foreign === true && !isRetryableFailure(error)) return (this.outcome = new NotRetried(error));
    throw error;
  };

  /** Sends the request once. A failure status is thrown as an HttpStatusError, for the breaker and the retry. */
  private readonly send = async (context: ExecuteContext | AttemptContext): Promise<Response> => {
    const previous = this.failed;
    if (previous !== undefined) {
      this.failed = undefined;
      discardResponse(previous); // normally done by onRetry already
    }
    const caller = this.plan.callerSignal;
    const upstream = context.signal;
    // The policies' signal (timeouts, and the caller's through them) is followed only until the
    // headers arrive; the caller's own signal stays on the fetch, so it can still stop the body.
    const linked = upstream !== undefined && upstream !== caller;
    if (linked && upstream.aborted) throw upstream.reason;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort((upstream as AbortSignal).reason);
    if (linked) upstream.addEventListener('abort', onAbort, { once: true });
    const signal = caller === undefined ? controller.signal : AbortSignal.any([caller, controller.signal]);
    const { request, extras } = this.plan;
    let response: Response;
    try {
      // A body is sent again from a clone: the request itself is never consumed.
      response = await this.options.fetch(this.plan.retrying && request.body !== null ? request.clone() : request, extras === undefined ? { signal } : { ...extras, signal });
    } finally {
      if (linked) upstream.removeEventListener('abort', onAbort);
    }
    if (signal.aborted || this.settled) {
      // Nobody is waiting for it any more: a policy gave up on this attempt as it answered.
      discardResponse(response);
      throw signal.aborted ? signal.reason : new DOMException('The call had settled', 'AbortError');
    }
    if (!isBreakerFailureStatus(response.status)) return response;
    this.failed = response;
    let retryAfterMs: number | undefined;
    if (isRetryableStatus(response.status)) {
      retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.options.clock.now());
      if (retryAfterMs !== undefined) retryAfterMs = Math.min(retryAfterMs, this.options.maxRetryAfterMs);
    }
    throw new HttpStatusError(response, retryAfterMs, this.where);
  };

  /** The call settled with `result` (or rejected): cancel the body of the failed response it did not return. */
  private finish(result: Response | undefined): void {
    this.settled = true;
    const failed = this.failed;
    this.failed = undefined;
    if (failed !== undefined && failed !== result) discardResponse(failed);
  }
}

function unwrap(outcome: Outcome): Response {
  if (outcome instanceof NotRetried) throw outcome.error;
  return outcome;
}

/** Retries ran out (or `shouldRetry` said no) on a failure status: fetch's answer is that response. */
function exhausted(error: unknown): Response {
  const last = isRetryExhaustedError(error) ? error.cause : error;
  if (last instanceof HttpStatusError) return last.response;
  throw error;
}
