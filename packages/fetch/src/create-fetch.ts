import type { RetryPolicy } from '@bulwark/core';
import { discardRetried } from './fetch-retry.js';
import { FetchCall } from './fetch-call.js';
import { resolveOptions } from './create-fetch-options.js';
import type { CreateFetchOptions } from './create-fetch-options.js';
import { OriginPolicies } from './origin-policies.js';
import type { OriginPipeline } from './origin-policies.js';
import { isIdempotentMethod, isResendableBody } from './request-rules.js';

/** The fields of RequestInit that a Request keeps (or, for `signal` and `window`, that the call handles). */
const REQUEST_FIELDS: ReadonlySet<string> = new Set([
  'method',
  'headers',
  'body',
  'referrer',
  'referrerPolicy',
  'mode',
  'credentials',
  'cache',
  'redirect',
  'integrity',
  'keepalive',
  'signal',
  'duplex',
  'priority',
  'window',
]);

/** Fields of `init` a Request does not keep, such as Node's `dispatcher`: passed on to every attempt's fetch. */
function extrasOf(init: RequestInit | undefined): Readonly<Record<string, unknown>> | undefined {
  if (init === undefined || init === null) return undefined;
  let extras: Record<string, unknown> | undefined;
  for (const key of Object.keys(init)) {
    if (!REQUEST_FIELDS.has(key)) (extras ??= {})[key] = (init as Record<string, unknown>)[key];
  }
  return extras;
}

/** The caller's signal: `init.signal` if it has one (`null` means none), else the input Request's. */
function callerSignalOf(input: string | URL | Request, init: RequestInit | undefined): AbortSignal | undefined {
  if (init?.signal !== undefined) return init.signal ?? undefined;
  return input instanceof Request ? input.signal : undefined;
}

/**
 * Creates a resilient `fetch`: same signature, same semantics (HTTP errors are responses, not
 * rejections), plus retries, a circuit breaker and a bulkhead per origin, and timeouts.
 *
 * **Retries** (3 attempts by default) are made only for idempotent requests (GET, HEAD, OPTIONS,
 * PUT, DELETE, QUERY, or any method with an `Idempotency-Key` header) whose body can be sent
 * again (none, string, ArrayBuffer or view, Blob, FormData, URLSearchParams; never a stream, nor
 * a Request object's own body), on network errors (a `TypeError`), attempt timeouts and the
 * statuses 408, 429, 500, 502, 503 and 504. A `Retry-After` header (seconds or HTTP-date, read on
 * `clock`) sets the least wait, capped by `maxRetryAfterMs`. The body of every response that is
 * not returned is cancelled. When retries run out on a status, the call resolves with the last
 * response; on an error, it rejects with a `RetryExhaustedError` (`cause`: the last error).
 *
 * **Per origin** (`scheme://host:port`), a breaker (on by default) counts 408, 429, 5xx, network
 * errors and attempt timeouts as failures, and refuses calls while open (`CircuitOpenError`,
 * not retried); a bulkhead (off by default) bounds concurrent calls (`BulkheadRejectedError`).
 * Both come from `registry` under `fetch:<origin>`, for the `maxOrigins` most recently used
 * origins: a new origin past that evicts the least recently used idle one (no call in progress,
 * bulkhead empty, breaker closed or half-open; its instances leave the registry), and when none
 * is idle the request rejects with an `OriginLimitError`, unsent.
 *
 * **Timeouts** (`attemptTimeoutMs`, `timeoutMs`) abort the underlying fetch through its signal
 * and reject with a `TimeoutError`; they run until the response headers arrive. The caller's
 * signal (`init.signal` or the Request's) stops everything at once with its reason, the body
 * included.
 *
 * Order, outermost first: total timeout → bulkhead → retry → breaker → attempt timeout → fetch.
 *
 * @param options see {@link CreateFetchOptions}; checked here
 * @returns a function typed as `typeof fetch`
 * @throws TypeError or RangeError naming a bad option, such as `createFetch: options.timeoutMs must be a positive finite number, got 0`
 * @example
 * const api = createFetch({ retry: { maxAttempts: 3 }, attemptTimeoutMs: 2_000, timeoutMs: 5_000 });
 * const response = await api('https://api.example.com/items', { signal });
 */
export function createFetch(options: CreateFetchOptions = {}): typeof fetch {
  const resolved = resolveOptions(options);
  const origins = new OriginPolicies(resolved);
  const retry = resolved.retry;
  // A policy of the caller's: cancel the bodies it retries through its event (added once per createFetch).
  const onRetry = (retry?.policy as Partial<RetryPolicy> | undefined)?.onRetry;
  if (retry?.foreign === true && typeof onRetry === 'function') onRetry.call(retry.policy, discardRetried);

  return function resilientFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const callerSignal = callerSignalOf(input, init);
    if (callerSignal?.aborted) return Promise.reject(callerSignal.reason);
    let request: Request;
    let pipeline: OriginPipeline;
    try {
      // Built without the caller's signal: the call follows that signal itself.
      request = new Request(input, { ...init, signal: null });
      pipeline = origins.get(new URL(request.url));
    } catch (error) {
      return Promise.reject(error);
    }
    // A Request object's own body may be a stream (nothing tells), so only init bodies are re-sent.
    const resendable = request.body === null || (init?.body !== undefined && init.body !== null && isResendableBody(init.body));
    const idempotent = isIdempotentMethod(request.method) || request.headers.has('idempotency-key');
    const retrying = retry !== undefined && idempotent && resendable;
    return new FetchCall(resolved, { request, extras: extrasOf(init), callerSignal, retrying, pipeline }).run();
  };
}
