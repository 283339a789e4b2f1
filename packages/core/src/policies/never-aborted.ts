/**
 * The signal every policy hands `fn` when the caller gave none: it never aborts. One shared
 * instance, so that a policy inside another (`wrap(bulkhead, retry, breaker)`) can tell the
 * outer policy's "no signal" from a real one and skip the abort listener, which costs far more
 * than the rest of a call's success path.
 */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

/** The caller's signal, or `undefined` for none or for {@link NEVER_ABORTED} (which cannot abort). */
export function callerSignal(signal: AbortSignal | undefined): AbortSignal | undefined {
  return signal === NEVER_ABORTED ? undefined : signal;
}
