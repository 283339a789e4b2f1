import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the server saw of one request. */
export interface SeenRequest {
  readonly method: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The connection it came on; its `closed` says whether that connection has closed since. */
  readonly socket: Socket;
  /** Resolves when the request's connection closes. */
  readonly closed: Promise<void>;
}

/** How the server answers one request: it may answer, stall (never answer) or drop the connection. */
export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A `node:http` server on 127.0.0.1 with an ephemeral port, answering from a script. */
export interface TestServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Open connections, as the server counts them. */
  connections(): Promise<number>;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/** Answers 200 with `ok`. */
export const ok: Handler = (_, response) => response.end('ok');

/**
 * Starts a server whose n-th request is answered by `script[n]` (then by `fallback`), after its
 * body has been read.
 */
export async function startServer(script: Handler[], fallback: Handler = ok): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const socket = request.socket;
      const closed = socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined);
      const handler = script[requests.length] ?? fallback;
      requests.push({ method: request.method ?? '', headers: request.headers, body: Buffer.concat(chunks).toString(), socket, closed });
      handler(request, response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count)))),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Answers `status` with `headers` and `body`. */
export function reply(status: number, headers: Record<string, string> = {}, body = `status ${status}`): Handler {
  return (_, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };
}

/** Sends `status` and the start of a body that never ends: the connection stays busy until the client lets go. */
export function endless(status: number): Handler {
  return (_, response) => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.write('partial');
  };
}

/** Never answers. */
export const stall: Handler = () => undefined;

/** Drops the connection without answering: the client sees a network error. */
export const drop: Handler = (request) => request.socket.destroy();
