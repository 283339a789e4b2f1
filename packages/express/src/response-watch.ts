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

/**
 * What {@link ResponseWatch.settleOnEnd} calls when the response ends: one object per middleware
 * (not per request), given the request's own `data`, so a request costs no closure.
 */
export interface EndHandler<D> {
  responseEnded(outcome: ResponseOutcome, data: D, res: ServerResponse): void;
}

// onEnd(listener) is settleOnEnd with this handler and the listener as its data.
const CALL_LISTENER: EndHandler<EndListener> = {
  responseEnded(outcome, listener) {
    listener(outcome);
  },
};

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
  private firstHandler: EndHandler<unknown> | undefined;
  private firstData: unknown;
  private secondHandler: EndHandler<unknown> | undefined;
  private secondData: unknown;
  // [handler, data, handler, data, …]
  private more: unknown[] | undefined;
  private aborter: AbortTarget | undefined;
  private moreAborters: AbortTarget[] | undefined;

  /** Use {@link watchResponse}, which gives every middleware on a request the same watch. */
  constructor(private readonly res: ServerResponse) {
    (res as Watched)[WATCH] = this;
    if (res.writableFinished) this.outcome = 'finished';
    else if (res.destroyed) this.outcome = 'aborted';
    else {
      // One shared listener that finds the watch on the response (`this` is the emitter), not a
      // closure, and `on` rather than `once`: 'close' fires once per response, and a once-wrapper
      // would cost an allocation and a removal on every request. Only 'close': Node emits it
      // after every response (a tick after 'finish' when sent in full), and a 'finish' listener
      // would join the server's own, turning its single listener into an array per request.
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
    this.settleOnEnd(CALL_LISTENER, listener);
  }

  /**
   * Calls `handler.responseEnded(outcome, data, res)` once when the response ends (at once,
   * synchronously, if it has): {@link onEnd} without a closure per request, for a middleware
   * that settles a permit (its `data`) when the response ends.
   */
  settleOnEnd<D>(handler: EndHandler<D>, data: D): void {
    const h = handler as EndHandler<unknown>;
    if (this.outcome !== undefined) h.responseEnded(this.outcome, data, this.res);
    else if (this.firstHandler === undefined) {
      this.firstHandler = h;
      this.firstData = data;
    } else if (this.secondHandler === undefined) {
      this.secondHandler = h;
      this.secondData = data;
    } else (this.more ??= []).push(h, data);
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

  /** @internal The response emitted 'close'. */
  end(outcome: ResponseOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (outcome === 'aborted') {
      const reason = this.abortReason;
      this.controller?.abort(reason);
      this.aborter?.abort(reason);
      if (this.moreAborters !== undefined) for (const target of this.moreAborters) target.abort(reason);
    }
    const { firstHandler, firstData, secondHandler, secondData, more, res } = this;
    this.aborter = this.moreAborters = this.firstHandler = this.secondHandler = this.more = undefined;
    this.firstData = this.secondData = undefined;
    // In the order they were added; none joins now (settleOnEnd calls late ones at once).
    firstHandler?.responseEnded(outcome, firstData, res);
    secondHandler?.responseEnded(outcome, secondData, res);
    if (more !== undefined) {
      for (let i = 0; i < more.length; i += 2) (more[i] as EndHandler<unknown>).responseEnded(outcome, more[i + 1], res);
    }
  }
}

// 'close' follows 'finish' after a full response; without it, the connection closed first.
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
