/**
 * Reads a `Retry-After` header value (RFC 9110 §10.2.3) as a delay in ms: either
 * delay-seconds (`120`; a decimal such as `1.5` is accepted too) or an HTTP-date
 * (`Wed, 21 Oct 2015 07:28:00 GMT`), taken relative to `nowMs`. A date in the past gives 0.
 *
 * @param value the header's value, or `null`/`undefined` when absent
 * @param nowMs the current time in ms since the epoch (the injected clock's `now()`)
 * @returns the delay in ms, or `undefined` when the value is absent or unreadable
 * @example
 * parseRetryAfter('5', Date.now()); // 5000
 * parseRetryAfter(new Date(Date.now() + 2000).toUTCString(), Date.now()); // ≈ 2000 (the date has whole seconds)
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  // Only dates with a weekday or a GMT zone, as HTTP-dates have: Date.parse alone would also
  // read strings such as '1 2' as a date.
  if (!/[a-z]{3}/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
