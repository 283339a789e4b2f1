// Test-only (not exported): loopback HTTP servers on port 0, and bounded polling.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A server listening on 127.0.0.1 at a free port, counting the connections it accepted. */
export interface TestServer {
  readonly server: http.Server;
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections open now. */
  readonly open: () => number;
  close(): Promise<void>;
}

export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<TestServer> {
  const server = http.createServer(handler);
  const sockets = new Set<Socket>();
  const result: TestServer = {
    server,
    url: '',
    port: 0,
    connections: 0,
    open: () => sockets.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', (socket) => {
    result.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(result, { url: `http://127.0.0.1:${port}`, port });
}

/** A port that refuses connections: one a server just released. */
export async function closedPort(): Promise<number> {
  const server = await startServer(() => undefined);
  await server.close();
  return server.port;
}

/** One turn of the event loop (I/O callbacks run). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Polls `condition` until it holds: each event-loop turn at first, then every 2 ms, failing
 * after `timeoutMs` of real time (real sockets: a bounded wait, not a fixed sleep).
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await (i < 100 ? turn() : new Promise<void>((resolve) => setTimeout(resolve, 2)));
  }
}

/** Sends a raw request and collects the answer. */
export async function request(
  url: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: Uint8Array | string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
