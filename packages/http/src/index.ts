export { httpErrorFor, retryAfterSeconds } from './http-error-for.js';
export type { HttpErrorBody, HttpErrorOptions, HttpErrorResponse } from './http-error-for.js';
