import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeId } from '../entry.js';
import type { Message } from '../messages.js';
import { bearerToken, checkToken, digest, tokenMatches } from './cluster-token.js';
import { isFrameError } from './errors/frame-error.js';
import { REPLIES_HEADER } from './http-transport.js';
import { decodeFrame } from './message-codec.js';
import type { TransportFaults } from './transport-faults.js';

/** Options of {@link createPeerHandler}. */
export interface PeerHandlerOptions {
  /** The cluster token peers must present (`authorization: Bearer <token>`); required, non-empty. */
  readonly token: string;
  /**
   * Called with each message of an accepted request, in order (usually `(m) => node.receive(m)`).
   * A message it throws for (addressed to another node, say) is skipped and the request is
   * answered 400 naming the error; the others are still delivered.
   */
  readonly receive: (message: Message) => void;
  /** Largest request body in bytes; a bigger one is answered 413 unread. Default 8 MiB. */
  readonly maxBodyBytes?: number;
  /** The fault hook (drops messages from peers whose link is cut inbound); default none. */
  readonly faults?: TransportFaults;
  /**
   * This node's `HttpTransport` (or anything with its `holdReply`), to send this node's messages
   * for the requester back in the answer, when the requester asks (`x-bulwark-replies: 1`, sent
   * by a transport with a receiver): the answer is then 200 with a frame, or 204 when the node
   * sent the requester nothing within the turn. Default none: always 204 at once.
   */
  readonly replies?: PeerReplies;
}

/** What {@link PeerHandlerOptions.replies} needs: `HttpTransport.holdReply`. */
export interface PeerReplies {
  holdReply(peer: NodeId, answer: (frame: Uint8Array | undefined) => void): void;
}

/** The default {@link PeerHandlerOptions.maxBodyBytes}: 8 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The receiving end of {@link HttpTransport}: a `node:http` (and Express-compatible) handler for
 * `POST <path>` carrying a frame of Raft messages. It answers
 * - 405 for another method; 401 when the bearer token is missing or wrong (compared in constant
 *   time: both sides hashed, then `crypto.timingSafeEqual`), before reading the body;
 * - 413 when the body is over `maxBodyBytes` (by `content-length`, or counted while reading),
 *   closing the connection instead of reading on;
 * - 400 with JSON `{ error: 'bad-frame', message, offset }` when the frame does not decode
 *   (nothing is delivered), or `{ error: 'rejected', message }` when `receive` threw;
 * - 204 once every message went to `receive`; or, with `replies` and a requester that asks,
 *   200 with a frame of this node's messages for the requester (see {@link PeerReplies}).
 * It never throws: whatever a peer sends, the process keeps running.
 *
 * @example
 * const handler = createPeerHandler({ token: process.env.CLUSTER_TOKEN!, receive: (m) => node.receive(m) });
 * http.createServer((req, res) => (req.url === '/raft/messages' ? handler(req, res) : notFound(res))).listen(7001);
 * @throws {TypeError} when `token` is empty, `receive` is not a function or `maxBodyBytes` is not a positive integer
 */
export function createPeerHandler(options: PeerHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const token = checkToken('createPeerHandler', options?.token);
  if (typeof options.receive !== 'function') throw new TypeError('createPeerHandler: options.receive must be a function');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(`createPeerHandler: options.maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`);
  }
  const expected = digest(token);
  const { receive, faults, replies } = options;
  if (replies !== undefined && typeof replies?.holdReply !== 'function') throw new TypeError('createPeerHandler: options.replies must have a holdReply() method');

  const deliver = (req: IncomingMessage, res: ServerResponse, body: Uint8Array): void => {
    let messages: Message[];
    try {
      messages = decodeFrame(body);
    } catch (error) {
      if (!isFrameError(error)) throw error;
      reply(res, 400, { error: 'bad-frame', message: error.message, offset: error.offset });
      return;
    }
    // Hold the answer before delivering, so that what the node sends back at once rides on it too.
    const sender = replies !== undefined && req.headers[REPLIES_HEADER] === '1' ? soleSender(messages) : undefined;
    let delivered = false;
    let early: { frame: Uint8Array | undefined } | undefined;
    const answer = (frame: Uint8Array | undefined): void => {
      if (res.writableEnded || res.destroyed) return; // answered 400, or the requester is gone
      if (frame === undefined) {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.statusCode = 200;
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('content-length', frame.byteLength);
      res.end(frame);
    };
    if (sender !== undefined) replies?.holdReply(sender, (frame) => (delivered ? answer(frame) : (early = { frame })));
    let failure: unknown;
    for (const message of messages) {
      if (faults !== undefined && !faults.inbound(message.from)) continue;
      try {
        receive(message);
      } catch (error) {
        failure ??= error;
      }
    }
    delivered = true;
    if (failure !== undefined) {
      reply(res, 400, { error: 'rejected', message: failure instanceof Error ? failure.message : String(failure) });
    } else if (sender === undefined) {
      res.statusCode = 204;
      res.end();
    } else if (early !== undefined) answer(early.frame);
  };

  return (req, res) => {
    try {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        reply(res, 405, { error: 'method-not-allowed', message: 'use POST' });
        req.resume();
        return;
      }
      if (!tokenMatches(bearerToken(req.headers.authorization), expected)) {
        reply(res, 401, { error: 'unauthorized', message: 'missing or wrong cluster token' });
        req.resume();
        return;
      }
      const parsed = (req as IncomingMessage & { body?: unknown }).body;
      if (parsed instanceof Uint8Array) {
        // An Express raw() body parser already read it.
        if (parsed.byteLength > maxBodyBytes) tooLarge(req, res, maxBodyBytes);
        else deliver(req, res, parsed);
        return;
      }
      if (req.readableEnded) {
        // A body parser ahead of this handler consumed the stream without leaving the bytes.
        reply(res, 400, { error: 'body-consumed', message: 'the request body was already read; mount a raw body parser, or none, on this route' });
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBodyBytes) {
        tooLarge(req, res, maxBodyBytes);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (chunk: Buffer) => {
        if (over) return;
        size += chunk.byteLength;
        if (size > maxBodyBytes) {
          over = true;
          tooLarge(req, res, maxBodyBytes);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (over || res.headersSent) return;
        try {
          deliver(req, res, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        } catch (error) {
          reply(res, 500, { error: 'internal', message: error instanceof Error ? error.message : String(error) });
        }
      });
      req.on('error', () => {
        if (!res.headersSent) res.destroy();
      });
    } catch (error) {
      if (!res.headersSent) reply(res, 500, { error: 'internal', message: error instanceof Error ? error.message : String(error) });
    }
  };
}

// The one node every message is from (the requester), or undefined.
function soleSender(messages: readonly Message[]): NodeId | undefined {
  const from = messages[0]?.from;
  return from !== undefined && messages.every((m) => m.from === from) ? from : undefined;
}

function reply(res: ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

// Answers 413 and closes the connection once the answer is out: reading on would cost what the
// limit is there to prevent.
function tooLarge(req: IncomingMessage, res: ServerResponse, limit: number): void {
  res.setHeader('connection', 'close');
  reply(res, 413, { error: 'too-large', message: `the body is over ${limit} bytes`, maxBodyBytes: limit });
  res.once('finish', () => req.destroy());
}
