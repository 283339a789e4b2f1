/**
 * Which requests may be sent again, and which responses call for it: the rules `createFetch`
 * applies, exported so callers (and custom `shouldRetry`/`errorFilter` functions) can use the
 * same ones. Methods follow RFC 9110 §9.2.2 (idempotent methods) plus QUERY; statuses follow
 * ky, got and undici (resilience-anchors §4.c).
 */

/** Methods that are idempotent (RFC 9110 §9.2.2; QUERY from draft-ietf-httpbis-safe-method-w-body). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'QUERY']);

/** Statuses worth another attempt: the server is overloaded, rate-limiting, or failed transiently. */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * True for GET, HEAD, OPTIONS, PUT, DELETE and QUERY (case-insensitive): methods a client may
 * send twice without changing the outcome. POST and PATCH are not, unless the request carries an
 * `Idempotency-Key` header.
 *
 * @example
 * isIdempotentMethod('get'); // true
 * isIdempotentMethod('POST'); // false
 */
export function isIdempotentMethod(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/**
 * True for 408, 429, 500, 502, 503 and 504, the statuses `createFetch` retries (idempotent
 * requests only). 501 and 505 are not transient; other 4xx are the client's fault.
 *
 * @example
 * isRetryableStatus(503); // true
 * isRetryableStatus(404); // false
 */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * True for the statuses a per-origin breaker counts as failures: 408, 429 and every 5xx (the
 * origin is failing or shedding load). Other statuses, 4xx included, are successes to the
 * breaker: the origin answered, and the fault was the request's.
 *
 * @example
 * isBreakerFailureStatus(501); // true: counted, though not retried
 * isBreakerFailureStatus(404); // false
 */
export function isBreakerFailureStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/**
 * True when a body can be sent again as it is: none, a string, an `ArrayBuffer` or a view of one
 * (`Uint8Array`, `DataView`, …), a `Blob` (or `File`), `FormData` or `URLSearchParams`. A
 * `ReadableStream`, an async iterable or anything else is one-shot: reading it consumes it.
 *
 * @example
 * isResendableBody('{"a":1}'); // true
 * isResendableBody(file.stream()); // false
 */
export function isResendableBody(body: unknown): boolean {
  return (
    body === null ||
    body === undefined ||
    typeof body === 'string' ||
    // By tag, not instanceof, so buffers from another realm (a vm context, a worker) count too.
    Object.prototype.toString.call(body) === '[object ArrayBuffer]' ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}
