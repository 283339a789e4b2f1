import type { ServerResponse } from 'node:http';

type Loose = Record<string, unknown>;

/**
 * Calls `listener` when `res` starts its response (the status line and headers are written),
 * which every way of answering goes through: Node's implicit headers on the first `write`/`end`
 * call `writeHead`, as do `flushHeaders` and Express's `send`, `json`, `redirect` and `sendFile`.
 */
export function onResponseStart(res: ServerResponse, listener: () => void): void {
  const original = res.writeHead;
  (res as unknown as Loose).writeHead = function (this: ServerResponse, ...args: unknown[]) {
    (res as unknown as Loose).writeHead = original;
    listener();
    return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
  };
}
