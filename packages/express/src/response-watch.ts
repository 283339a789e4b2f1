import type { ServerResponse } from 'node:http';

/**
 * How a response ended: `'finished'` when it was sent in full, `'aborted'` when the connection
 * closed first (the client went away, or the socket was destroyed).
 */
export type ResponseOutcome = 'finished' | 'aborted';

/**
 * Watches one response for its end, so the middleware can bridge "request → response finished"
 * into the promise a policy's `execute` waits for. One watch per response, shared by every
 * Bulwark middleware on the request (two listeners on the response, however many middlewares).
 *
 * Invariant: `outcome` is set once; `signal` is aborted exactly when the outcome is `'aborted'`,
 * and before the end listeners run, so a policy given the signal (a breaker counting neither
 * success nor failure, a bulkhead dropping a queued call) sees the abort first.
 */
export class ResponseWatch {
  private outcome: ResponseOutcome | undefined;
  private controller: AbortController | undefined;
  private readonly listeners: Array<(outcome: ResponseOutcome) => void> = [];

  constructor(res: ServerResponse) {
    if (res.writableFinished) this.outcome = 'finished';
    else if (res.destroyed) this.outcome = 'aborted';
    else {
      res.once('finish', () => this.end('finished'));
      // 'close' follows 'finish' after a full response; alone, the connection closed first.
      res.once('close', () => this.end(res.writableFinished ? 'finished' : 'aborted'));
    }
  }

  /** Aborted when the connection closes before the response is sent in full. Created on first use. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.outcome === 'aborted') this.controller.abort(clientGone());
    }
    return this.controller.signal;
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
    else this.listeners.push(listener);
  }

  /** Resolves with the outcome when the response ends. */
  whenEnded(): Promise<ResponseOutcome> {
    return new Promise((resolve) => this.onEnd(resolve));
  }

  private end(outcome: ResponseOutcome): void {
    if (this.outcome !== undefined) return;
    this.outcome = outcome;
    if (outcome === 'aborted') this.controller?.abort(clientGone());
    for (const listener of this.listeners.splice(0)) listener(outcome);
  }
}

function clientGone(): DOMException {
  return new DOMException('The client closed the connection before the response was sent', 'AbortError');
}

const watches = new WeakMap<ServerResponse, ResponseWatch>();

/** The watch of `res`, created on first use. */
export function watchResponse(res: ServerResponse): ResponseWatch {
  let watch = watches.get(res);
  if (watch === undefined) {
    watch = new ResponseWatch(res);
    watches.set(res, watch);
  }
  return watch;
}
