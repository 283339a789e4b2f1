import type { ServerResponse } from 'node:http';

/**
 * How a response ended: `'finished'` when it was sent in full, `'aborted'` when the connection
 * closed first (the client went away, or the socket was destroyed).
 */
export type ResponseOutcome = 'finished' | 'aborted';

// The watch lives on the response under a symbol (a property, not a WeakMap entry: a WeakMap
// entry per request costs more than the rest of a middleware's work, in the set and in the GC).
const WATCH = Symbol('@bulwark/express.responseWatch');

type EndListener = (outcome: ResponseOutcome) => void;

/** What {@link ResponseWatch.abortOnClose} aborts: a breaker call from `executeAbortable`. */
interface AbortTarget {
  abort(reason: unknown): void;
}

interface Watched extends ServerResponse {
  [WATCH]?: ResponseWatch;
}

/**
 * Watches one response for its end, so the middleware can bridge "request → response finished"
 * into the promise a policy's `execute` waits for. One watch per response, shared by every
 * Bulwark middleware on the request (two listeners on the response, however many middlewares).
 *
 * Invariant: `outcome` is set once; `signal` is aborted, and the {@link abortOnClose} targets
 * are aborted, exactly when the outcome is `'aborted'`, and before the end listeners run, so a
 * policy given the signal or a breaker call given to `abortOnClose` (counting neither success
 * nor failure, a bulkhead dropping a queued call) sees the abort first.
 */
export class ResponseWatch {
  private outcome: ResponseOutcome | undefined;
  private controller: AbortController | undefined;
  private reason: DOMException | undefined;
  // Most requests have one or two end listeners (one per middleware) and at most one abort
  // target, so those live in fields, and only more in arrays: an array per request, grown and
  // emptied, would cost more than the rest of the watch.
  private first: EndListener | undefined;
  private second: EndListener | undefined;
  private more: EndListener[] | undefined;
  private aborter: AbortTarget | undefined;
  private moreAborters: AbortTarget[] | undefined;

  /** Use {@link watchResponse}, which gives every middleware on a request the same watch. */
  constructor(res: ServerResponse) {
    (res as Watched)[WATCH] = this;
    if (res.writableFinished) this.outcome = 'finished';
    else if (res.destroyed) this.outcome = 'aborted';
    else {
      // Shared listeners that find the watch on the response (`this` is the emitter), not
      // closures, and `on` rather than `once`: each event fires at most once per response, and
      // the once-wrappers would cost an allocation and a removal per event on every request.
      res.on('finish', onFinish);
      res.on('close', onClose);
    }
  }

  /** Aborted when the connection closes before the response is sent in full. Created on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.outcome === 'aborted') this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Why an aborted response's call is given up: the signal's reason (created once, on abort or on first use). */
  get abortReason(): DOMException | undefined {
    if (this.outcome !== 'aborted') return undefined;
    return (this.reason ??= clientGone());
  }

  /** True once the connection closed before the response was sent in full. */
  get aborted(): boolean {
    return this.outcome === 'aborted';
  }

  /** True once the response has ended, either way. */
  get ended(): boolean {
    return this.outcome !== undefined;
  }

  /** Calls `listener` once when the response ends (at once, synchronously, if it has). */
  onEnd(listener: (outcome: ResponseOutcome) => void): void {
    if (this.outcome !== undefined) listener(this.outcome);
    else if (this.first === undefined) this.first = listener;
    else if (this.second === undefined) this.second = listener;
    else (this.more ??= []).push(listener);
  }

  /**
   * Calls `target.abort(reason)` (with {@link abortReason}) if the connection closes before the
   * response is sent in full: at once if it has, and else before the end listeners, as the
   * signal aborts. For a breaker call started with `executeAbortable`, which then needs no signal.
   */
  abortOnClose(target: AbortTarget): void {
    if (this.outcome === 'aborted') target.abort(this.abortReason);
    else if (this.outcome === 'finished') return;
    else if (this.aborter === undefined) this.aborter = target;
    else (this.moreAborters ??= []).push(target);
  }

  /** Resolves with the outcome when the response ends. */
  whenEnded(): Promise<ResponseOutcome> {
    return new Promise((resolve) => this.onEnd(resolve));
  }

  /** @internal The response emitted 'finish' or 'close'. */
  end(outcome: ResponseOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (outcome === 'aborted') {
      const reason = this.abortReason;
      this.controller?.abort(reason);
      this.aborter?.abort(reason);
      if (this.moreAborters !== undefined) for (const target of this.moreAborters) target.abort(reason);
    }
    const { first, second, more } = this;
    this.aborter = this.moreAborters = this.first = this.second = this.more = undefined;
    // In the order they were added; none joins now (onEnd calls late ones at once).
    first?.(outcome);
    second?.(outcome);
    if (more !== undefined) for (const listener of more) listener(outcome);
  }
}

function onFinish(this: Watched): void {
  this[WATCH]?.end('finished');
}

// 'close' follows 'finish' after a full response; alone, the connection closed first.
function onClose(this: Watched): void {
  this[WATCH]?.end(this.writableFinished ? 'finished' : 'aborted');
}

function clientGone(): DOMException {
  return new DOMException('The client closed the connection before the response was sent', 'AbortError');
}

/** @returns the watch of `res`, created on first use. */
export function watchResponse(res: ServerResponse): ResponseWatch {
  return (res as Watched)[WATCH] ?? new ResponseWatch(res);
}
