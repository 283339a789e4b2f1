export { createFetch } from './create-fetch.js';
export type { CreateFetchOptions, FetchBreakerOptions, FetchBulkheadOptions } from './create-fetch-options.js';
export { HttpStatusError, isHttpStatusError } from './http-status-error.js';
export { OriginLimitError, isOriginLimitError } from './origin-limit-error.js';
export { isIdempotentMethod, isRetryableStatus, isBreakerFailureStatus, isResendableBody } from './request-rules.js';
export { parseRetryAfter } from './retry-after.js';
export { isRetryableFailure } from './fetch-retry.js';
