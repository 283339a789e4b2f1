import { NEVER_ABORTED } from '../never-aborted.js';
import type { ExecuteContext } from '../policy.js';
import type { AbortSource } from './abortable-call.js';
import type { Deadline } from './deadline-queue.js';

/**
 * What a breaker needs to settle a controlled call. Implemented by `CircuitBreaker`; kept as an
 * interface so this file does not import the class (no import cycle).
 */
export interface CallOwner {
  /** @internal */ _settleOk(call: PendingCall, value: unknown, result: unknown): void;
  /** @internal */ _settleError(call: PendingCall, error: unknown): void;
  /** @internal */ _expire(call: PendingCall, now: number): void;
  /** @internal */ _abortByCaller(call: PendingCall): void;
}

/**
 * The context `execute()` passes to `fn`. Its `signal` is created only if `fn` reads it, so a
 * call that never looks at it allocates no `AbortController`.
 */
export class BreakerContext implements ExecuteContext {
  private controller: AbortController | undefined;
  private derived: AbortSignal | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    readonly attempt: number,
    /** Whether the breaker may abort this attempt (a timeout is set). */
    private readonly abortable: boolean,
  ) {}

  get signal(): AbortSignal {
    if (this.derived) return this.derived;
    if (!this.abortable) return (this.derived = this.callerSignal ?? NEVER_ABORTED);
    this.controller ??= new AbortController();
    this.derived = this.callerSignal ? AbortSignal.any([this.callerSignal, this.controller.signal]) : this.controller.signal;
    return this.derived;
  }

  /** Aborts the attempt's signal (when `fn` has read it) with `reason`. */
  abort(reason: unknown): void {
    this.controller?.abort(reason);
  }
}

/**
 * A call whose promise the breaker must be able to settle from outside: when its deadline passes
 * (the `timeout` option) or the caller gives up (`execute()` with a signal, `executeAbortable`).
 * It is its own deadline-queue entry and its own abort listener (`handleEvent`), so it needs no
 * closures.
 */
export class PendingCall implements Deadline {
  deadline = Infinity;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  queued = false;
  settled = false;
  released = false;
  /** The half-open episode this call was admitted as a trial in, or 0. */
  trialEpisode = 0;

  constructor(
    readonly owner: CallOwner,
    readonly args: unknown[],
    readonly cacheKey: string,
    readonly start: number,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
    readonly context: BreakerContext | undefined,
    /** The caller's signal, or the call's own abort source (`executeAbortable`). */
    readonly callerSignal: AbortSource | undefined,
  ) {}

  expire(now: number): void {
    this.owner._expire(this, now);
  }

  /** The caller's signal aborted (EventTarget calls this). */
  handleEvent(): void {
    this.owner._abortByCaller(this);
  }
}
