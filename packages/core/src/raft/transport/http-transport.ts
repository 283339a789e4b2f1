import * as http from 'node:http';
import type { Socket } from 'node:net';
import { CircuitBreaker } from '../../policies/circuit-breaker/circuit-breaker.js';
import type { BreakerPermit } from '../../policies/circuit-breaker/breaker-permit.js';
import type { CircuitBreakerOptions } from '../../policies/circuit-breaker/options.js';
import { show } from '../../policies/validate.js';
import { type Clock, type TimerHandle, systemClock } from '../../time/clock.js';
import { type Random, systemRandom } from '../../time/random.js';
import type { NodeId } from '../entry.js';
import type { Message } from '../messages.js';
import type { Transport } from '../node/transport.js';
import { checkToken } from './cluster-token.js';
import { FRAME_HEADER, decodeFrame, encodeFrame, encodeMessage } from './message-codec.js';
import { STREAM_PROTOCOL, frameLength } from './peer-stream.js';
import type { TransportFaults } from './transport-faults.js';

/** Options of {@link HttpTransport}. Durations in ms, sizes in bytes. */
export interface HttpTransportOptions {
  /** This node's id; required. Messages are sent as from it; a peer entry for it is ignored. */
  readonly id: NodeId;
  /** Peer id → base URL (`http://host:port`, optionally with a path prefix); required. */
  readonly peers: Readonly<Record<NodeId, string>>;
  /** The cluster token, sent as `authorization: Bearer <token>`; required, non-empty. */
  readonly token: string;
  /** The peers' endpoint, appended to their base URL. Default `'/raft/messages'`. */
  readonly path?: string;
  /** The fault hook (drop, delay, partition); absent means no faults. */
  readonly faults?: TransportFaults;
  /** Timers for request timeouts and the breakers. Default the system clock. */
  readonly clock?: Clock;
  /** Randomness for the breakers (jitter). Default `Math.random`. */
  readonly random?: Random;
  /** Most bytes of encoded messages in one request (one message always goes). Default 1 MiB. */
  readonly maxBatchBytes?: number;
  /** Most requests in flight to one peer (pipelining; also the sockets kept per peer). Default 4. */
  readonly maxInflightPerPeer?: number;
  /**
   * Most bytes queued for one peer while its requests are in flight; beyond it the oldest
   * messages are dropped (counted in `dropped`). Default 16 MiB.
   */
  readonly maxQueueBytes?: number;
  /** A request not answered within this is aborted and counts as a failure. Default 2000. */
  readonly requestTimeoutMs?: number;
  /**
   * Options of each peer's {@link CircuitBreaker}, over the defaults: open after 3 failed requests
   * in a row (`slidingWindow: { kind: 'consecutive', failures: 3 }`), try one request again after
   * `resetTimeout` 1000 ms. `clock`, `random` and `name` are set by the transport.
   */
  readonly breaker?: Omit<CircuitBreakerOptions, 'clock' | 'random' | 'name'>;
  /**
   * Send over one long-lived stream per peer instead of a POST per batch: `GET <path>` upgraded
   * to `bulwark-raft/1` (the token checked once, at the upgrade), then frames written as they
   * come, with no answers — the peer's messages come back on its own stream to this node. The
   * peer must run {@link createPeerStreamHandler} on its server's `'upgrade'` event. A peer that
   * answers the upgrade 404 or 405 (no stream handler) gets POSTs from then on, until its URL
   * changes. Opening a stream takes a breaker permit, settled once the stream has lasted
   * `requestTimeoutMs` (a success) or ended sooner (a failure). Default false.
   */
  readonly streams?: boolean;
}

/** One peer's state, from {@link HttpTransport.peerStates}. */
export interface PeerState {
  readonly id: NodeId;
  readonly url: string;
  /** The peer's breaker: `'open'` while its messages are dropped at once. */
  readonly breaker: 'closed' | 'open' | 'halfOpen';
  /** Requests in flight. */
  readonly inflight: number;
  /** Bytes of messages waiting for a request. */
  readonly queuedBytes: number;
  /** Messages delivered (their request was answered 2xx). */
  readonly sent: number;
  /** Messages dropped: breaker open, queue full, request failed, or the fault hook. */
  readonly dropped: number;
  /** Messages the peer sent back in its answers (see {@link HttpTransport.setReceiver}). */
  readonly received: number;
  /** Messages this node sent back in its answers to the peer's requests (see {@link HttpTransport.holdReply}). */
  readonly replied: number;
  /** The last request failure's message, if any. */
  readonly lastError: string | undefined;
  /**
   * The peer's stream ({@link HttpTransportOptions.streams}): `'off'` when streams are off,
   * `'closed'` until a message opens it, `'connecting'`, `'open'`, or `'unsupported'` when the
   * peer answered the upgrade without a stream handler (its messages go as POSTs).
   */
  readonly stream: 'off' | 'closed' | 'connecting' | 'open' | 'unsupported';
}

/**
 * The most bytes of messages one answer carries back ({@link HttpTransport.holdReply}); a
 * requester aborts an answer whose body is bigger. Messages past it take their own request.
 */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** The most a frame adds to its messages: the header and the message count (a varint of up to 5 bytes). */
const REPLY_FRAME_OVERHEAD = FRAME_HEADER.byteLength + 5;

/** The request header by which a requester says it takes messages back in the answer. */
export const REPLIES_HEADER = 'x-bulwark-replies';

/** A held answer to one of the peer's requests (see {@link HttpTransport.holdReply}). */
interface HeldReply {
  readonly answer: (frame: Uint8Array | undefined) => void;
  readonly batch: Uint8Array[];
  bytes: number;
  done: boolean;
}

/** The breaker defaults for a peer: 3 failed requests in a row open it; a trial after 1 s. */
export const PEER_BREAKER_DEFAULTS: Readonly<CircuitBreakerOptions> = Object.freeze({
  timeout: false,
  resetTimeout: 1000,
  slidingWindow: Object.freeze({ kind: 'consecutive', failures: 3 }),
}) as Readonly<CircuitBreakerOptions>;

/** An open stream's opening permit, settled once the stream has lasted (or not). */
interface Trial {
  readonly permit: BreakerPermit;
  readonly timer: TimerHandle;
}

/** TCP keep-alive on streams: a peer that is gone without a word is noticed (ms of idle before probing). */
const KEEPALIVE_MS = 5000;

interface Link {
  readonly id: NodeId;
  url: string;
  target: { hostname: string; port: number; path: string };
  readonly breaker: CircuitBreaker;
  queue: Uint8Array[];
  head: number;
  queuedBytes: number;
  inflight: number;
  sent: number;
  dropped: number;
  received: number;
  replied: number;
  /** Answers to the peer's requests, held to carry this node's messages back (oldest first). */
  held: HeldReply[];
  scheduled: boolean;
  lastError: string | undefined;
  /** Requests in flight, each with what settles it. */
  readonly requests: Map<http.ClientRequest, (error: Error) => void>;
  removed: boolean;
  /** The stream's state (see {@link PeerState.stream}); 'off' for every link when streams are off. */
  stream: PeerState['stream'];
  /** The open stream's socket. */
  socket: Socket | undefined;
  /** Cancels the stream's opening (its upgrade request) while under way, releasing its permit. */
  opening: (() => void) | undefined;
  /** The open stream's opening permit, until the stream has lasted requestTimeoutMs. */
  trial: Trial | undefined;
  /** Runs out when a full socket has not drained for requestTimeoutMs: the peer is stuck. */
  stall: TimerHandle | undefined;
}

const WHERE = 'HttpTransport';

function positiveInteger(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`${WHERE}: options.${name} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

function parsePeerUrl(id: NodeId, url: unknown, path: string): { hostname: string; port: number; path: string } {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`${WHERE}: options.peers[${JSON.stringify(id)}] must be an http:// URL, got ${show(url)}`);
  }
  if (typeof url !== 'string' || parsed.protocol !== 'http:') {
    throw new TypeError(`${WHERE}: options.peers[${JSON.stringify(id)}] must be an http:// URL, got ${show(url)}`);
  }
  const base = parsed.pathname.replace(/\/+$/, '');
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { hostname, port: parsed.port === '' ? 80 : Number(parsed.port), path: `${base}${path}` };
}

/**
 * Sends Raft messages to peers over HTTP/1.1 (`node:http`): `POST <peer URL><path>` with a binary
 * frame of messages (see `message-codec.ts`) and the cluster token. Received by
 * {@link createPeerHandler} on the other side.
 *
 * - **Keep-alive**: one `http.Agent` with `keepAlive`, at most `maxInflightPerPeer` sockets per peer.
 * - **Pipelining**: up to `maxInflightPerPeer` requests in flight to a peer at once.
 * - **Batching**: messages for a peer queue while its requests are in flight; the next request
 *   carries everything queued (up to `maxBatchBytes`). Messages handed over in one turn of the
 *   event loop (a Ready's) go together.
 * - **A breaker per peer** (core {@link CircuitBreaker}, permits): failed requests (network
 *   error, timeout, non-2xx) open it; while open, messages to that peer are dropped at once —
 *   Raft retries by itself — and a half-open trial request tells when the peer is back.
 * - **Bounded**: per-peer queue capped at `maxQueueBytes` (oldest dropped), requests aborted
 *   after `requestTimeoutMs`.
 * - **Answers carry messages back** (with {@link HttpTransport.setReceiver} here and
 *   {@link HttpTransport.holdReply} behind the peer's handler): a follower's acknowledgement
 *   comes back in the answer to the append it acknowledges, not in a request of its own.
 * - **Streams** (`streams: true`): one long-lived connection per peer instead of a POST per
 *   batch — `GET <path>` upgraded to `bulwark-raft/1`, then length-prefixed frames with no
 *   answers, received by {@link createPeerStreamHandler}; the breaker, queue cap and timeout
 *   apply to opening it and to a socket that stops draining. See design.md, "Streams".
 *
 * `send` never throws and never blocks; delivery is best effort (Raft tolerates loss,
 * duplication and reordering; requests in flight at once may arrive out of order).
 *
 * @example
 * const transport = new HttpTransport({ id: 'a', peers: { b: 'http://10.0.0.2:7001', c: 'http://10.0.0.3:7001' }, token });
 * const node = new RaftNode({ id: 'a', storage, transport, stateMachine, clock: systemClock, random: systemRandom });
 * // …
 * await node.stop();
 * await transport.close();
 * @throws {TypeError | RangeError} from the constructor, for a missing or bad option (named)
 */
export class HttpTransport implements Transport {
  readonly id: NodeId;
  readonly #token: string;
  readonly #path: string;
  readonly #faults: TransportFaults | undefined;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #maxBatchBytes: number;
  readonly #maxInflight: number;
  readonly #maxQueueBytes: number;
  readonly #timeoutMs: number;
  readonly #breakerOptions: CircuitBreakerOptions;
  readonly #agent: http.Agent;
  readonly #links = new Map<NodeId, Link>();
  readonly #delays = new Set<TimerHandle>();
  readonly #streams: boolean;
  #closed = false;
  #receive: ((message: Message) => void) | undefined;
  /** Messages addressed to no known peer. */
  #unroutable = 0;

  constructor(options: HttpTransportOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${WHERE}: options must be an object`);
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError(`${WHERE}: options.id must be a non-empty string, got ${show(options.id)}`);
    this.id = options.id;
    this.#token = checkToken(WHERE, options.token);
    const path = options.path ?? '/raft/messages';
    if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`${WHERE}: options.path must start with '/', got ${show(path)}`);
    this.#path = path;
    this.#faults = options.faults;
    if (options.clock !== undefined && typeof options.clock?.setTimeout !== 'function') throw new TypeError(`${WHERE}: options.clock must be a Clock`);
    if (options.random !== undefined && typeof options.random !== 'function') throw new TypeError(`${WHERE}: options.random must be a function returning [0, 1)`);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? systemRandom;
    this.#maxBatchBytes = positiveInteger('maxBatchBytes', options.maxBatchBytes, 1024 * 1024);
    this.#maxInflight = positiveInteger('maxInflightPerPeer', options.maxInflightPerPeer, 4);
    this.#maxQueueBytes = positiveInteger('maxQueueBytes', options.maxQueueBytes, 16 * 1024 * 1024);
    this.#timeoutMs = positiveInteger('requestTimeoutMs', options.requestTimeoutMs, 2000);
    if (options.breaker !== undefined && (typeof options.breaker !== 'object' || options.breaker === null)) {
      throw new TypeError(`${WHERE}: options.breaker must be an object of CircuitBreaker options`);
    }
    this.#breakerOptions = { ...PEER_BREAKER_DEFAULTS, ...options.breaker };
    if (options.streams !== undefined && typeof options.streams !== 'boolean') throw new TypeError(`${WHERE}: options.streams must be a boolean, got ${show(options.streams)}`);
    this.#streams = options.streams ?? false;
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: this.#maxInflight, keepAliveMsecs: 1000, noDelay: true } as http.AgentOptions);
    this.setPeers(options.peers);
  }

  /**
   * Replaces the peer list (a membership change): new peers get a link, removed ones are dropped
   * with their queue, and a changed URL applies to the next request.
   *
   * @throws {TypeError} when `peers` is not an object of http:// URLs (the list is then unchanged)
   */
  setPeers(peers: Readonly<Record<NodeId, string>>): void {
    if (typeof peers !== 'object' || peers === null || Array.isArray(peers)) throw new TypeError(`${WHERE}: options.peers must be an object of id → URL`);
    const next = new Map<NodeId, { url: string; target: Link['target'] }>();
    for (const [id, url] of Object.entries(peers)) {
      if (id === this.id || id === '') continue;
      next.set(id, { url, target: parsePeerUrl(id, url, this.#path) });
    }
    for (const [id, link] of this.#links) {
      if (next.has(id)) continue;
      this.#links.delete(id);
      link.removed = true;
      this.#dropQueue(link);
      this.#releaseHeld(link);
      this.#closeStream(link);
      link.breaker.shutdown();
    }
    for (const [id, { url, target }] of next) {
      const link = this.#links.get(id);
      if (link !== undefined) {
        if (link.url !== url) {
          // The next message opens a stream to the new address (which may have a stream handler).
          this.#closeStream(link);
          if (link.stream === 'unsupported') link.stream = 'closed';
          if (link.head < link.queue.length) this.#schedule(link);
        }
        link.url = url;
        link.target = target;
        continue;
      }
      this.#links.set(id, {
        id,
        url,
        target,
        breaker: new CircuitBreaker(() => undefined, { ...this.#breakerOptions, name: `raft-peer:${id}`, clock: this.#clock, random: this.#random }),
        queue: [],
        head: 0,
        queuedBytes: 0,
        inflight: 0,
        sent: 0,
        dropped: 0,
        received: 0,
        replied: 0,
        held: [],
        scheduled: false,
        lastError: undefined,
        requests: new Map(),
        removed: false,
        stream: this.#streams ? 'closed' : 'off',
        socket: undefined,
        opening: undefined,
        trial: undefined,
        stall: undefined,
      });
    }
  }

  /** Queues each message for its peer (see the class notes); never throws, never blocks. */
  send(messages: readonly Message[]): void {
    if (this.#closed) return;
    let delayed: Array<[Link, Uint8Array]> | undefined;
    let delayMs = 0;
    for (const message of messages) {
      const link = this.#links.get(message.to);
      if (link === undefined) {
        this.#unroutable++;
        continue;
      }
      if (this.#faults !== undefined) {
        const fault = this.#faults.outbound(message.to);
        if (fault.drop) {
          link.dropped++;
          continue;
        }
        if (fault.delayMs > 0) {
          const bytes = this.#encode(link, message);
          if (bytes === undefined) continue;
          (delayed ??= []).push([link, bytes]);
          delayMs = fault.delayMs;
          continue;
        }
      }
      const bytes = this.#encode(link, message);
      if (bytes !== undefined) this.#route(link, bytes);
    }
    if (delayed !== undefined) {
      const held = delayed;
      const clock = this.#faults?.clock ?? this.#clock;
      const timer = clock.setTimeout(() => {
        this.#delays.delete(timer);
        if (this.#closed) return;
        for (const [link, bytes] of held) if (!link.removed) this.#enqueue(link, bytes);
      }, delayMs);
      this.#delays.add(timer);
    }
  }

  /**
   * Where the messages peers send back in their answers go (usually `(m) => node.receive(m)`,
   * as the peer handler's `receive`). Once set, requests ask for them (header
   * `x-bulwark-replies: 1`): a peer running {@link createPeerHandler} with `replies` answers with
   * the messages its node sent this node while handling the request — a follower's append
   * acknowledgement rides on the answer to the append — instead of a request of its own. That
   * halves the HTTP exchanges (and syscalls) per replicated entry. A receiver that throws is
   * ignored for that message.
   *
   * @throws {TypeError} when `receive` is not a function
   */
  setReceiver(receive: (message: Message) => void): void {
    if (typeof receive !== 'function') throw new TypeError(`${WHERE}: setReceiver(receive) needs a function`);
    this.#receive = receive;
  }

  /**
   * Holds the answer to a request from `peer` (the peer handler calls it once the request's
   * messages are delivered): messages this transport is given for `peer` before the end of the
   * current turn of the event loop go in that answer — `answer(frame)`, once, with an encoded
   * frame of at most {@link MAX_REPLY_BYTES} — instead of a request of their own; with none by
   * then, `answer(undefined)` (answer 204). A node that handles a message synchronously (its
   * storage's fsync is synchronous, as `FilePersistentStorage`'s) sends its response within the
   * turn. Answers held for an unknown peer, a broken-open one, or after `close()` are released
   * at once. Messages the fault hook delays never ride on an answer.
   */
  holdReply(peer: NodeId, answer: (frame: Uint8Array | undefined) => void): void {
    const link = this.#links.get(peer);
    if (this.#closed || link === undefined || link.breaker.opened || link.breaker.isShutdown) {
      answer(undefined);
      return;
    }
    const held: HeldReply = { answer, batch: [], bytes: 0, done: false };
    link.held.push(held);
    setImmediate(() => this.#answer(link, held));
  }

  /** Each peer's link: breaker state, requests in flight, queue and counters. */
  peerStates(): PeerState[] {
    return [...this.#links.values()].map((link) => ({
      id: link.id,
      url: link.url,
      breaker: breakerState(link.breaker),
      inflight: link.inflight,
      queuedBytes: link.queuedBytes,
      sent: link.sent,
      dropped: link.dropped,
      received: link.received,
      replied: link.replied,
      lastError: link.lastError,
      stream: link.stream,
    }));
  }

  /** Messages dropped because no peer of that id is known. */
  get unroutable(): number {
    return this.#unroutable;
  }

  /**
   * Stops sending: drops every queue, aborts the requests in flight, shuts the breakers down and
   * destroys the agent's sockets. `send` does nothing afterwards.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#delays) (this.#faults?.clock ?? this.#clock).clearTimeout(timer);
    this.#delays.clear();
    for (const link of this.#links.values()) {
      this.#dropQueue(link);
      this.#releaseHeld(link);
      for (const [request, finish] of link.requests) {
        finish(new Error('transport closed'));
        request.destroy();
      }
      link.requests.clear();
      this.#closeStream(link);
      link.breaker.shutdown();
    }
    this.#agent.destroy();
  }

  #encode(link: Link, message: Message): Uint8Array | undefined {
    try {
      return encodeMessage(message);
    } catch (error) {
      link.dropped++;
      link.lastError = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }

  // A message rides on a held answer to the peer when one is open and has room; otherwise it queues.
  #route(link: Link, bytes: Uint8Array): void {
    const held = link.held[0];
    // The answer is a frame: its header and message count (at most 5 bytes) count against the
    // requester's MAX_REPLY_BYTES too, or an answer just under the limit in messages is refused.
    if (held !== undefined && held.bytes + bytes.byteLength <= Math.min(this.#maxBatchBytes, MAX_REPLY_BYTES - REPLY_FRAME_OVERHEAD)) {
      const first = held.batch.length === 0;
      held.batch.push(bytes);
      held.bytes += bytes.byteLength;
      // One microtask later, so that every message of this call (a Ready's) goes in the answer.
      if (first) queueMicrotask(() => this.#answer(link, held));
      return;
    }
    this.#enqueue(link, bytes);
  }

  #answer(link: Link, held: HeldReply): void {
    if (held.done) return;
    held.done = true;
    const at = link.held.indexOf(held);
    if (at >= 0) link.held.splice(at, 1);
    if (held.batch.length > 0) link.replied += held.batch.length;
    try {
      held.answer(held.batch.length === 0 ? undefined : encodeFrame(held.batch));
    } catch {
      // the answer's socket is gone: Raft resends what was lost
    }
  }

  #releaseHeld(link: Link): void {
    for (const held of link.held.splice(0)) {
      if (held.done) continue;
      held.done = true;
      if (held.batch.length > 0) link.dropped += held.batch.length;
      try {
        held.answer(undefined);
      } catch {
        // as in #answer
      }
    }
  }

  #enqueue(link: Link, bytes: Uint8Array): void {
    if (link.breaker.opened || link.breaker.isolated || link.breaker.isShutdown) {
      link.dropped++; // the peer is down: Raft resends once it answers again
      return;
    }
    link.queue.push(bytes);
    link.queuedBytes += bytes.byteLength;
    while (link.queuedBytes > this.#maxQueueBytes && link.head < link.queue.length - 1) {
      link.queuedBytes -= (link.queue[link.head] as Uint8Array).byteLength;
      link.queue[link.head++] = EMPTY;
      link.dropped++;
    }
    compactQueue(link);
    this.#schedule(link);
  }

  // One microtask later, so that every message of this turn (a Ready's) goes in one request.
  #schedule(link: Link): void {
    if (link.scheduled) return;
    link.scheduled = true;
    queueMicrotask(() => {
      link.scheduled = false;
      this.#pump(link);
    });
  }

  #pump(link: Link): void {
    if (link.stream !== 'off' && link.stream !== 'unsupported') {
      this.#pumpStream(link);
      return;
    }
    while (!this.#closed && !link.removed && link.inflight < this.#maxInflight && link.head < link.queue.length) {
      const permit = this.#permit(link);
      if (permit === undefined) return;
      this.#post(link, this.#takeBatch(link), permit);
    }
  }

  // A breaker permit for a request (or a stream's opening); undefined when the breaker refuses:
  // open, drop what waits; half-open with the trial out, wait for its outcome.
  #permit(link: Link): BreakerPermit | undefined {
    try {
      return link.breaker.acquirePermit();
    } catch {
      if (link.breaker.opened || link.breaker.isShutdown) this.#dropQueue(link);
      return undefined;
    }
  }

  // The queued messages for one request or frame: at least one, at most maxBatchBytes in all.
  #takeBatch(link: Link): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let bytes = 0;
    while (link.head < link.queue.length) {
      const next = link.queue[link.head] as Uint8Array;
      if (batch.length > 0 && bytes + next.byteLength > this.#maxBatchBytes) break;
      batch.push(next);
      bytes += next.byteLength;
      link.queue[link.head++] = EMPTY;
    }
    link.queuedBytes -= bytes;
    if (link.head === link.queue.length) {
      link.queue = [];
      link.head = 0;
    } else compactQueue(link);
    return batch;
  }

  // Streams: writes what is queued while the socket takes it (a full socket resumes on 'drain';
  // beyond maxQueueBytes the queue drops its oldest), or opens the stream first.
  #pumpStream(link: Link): void {
    if (this.#closed || link.removed || link.head >= link.queue.length) return;
    if (link.stream === 'closed') {
      this.#openStream(link);
      return;
    }
    const socket = link.socket;
    // A socket ending (destroyed, its 'close' still to come) takes nothing: what waits goes on the next stream.
    if (link.stream !== 'open' || socket === undefined || socket.destroyed || !socket.writable) return;
    while (link.head < link.queue.length && !socket.writableNeedDrain) {
      const batch = this.#takeBatch(link);
      const frame = encodeFrame(batch);
      link.inflight++;
      socket.cork();
      socket.write(frameLength(frame.byteLength));
      socket.write(frame, (error) => {
        link.inflight--;
        if (error === undefined || error === null) link.sent += batch.length;
        else {
          link.dropped += batch.length;
          if (link.socket === socket) link.lastError = error.message; // not the cancel of a stream this transport ended
        }
      });
      socket.uncork();
    }
    // A peer that stops reading (paused, or stuck) fills the socket: after requestTimeoutMs
    // without a 'drain' it counts as a failed request, and its stream goes (as a POST's timeout).
    if (socket.writableNeedDrain && link.stall === undefined) {
      link.stall = this.#clock.setTimeout(() => {
        link.stall = undefined;
        if (link.socket !== socket || !socket.writableNeedDrain) return;
        const error = new Error(`the stream to ${link.id} did not drain in ${this.#timeoutMs} ms`);
        link.lastError = error.message;
        this.#permit(link)?.fail(error);
        this.#closeStream(link); // its unwritten frames count as dropped
        this.#schedule(link); // what waits opens another, through the breaker
      }, this.#timeoutMs);
    }
  }

  // Opens the stream: GET <path> with upgrade: bulwark-raft/1 and the token, under a breaker
  // permit and requestTimeoutMs. A failure drops what waits (Raft resends). The permit is
  // settled only once the stream has lasted requestTimeoutMs (a success) or ended before it (a
  // failure: a peer that closes every stream at once — it cannot take a frame, say — opens the
  // breaker as a peer that refuses every request does), or released when this node ends it.
  #openStream(link: Link): void {
    const permit = this.#permit(link);
    if (permit === undefined) return;
    link.stream = 'connecting';
    const { hostname, port, path } = link.target;
    const request = http.request({
      hostname,
      port,
      path,
      method: 'GET',
      agent: false,
      headers: { authorization: `Bearer ${this.#token}`, connection: 'Upgrade', upgrade: STREAM_PROTOCOL },
    });
    let settled = false;
    // Ends the opening once (timer cleared, no longer the link's); false when it had ended.
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.#clock.clearTimeout(timer);
      if (link.opening === opening) {
        link.opening = undefined;
        if (link.stream === 'connecting') link.stream = 'closed';
      }
      return true;
    };
    const opening = (): void => {
      if (!settle()) return;
      request.destroy();
      permit.release();
    };
    link.opening = opening;
    const fail = (error: Error): void => {
      if (!settle()) return;
      request.destroy();
      if (this.#closed || link.removed) {
        permit.release();
        return;
      }
      link.lastError = error.message;
      permit.fail(error);
      this.#dropQueue(link);
    };
    const timer: TimerHandle = this.#clock.setTimeout(() => fail(new Error(`opening a stream to ${link.id} timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
    request.on('upgrade', (response, socket: Socket, head: Buffer) => {
      if (settled || this.#closed || link.removed) {
        socket.destroy(); // timed out or cancelled meanwhile
        opening();
        return;
      }
      if ((response.headers.upgrade ?? '').toLowerCase() !== STREAM_PROTOCOL || head.byteLength > 0) {
        socket.destroy();
        fail(new Error(`${link.id} upgraded to ${show(response.headers.upgrade)}, not ${STREAM_PROTOCOL}`));
        return;
      }
      settle();
      this.#adopt(link, socket, permit);
    });
    request.on('response', (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      if (status !== 404 && status !== 405) {
        fail(new Error(`${link.id} answered ${status} to a stream`));
        return;
      }
      if (!settle()) return;
      // No stream handler there: POSTs from now on, for this URL.
      if (this.#closed || link.removed) {
        permit.release();
        return;
      }
      permit.succeed();
      link.stream = 'unsupported';
      this.#schedule(link);
    });
    request.on('error', (error) => fail(error));
    request.end();
  }

  // The link's stream is now `socket`; `permit` (its opening's) waits for it to last requestTimeoutMs.
  #adopt(link: Link, socket: Socket, permit: BreakerPermit): void {
    this.#closeStream(link); // none open, but never two
    const openedAt = this.#clock.now();
    const trial: Trial = {
      permit,
      timer: this.#clock.setTimeout(() => {
        if (link.trial !== trial) return;
        link.trial = undefined;
        permit.succeed();
      }, this.#timeoutMs),
    };
    link.trial = trial;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    socket.on('data', () => socket.destroy()); // the peer sends nothing on this node's stream
    socket.on('end', () => socket.destroy());
    socket.on('drain', () => {
      this.#clearStall(link);
      this.#schedule(link);
    });
    socket.on('error', (error) => {
      if (link.socket === socket) link.lastError = error.message;
    });
    socket.on('close', () => {
      if (link.socket !== socket) return;
      this.#clearStall(link);
      link.socket = undefined;
      link.stream = 'closed';
      if (link.trial === trial) {
        // Ended by the peer (or the network) before it lasted requestTimeoutMs: a failed opening.
        link.trial = undefined;
        this.#clock.clearTimeout(trial.timer);
        const error = new Error(`${link.id} closed the stream after ${this.#clock.now() - openedAt} ms`);
        if (this.#closed || link.removed) permit.release();
        else {
          link.lastError = error.message;
          permit.fail(error);
        }
      }
      // What waits opens a new stream (through the breaker: a peer that is gone opens it).
      if (!this.#closed && !link.removed) this.#schedule(link);
    });
    link.socket = socket;
    link.stream = 'open';
    this.#schedule(link);
  }

  #clearStall(link: Link): void {
    if (link.stall === undefined) return;
    this.#clock.clearTimeout(link.stall);
    link.stall = undefined;
  }

  // Ends the link's stream or its opening, this node's doing: a trial permit is released, not failed.
  #closeStream(link: Link): void {
    this.#clearStall(link);
    link.opening?.();
    link.opening = undefined;
    const trial = link.trial;
    link.trial = undefined;
    if (trial !== undefined) {
      this.#clock.clearTimeout(trial.timer);
      trial.permit.release();
    }
    const socket = link.socket;
    link.socket = undefined;
    socket?.destroy();
    if (link.stream === 'open' || link.stream === 'connecting') link.stream = 'closed';
  }


  #post(link: Link, batch: readonly Uint8Array[], permit: BreakerPermit): void {
    const body = encodeFrame(batch);
    link.inflight++;
    let settled = false;
    const { hostname, port, path } = link.target;
    const headers: http.OutgoingHttpHeaders = {
      authorization: `Bearer ${this.#token}`,
      'content-type': 'application/octet-stream',
      'content-length': body.byteLength,
    };
    const receive = this.#receive;
    if (receive !== undefined) headers[REPLIES_HEADER] = '1';
    const sent = http.request({ agent: this.#agent, hostname, port, path, method: 'POST', headers });
    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      this.#clock.clearTimeout(timer);
      link.requests.delete(sent);
      link.inflight--;
      if (this.#closed || link.removed) {
        permit.release();
        return;
      }
      if (error === undefined) {
        link.sent += batch.length;
        permit.succeed();
      } else {
        link.dropped += batch.length;
        link.lastError = error.message;
        permit.fail(error);
        if (link.breaker.opened) this.#dropQueue(link);
      }
      this.#schedule(link);
    };
    link.requests.set(sent, finish);
    // Events come on later turns: `timer` is set before `finish` can run.
    const timer: TimerHandle = this.#clock.setTimeout(() => {
      const error = new Error(`request to ${link.id} timed out after ${this.#timeoutMs} ms`);
      finish(error);
      sent.destroy(error);
    }, this.#timeoutMs);
    sent.on('response', (response) => {
      const status = response.statusCode ?? 0;
      response.on('error', (error) => finish(error));
      if (status !== 200 || receive === undefined) {
        response.on('end', () => finish(status >= 200 && status < 300 ? undefined : new Error(`${link.id} answered ${status}`)));
        response.resume(); // read the (empty) body, so the socket goes back to the agent
        return;
      }
      // 200: the peer's messages for this node, sent back in the answer.
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > MAX_REPLY_BYTES) {
          const error = new Error(`${link.id} answered with over ${MAX_REPLY_BYTES} bytes`);
          finish(error);
          sent.destroy(error);
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        let messages: Message[];
        try {
          messages = size === 0 ? [] : decodeFrame(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        finish(undefined);
        if (this.#closed) return;
        for (const message of messages) {
          if (message.to !== this.id || (this.#faults !== undefined && !this.#faults.inbound(message.from))) continue;
          link.received++;
          try {
            receive(message);
          } catch {
            // a message the node refuses is dropped, as the peer handler would
          }
        }
      });
    });
    sent.on('error', (error) => finish(error));
    sent.end(body);
  }

  #dropQueue(link: Link): void {
    link.dropped += link.queue.length - link.head;
    link.queue = [];
    link.head = 0;
    link.queuedBytes = 0;
  }
}

const EMPTY = new Uint8Array(0);

// A backlog that never drains must not grow the array: drop the taken slots now and then.
function compactQueue(link: Link): void {
  if (link.head > 1024 && link.head * 2 > link.queue.length) {
    link.queue = link.queue.slice(link.head);
    link.head = 0;
  }
}

function breakerState(breaker: CircuitBreaker): PeerState['breaker'] {
  if (breaker.closed) return 'closed';
  if (breaker.halfOpen) return 'halfOpen';
  return 'open';
}
