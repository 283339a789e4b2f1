import type { ExecuteContext } from './policy.js';

/**
 * Runs `fn(context)` as a promise that also rejects, at once and with the signal's reason, when
 * `signal` aborts first (the `execute` contract for the caller's signal). The abort listener is
 * removed when `fn` settles; a synchronous throw becomes a rejection.
 */
export function runUntilAborted<T>(
  fn: (context: ExecuteContext) => PromiseLike<T> | T,
  context: ExecuteContext,
  signal: AbortSignal | undefined,
): Promise<T> {
  let result: PromiseLike<T> | T;
  try {
    result = fn(context);
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal === undefined || !isThenable(result)) return Promise.resolve(result);
  if (signal.aborted) return Promise.reject(signal.reason);
  return raceAbort(result, signal);
}

/**
 * `pending`'s outcome, or a rejection with `signal`'s reason when it aborts first (the work goes
 * on either way). The abort listener is removed when `pending` settles. `signal` must not have
 * aborted yet.
 */
export function raceAbort<T>(pending: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function isThenable<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
