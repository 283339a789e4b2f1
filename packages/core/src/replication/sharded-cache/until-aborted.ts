import { raceAbort } from '../../policies/run-until-aborted.js';
import { show } from '../../policies/validate.js';

/** Rejects with the caller's abort reason if `signal` aborts first; the work goes on either way. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (typeof signal !== 'object' || signal === null || typeof signal.addEventListener !== 'function') {
    return Promise.reject(new TypeError(`ShardedCache: options.signal must be an AbortSignal, got ${show(signal)}`));
  }
  if (signal.aborted) return Promise.reject(signal.reason);
  return raceAbort(promise, signal);
}
