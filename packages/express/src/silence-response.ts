import type { ServerResponse } from 'node:http';

type Loose = Record<string, unknown>;

/** Calls the callback among `args` (write's and end's last argument), later, as Node would once written. */
function callBack(args: readonly unknown[]): void {
  const callback = args[args.length - 1];
  if (typeof callback === 'function') process.nextTick(callback as () => void);
}

/**
 * Makes every later write to `res` a no-op, once another party (the timeout) has answered: a
 * slow handler that wakes up and calls `res.json(…)`, `res.setHeader`, `res.status(200)`,
 * `res.write` or `res.end` changes nothing and throws nothing (Node would throw
 * `ERR_HTTP_HEADERS_SENT`, which would reach the app's error handler as a spurious error). The
 * status stays the one sent, so a breaker judging the response sees what the client saw.
 */
export function silenceResponse(res: ServerResponse): void {
  const status = res.statusCode;
  Object.defineProperty(res, 'statusCode', { configurable: true, enumerable: true, get: () => status, set: () => undefined });
  const self = function (this: ServerResponse): ServerResponse {
    return this;
  };
  Object.assign(res as unknown as Loose, {
    setHeader: self,
    setHeaders: self,
    appendHeader: self,
    writeHead: self,
    removeHeader: () => undefined,
    flushHeaders: () => undefined,
    write: (...args: unknown[]) => {
      callBack(args);
      return true;
    },
    end: function (this: ServerResponse, ...args: unknown[]) {
      callBack(args);
      return this;
    },
  });
}
