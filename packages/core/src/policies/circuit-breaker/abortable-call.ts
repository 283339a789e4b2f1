/**
 * A breaker call that its caller can give up on without an `AbortSignal`, returned by
 * `CircuitBreaker.executeAbortable`.
 */
export interface AbortableCall<T> {
  /** The call's outcome, as `execute()` would return it. */
  readonly promise: Promise<T>;
  /**
   * Gives the call up, as the caller's signal aborting would: the call rejects at once with
   * `reason` (default: an `AbortError` `DOMException`) and counts as neither success nor failure.
   * Does nothing once the call has settled, or when it never started (it was refused).
   */
  abort(reason?: unknown): void;
}

/**
 * @internal What a breaker uses of the caller's way to give up on a call: an `AbortSignal` has
 * it, and so has {@link CallAbort}. The listener is the breaker's pending call.
 */
export interface AbortSource {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: { handleEvent(): void }, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: { handleEvent(): void }): void;
}

/**
 * @internal The {@link AbortableCall} a breaker hands out, and the abort source of that call: it
 * holds at most one listener (the call's), in a field, where an `AbortSignal` would need an
 * `AbortController` per call and an EventTarget listener (in Node 24, an add and a remove cost
 * more than the rest of a breaker call's success path).
 */
export class CallAbort<T> implements AbortableCall<T>, AbortSource {
  /** Set by the breaker right after construction. */
  promise!: Promise<T>;
  private isAborted = false;
  private abortReason: unknown = undefined;
  private listener: { handleEvent(): void } | undefined = undefined;

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  addEventListener(_type: 'abort', listener: { handleEvent(): void }): void {
    this.listener = listener;
  }

  removeEventListener(_type: 'abort', listener: { handleEvent(): void }): void {
    if (this.listener === listener) this.listener = undefined;
  }

  abort(reason?: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    // The reason AbortController.abort() gives when called without one.
    this.abortReason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const listener = this.listener;
    this.listener = undefined;
    listener?.handleEvent();
  }
}
