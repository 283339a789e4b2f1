/**
 * Cancels the body of a response nobody will read, so its connection is released (closed, or
 * returned to the pool) instead of waiting for garbage collection. Safe to call twice, and on a
 * response without a body or whose body was read already.
 */
export function discardResponse(response: Response): void {
  const body = response.body;
  if (body === null || response.bodyUsed || body.locked) return;
  // cancel() rejects only when the stream is errored; there is nothing left to release then.
  body.cancel().catch(() => undefined);
}
