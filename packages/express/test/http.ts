import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorRequestHandler, Express } from 'express';

const open = new Set<Server>();

/** Starts `app` on an ephemeral port of 127.0.0.1; returns its base URL. Close with {@link closeServers}. */
export async function listen(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  open.add(server);
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes every server {@link listen} started, connections first (call it in `afterEach`). */
export async function closeServers(): Promise<void> {
  const servers = [...open];
  open.clear();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * Yields to the event loop (no timer: `setImmediate`) until `condition` holds, so a test can wait
 * for the server side of a real socket. Fails after `maxTurns` turns rather than hang.
 */
export async function until(condition: () => boolean, maxTurns = 10_000): Promise<void> {
  for (let turn = 0; !condition(); turn++) {
    if (turn >= maxTurns) throw new Error(`until: condition still false after ${maxTurns} event-loop turns`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A fetch that the test aborts: the promise is caught so the abort does not fail the test. */
export function abortableFetch(url: string): { abort(): void; settled: Promise<unknown> } {
  const controller = new AbortController();
  const settled = fetch(url, { signal: controller.signal }).catch((error: unknown) => error);
  return { abort: () => controller.abort(), settled };
}

/**
 * The app's own error handler, as a test app mounts it last: records each error it sees and
 * answers `500 app: <message>`.
 */
export function appErrorHandler(seen: unknown[]): ErrorRequestHandler {
  return (error, _req, res, next) => {
    void next; // Express tells error middleware by its four parameters
    seen.push(error);
    res.status(500).type('text').send(`app: ${error instanceof Error ? error.message : String(error)}`);
  };
}
