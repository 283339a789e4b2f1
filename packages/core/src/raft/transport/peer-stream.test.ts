import * as http from 'node:http';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { ManualClock } from '../../testing/manual-clock.js';
import type { Message } from '../messages.js';
import { HttpTransport, type HttpTransportOptions } from './http-transport.js';
import { encodeMessages } from './message-codec.js';
import { createPeerHandler } from './peer-handler.js';
import { DEFAULT_MAX_FRAME_BYTES, FrameReader, STREAM_PROTOCOL, createPeerStreamHandler, frameLength } from './peer-stream.js';
import type { PeerStreamHandler, PeerStreamHandlerOptions } from './peer-stream.js';
import { type TestServer, closedPort, startServer, turn, until } from './test-servers.js';
import { TransportFaults } from './transport-faults.js';

const token = 'a-cluster-token-of-some-length';
const hb = (to: string, term: number, from = 'a'): Message => ({ type: 'heartbeat', from, to, term, commit: 0 });
const framed = (messages: readonly Message[]): Buffer => {
  const frame = encodeMessages(messages);
  return Buffer.concat([frameLength(frame.byteLength), frame]);
};

/** A peer server: a stream handler on 'upgrade' (optional) and a POST handler (optional) for requests. */
interface StreamPeer {
  readonly server: TestServer;
  readonly streams: PeerStreamHandler | undefined;
  readonly got: Message[];
  readonly posts: Message[];
  readonly url: string;
  /** The server's ends of the streams it took. */
  readonly upgraded: net.Socket[];
}

describe('peer streams', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function peer(options: { streams?: Partial<PeerStreamHandlerOptions> | false; posts?: boolean } = {}): Promise<StreamPeer> {
    const got: Message[] = [];
    const posts: Message[] = [];
    const post = createPeerHandler({ token, receive: (m) => posts.push(m) });
    const server = await startServer((req, res) => {
      if (options.posts === false) {
        res.writeHead(404).end();
        return;
      }
      post(req, res);
    });
    const upgraded: net.Socket[] = [];
    const streams = options.streams === false ? undefined : createPeerStreamHandler({ token, receive: (m) => got.push(m), ...options.streams });
    if (streams !== undefined) {
      server.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
        upgraded.push(socket);
        if (!streams.handleUpgrade(req, socket, head)) socket.destroy();
      });
    }
    cleanup.push(async () => {
      streams?.close();
      await server.close();
    });
    return { server, streams, got, posts, url: server.url, upgraded };
  }

  function transport(options: Partial<HttpTransportOptions> & Pick<HttpTransportOptions, 'peers'>): HttpTransport {
    const t = new HttpTransport({ id: 'a', token, streams: true, ...options });
    cleanup.push(() => t.close());
    return t;
  }

  const state = (t: HttpTransport, id: string) => t.peerStates().find((p) => p.id === id);

  /** Opens a raw upgrade request and returns what the server answered first (status line and body) and the socket. */
  async function upgrade(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; socket?: net.Socket }> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${url}/raft/messages`, { method, agent: false, headers: { connection: 'Upgrade', upgrade: STREAM_PROTOCOL, ...headers } });
      req.on('upgrade', (res, socket: net.Socket) => {
        cleanup.push(() => void socket.destroy());
        resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers, socket });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  describe('FrameReader', () => {
    it('hands over every frame whole, however the bytes are cut', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
          (frames, cuts) => {
            const bytes = Buffer.concat(frames.flatMap((f) => [frameLength(f.byteLength), Buffer.from(f)]));
            const out: Uint8Array[] = [];
            const reader = new FrameReader(300, (frame) => out.push(Uint8Array.from(frame)));
            let at = 0;
            for (let i = 0; at < bytes.byteLength; i++) {
              const size = cuts[i % cuts.length] as number;
              reader.push(bytes.subarray(at, at + size));
              at += size;
            }
            expect(out).toEqual(frames.map((f) => Uint8Array.from(f)));
          },
        ),
      );
    });

    it('throws for an empty frame or one over the limit, and then ignores the rest', () => {
      const out: Uint8Array[] = [];
      const reader = new FrameReader(10, (f) => out.push(f));
      expect(() => reader.push(Buffer.concat([frameLength(11), Buffer.alloc(11)]))).toThrow('a frame of 11 bytes on a peer stream, over the 10-byte limit');
      reader.push(Buffer.concat([frameLength(1), Buffer.alloc(1)]));
      expect(out).toEqual([]);
      const empty = new FrameReader(10, (f) => out.push(f));
      expect(() => empty.push(frameLength(0))).toThrow('an empty frame on a peer stream');
    });

    it('passes on what onFrame throws', () => {
      const reader = new FrameReader(10, () => {
        throw new Error('bad');
      });
      expect(() => reader.push(Buffer.concat([frameLength(1), Buffer.alloc(1)]))).toThrow('bad');
    });
  });

  describe('createPeerStreamHandler', () => {
    it('upgrades an authorized GET and delivers every message of every frame in order', async () => {
      const b = await peer({ posts: false });
      const opened = await upgrade(b.url, { authorization: `Bearer ${token}` });
      expect(opened.status).toBe(101);
      expect(opened.headers.upgrade).toBe(STREAM_PROTOCOL);
      const first = [hb('b', 1, 'c'), hb('b', 2, 'c')];
      const second = [hb('b', 3, 'c')];
      const bytes = Buffer.concat([framed(first), framed(second)]);
      opened.socket?.write(bytes.subarray(0, 7)); // a frame in pieces
      opened.socket?.write(bytes.subarray(7));
      await until(() => b.got.length === 3, 'delivery');
      expect(b.got).toEqual([...first, ...second]);
      expect(b.streams?.stats()).toMatchObject({ open: 1, accepted: 1, refused: 0, broken: 0, received: 3, rejected: 0 });
    });

    it('refuses a missing or wrong token (401), another method (400), and nothing after close (503)', async () => {
      const b = await peer({ posts: false });
      for (const authorization of [undefined, `Bearer ${token}x`, 'Bearer short', `Basic ${token}`]) {
        const answer = await upgrade(b.url, authorization === undefined ? {} : { authorization });
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer realm="bulwark-cluster"');
        expect(JSON.parse(answer.body)).toEqual({ error: 'unauthorized', message: 'missing or wrong cluster token' });
      }
      const post = await upgrade(b.url, { authorization: `Bearer ${token}` }, 'POST');
      expect(post.status).toBe(400);
      expect(JSON.parse(post.body)).toEqual({ error: 'bad-method', message: 'open a stream with GET' });
      b.streams?.close();
      const late = await upgrade(b.url, { authorization: `Bearer ${token}` });
      expect(late.status).toBe(503);
      expect(b.streams?.stats()).toMatchObject({ accepted: 0, refused: 6, lastError: 'this node is stopping' });
    });

    it('does not take other upgrades (another path or protocol): the caller decides', () => {
      const streams = createPeerStreamHandler({ token, receive: () => undefined });
      const socket = new net.Socket();
      const req = (url: string, upgradeTo: string) => ({ url, method: 'GET', headers: { upgrade: upgradeTo } }) as unknown as http.IncomingMessage;
      expect(streams.accepts(req('/raft/messages?x=1', 'Bulwark-Raft/1'))).toBe(true);
      expect(streams.accepts(req('/other', STREAM_PROTOCOL))).toBe(false);
      expect(streams.accepts(req('/raft/messages', 'h2c'))).toBe(false);
      expect(streams.handleUpgrade(req('/other', STREAM_PROTOCOL), socket, Buffer.alloc(0))).toBe(false);
      expect(streams.handleUpgrade(req('/raft/messages', 'websocket'), socket, Buffer.alloc(0))).toBe(false);
      expect(streams.stats()).toMatchObject({ accepted: 0, refused: 0 });
      socket.destroy();
    });

    it('closes a stream that sends a frame over maxFrameBytes or one that does not decode, keeping what came before', async () => {
      const b = await peer({ posts: false, streams: { maxFrameBytes: 64 } });
      const big = await upgrade(b.url, { authorization: `Bearer ${token}` });
      const closed = new Promise<void>((resolve) => big.socket?.on('close', () => resolve()));
      big.socket?.write(Buffer.concat([framed([hb('b', 1, 'c')]), frameLength(65), Buffer.alloc(65)]));
      await closed;
      expect(b.got).toEqual([hb('b', 1, 'c')]);
      expect(b.streams?.stats()).toMatchObject({ broken: 1, lastError: 'a frame of 65 bytes on a peer stream, over the 64-byte limit' });
      const junk = await upgrade(b.url, { authorization: `Bearer ${token}` });
      const closed2 = new Promise<void>((resolve) => junk.socket?.on('close', () => resolve()));
      junk.socket?.write(Buffer.concat([frameLength(5), Buffer.from('hello')]));
      await closed2;
      expect(b.streams?.stats()).toMatchObject({ broken: 2, open: 0, lastError: expect.stringMatching(/bad message frame/) });
    });

    it('skips a message receive throws for and delivers the rest; drops what the fault hook cuts', async () => {
      const faults = new TransportFaults({ clock: new ManualClock(0) });
      const got: Message[] = [];
      const b = await peer({
        posts: false,
        streams: {
          faults,
          receive: (m) => {
            if (m.term === 2) throw new Error('not mine');
            got.push(m);
          },
        },
      });
      faults.set({ partitioned: ['x'] });
      const opened = await upgrade(b.url, { authorization: `Bearer ${token}` });
      opened.socket?.write(framed([hb('b', 1, 'c'), hb('b', 2, 'c'), hb('b', 3, 'x'), hb('b', 4, 'c')]));
      await until(() => got.length === 2, 'delivery');
      expect(got.map((m) => m.term)).toEqual([1, 4]);
      expect(b.streams?.stats()).toMatchObject({ received: 3, rejected: 1 });
    });

    it('close() ends the streams it accepted (the server no longer owns them)', async () => {
      const b = await peer({ posts: false });
      const opened = await upgrade(b.url, { authorization: `Bearer ${token}` });
      const closed = new Promise<void>((resolve) => opened.socket?.on('close', () => resolve()));
      expect(b.streams?.stats().open).toBe(1);
      b.streams?.close();
      await closed;
      expect(b.streams?.stats().open).toBe(0);
    });

    it('validates its options, naming them', () => {
      const receive = (): void => undefined;
      expect(() => createPeerStreamHandler({ token: '', receive })).toThrow(/options\.token/);
      expect(() => createPeerStreamHandler({ token, receive: 3 as never })).toThrow(/options\.receive/);
      expect(() => createPeerStreamHandler({ token, receive, path: 'raft' })).toThrow(/options\.path/);
      expect(() => createPeerStreamHandler({ token, receive, maxFrameBytes: 0 })).toThrow(/options\.maxFrameBytes/);
      expect(DEFAULT_MAX_FRAME_BYTES).toBe(8 * 1024 * 1024);
    });
  });

  describe('HttpTransport with streams: true', () => {
    it('sends over one long-lived connection per peer, with the token at the upgrade', async () => {
      const b = await peer();
      const t = transport({ peers: { b: b.url } });
      expect(state(t, 'b')?.stream).toBe('closed');
      for (let i = 1; i <= 30; i++) {
        t.send([hb('b', i)]);
        await until(() => b.got.length === i, `message ${i}`);
      }
      expect(b.got.map((m) => m.term)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(b.posts).toEqual([]);
      expect(b.server.connections).toBe(1);
      await until(() => state(t, 'b')?.sent === 30, 'the writes');
      expect(state(t, 'b')).toMatchObject({ stream: 'open', breaker: 'closed', sent: 30, dropped: 0, inflight: 0 });
      expect(b.streams?.stats()).toMatchObject({ accepted: 1, open: 1 });
    });

    it("queues a Ready's messages while the stream opens and sends them as one frame", async () => {
      const b = await peer();
      const t = transport({ peers: { b: b.url } });
      t.send([hb('b', 1), hb('b', 2)]);
      t.send([hb('b', 3)]);
      expect(state(t, 'b')?.stream).toBe('closed'); // opened one microtask later
      await until(() => b.got.length === 3, 'delivery');
      expect(b.got.map((m) => m.term)).toEqual([1, 2, 3]);
    });

    it('falls back to POSTs for a peer without a stream handler (405 or 404 to the upgrade)', async () => {
      const b = await peer({ streams: false });
      const t = transport({ peers: { b: b.url } });
      t.send([hb('b', 1)]);
      await until(() => b.posts.length === 1 && state(t, 'b')?.sent === 1, 'the POST');
      expect(state(t, 'b')).toMatchObject({ stream: 'unsupported', breaker: 'closed', sent: 1 });
      t.send([hb('b', 2)]);
      await until(() => b.posts.length === 2, 'another POST');
      const bare = await startServer((req, res) => res.writeHead(req.method === 'GET' ? 404 : 204).end());
      cleanup.push(() => bare.close());
      t.setPeers({ b: bare.url }); // a new address is asked again
      expect(state(t, 'b')?.stream).toBe('closed');
      t.send([hb('b', 3)]);
      await until(() => state(t, 'b')?.sent === 3, 'the POST to the new address');
      expect(state(t, 'b')?.stream).toBe('unsupported');
    });

    it('counts a refused upgrade as a failure and drops what waited', async () => {
      const b = await peer();
      const t = transport({ peers: { b: b.url }, token: 'another-token-entirely', breaker: { slidingWindow: { kind: 'consecutive', failures: 2 } } });
      t.send([hb('b', 1), hb('b', 2)]);
      await until(() => state(t, 'b')?.dropped === 2, 'the refusal');
      expect(state(t, 'b')).toMatchObject({ stream: 'closed', breaker: 'closed', lastError: 'b answered 401 to a stream' });
      t.send([hb('b', 3)]);
      await until(() => state(t, 'b')?.dropped === 3, 'the second refusal');
      expect(state(t, 'b')?.breaker).toBe('open');
      t.send([hb('b', 4)]);
      expect(state(t, 'b')?.dropped).toBe(4); // at once, the breaker open
      expect(b.got).toEqual([]);
    });

    it('opens the breaker of an unreachable peer', async () => {
      const port = await closedPort();
      const t = transport({ peers: { b: `http://127.0.0.1:${port}` }, clock: new ManualClock(0) });
      for (let i = 1; i <= 3; i++) {
        t.send([hb('b', i)]);
        await until(() => state(t, 'b')?.dropped === i, `failure ${i}`);
      }
      expect(state(t, 'b')).toMatchObject({ breaker: 'open', stream: 'closed' });
      expect(state(t, 'b')?.lastError).toMatch(/ECONNREFUSED/);
    });

    it('gives up an upgrade unanswered after requestTimeoutMs', async () => {
      const silent = await silentPeer();
      const clock = new ManualClock(0);
      const t = transport({ peers: { b: silent.url }, clock, requestTimeoutMs: 100 });
      t.send([hb('b', 1)]);
      await until(() => silent.connections === 1 && state(t, 'b')?.stream === 'connecting', 'the upgrade request');
      clock.advance(100);
      expect(state(t, 'b')).toMatchObject({ stream: 'closed', dropped: 1, lastError: 'opening a stream to b timed out after 100 ms' });
    });

    it('opens a new stream after the peer closed its end', async () => {
      const b = await peer();
      const t = transport({ peers: { b: b.url } });
      t.send([hb('b', 1)]);
      await until(() => b.got.length === 1, 'the first');
      b.upgraded[0]?.destroy(); // the peer's end goes (a restart, say)
      await until(() => state(t, 'b')?.stream === 'closed', 'the transport to see it');
      t.send([hb('b', 2)]);
      await until(() => b.got.length === 2, 'the second, on a new stream');
      expect(state(t, 'b')?.stream).toBe('open');
      expect(b.streams?.stats()).toMatchObject({ accepted: 2, open: 1 });
    });

    /** A peer that takes an upgrade request and never answers it; counts the ones whose requester went. */
    async function silentPeer(): Promise<TestServer & { ended: number }> {
      const silent = Object.assign(await startServer(() => undefined), { ended: 0 });
      const sockets: net.Socket[] = [];
      silent.server.on('upgrade', (_req, socket: net.Socket) => {
        sockets.push(socket);
        socket.on('end', () => silent.ended++);
        socket.resume();
      });
      cleanup.push(async () => {
        for (const socket of sockets) socket.destroy();
        await silent.close();
      });
      return silent;
    }

    /** A peer that takes the stream and never reads it: the socket fills, then the queue. */
    async function stalledPeer(): Promise<TestServer & { sockets: net.Socket[] }> {
      const stalled = await startServer(() => undefined);
      const sockets: net.Socket[] = [];
      stalled.server.on('upgrade', (_req, socket: net.Socket) => {
        sockets.push(socket);
        socket.pause();
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`);
      });
      cleanup.push(async () => {
        for (const s of sockets) s.destroy();
        await stalled.close();
      });
      return Object.assign(stalled, { sockets });
    }

    /** Sends snapshots one turn apart until one waits in the queue: the socket is full. */
    async function fill(t: HttpTransport): Promise<void> {
      for (let term = 2; term <= 400 && (state(t, 'b')?.queuedBytes ?? 0) === 0; term++) {
        t.send([snapshot(term)]);
        await turn(); // written, or kept once the socket is full
      }
      expect(state(t, 'b')?.queuedBytes).toBeGreaterThan(0);
    }
    const data = new Uint8Array(100_000);
    const snapshot = (term: number): Message => ({
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term,
      snapshot: { metadata: { index: term, term: 1, confState: { voters: ['a', 'b'], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } }, data },
    });

    it('caps what waits for a full socket at maxQueueBytes, dropping the oldest', async () => {
      const stalled = await stalledPeer();
      const t = transport({ peers: { b: stalled.url }, maxQueueBytes: 300_000, clock: new ManualClock(0) });
      t.send([snapshot(1)]);
      await until(() => state(t, 'b')?.stream === 'open', 'the stream');
      await fill(t);
      expect(state(t, 'b')?.dropped).toBe(0);
      for (let term = 500; term < 510; term++) t.send([snapshot(term)]);
      expect(state(t, 'b')?.queuedBytes).toBeLessThanOrEqual(300_000);
      expect(state(t, 'b')?.dropped).toBeGreaterThanOrEqual(8); // 11 waiting, at most 3 kept
    });

    it('gives up a stream that has not drained for requestTimeoutMs, counting a failure', async () => {
      const stalled = await stalledPeer();
      const clock = new ManualClock(0);
      const t = transport({ peers: { b: stalled.url }, clock, requestTimeoutMs: 100, breaker: { slidingWindow: { kind: 'consecutive', failures: 1 } } });
      t.send([snapshot(1)]);
      await until(() => state(t, 'b')?.stream === 'open', 'the stream');
      await fill(t);
      clock.advance(99);
      expect(state(t, 'b')?.stream).toBe('open');
      clock.advance(1);
      await until(() => state(t, 'b')?.breaker === 'open' && state(t, 'b')?.stream === 'closed', 'the stream to go');
      expect(state(t, 'b')).toMatchObject({ lastError: 'the stream to b did not drain in 100 ms', queuedBytes: 0 });
    });

    it('keeps a stream that drains in time (a slow peer, not a stuck one)', async () => {
      const stalled = await stalledPeer();
      const clock = new ManualClock(0);
      const t = transport({ peers: { b: stalled.url }, clock, requestTimeoutMs: 100 });
      t.send([snapshot(1)]);
      await until(() => state(t, 'b')?.stream === 'open', 'the stream');
      await fill(t);
      clock.advance(50);
      for (const socket of stalled.sockets) socket.resume(); // the peer reads again
      await until(() => state(t, 'b')?.queuedBytes === 0 && state(t, 'b')?.inflight === 0, 'the socket to drain');
      clock.advance(100);
      expect(state(t, 'b')).toMatchObject({ stream: 'open', breaker: 'closed', dropped: 0 });
    });

    it('counts a stream the peer ends before it lasted requestTimeoutMs as a failed opening', async () => {
      // The peer cannot take these frames (over its maxFrameBytes): it closes each stream at once.
      const b = await peer({ streams: { maxFrameBytes: 1000 } });
      const clock = new ManualClock(0);
      const t = transport({ peers: { b: b.url }, clock, breaker: { slidingWindow: { kind: 'consecutive', failures: 3 } } });
      for (let i = 1; i <= 3; i++) {
        t.send([snapshot(i)]);
        await until(() => b.streams?.stats().broken === i && state(t, 'b')?.stream === 'closed', `stream ${i} to break`);
      }
      expect(state(t, 'b')).toMatchObject({ breaker: 'open', lastError: 'b closed the stream after 0 ms' });
      t.send([snapshot(4)]);
      expect(state(t, 'b')?.dropped).toBeGreaterThanOrEqual(1); // at once: the breaker is open
      expect(b.streams?.stats().accepted).toBe(3);
    });

    it('settles a half-open trial only once its stream has lasted requestTimeoutMs', async () => {
      const port = await closedPort();
      const clock = new ManualClock(0);
      const t = transport({ peers: { b: `http://127.0.0.1:${port}` }, clock, requestTimeoutMs: 100, breaker: { slidingWindow: { kind: 'consecutive', failures: 1 }, resetTimeout: 500 } });
      t.send([hb('b', 1)]);
      await until(() => state(t, 'b')?.breaker === 'open', 'the breaker to open');
      const b = await peer();
      t.setPeers({ b: b.url }); // back, at another address
      clock.advance(500);
      t.send([hb('b', 2)]);
      await until(() => b.got.length === 1, 'the trial stream');
      expect(state(t, 'b')).toMatchObject({ breaker: 'halfOpen', stream: 'open' });
      clock.advance(99);
      expect(state(t, 'b')?.breaker).toBe('halfOpen');
      clock.advance(1);
      expect(state(t, 'b')?.breaker).toBe('closed');
    });

    it('a changed URL cancels an opening under way: one stream, to the new address, and no leak', async () => {
      const silent = await silentPeer();
      const b = await peer();
      const t = new HttpTransport({ id: 'a', token, peers: { b: silent.url }, streams: true, breaker: { slidingWindow: { kind: 'consecutive', failures: 1 } } });
      t.send([hb('b', 1)]);
      await until(() => state(t, 'b')?.stream === 'connecting' && silent.connections === 1, 'the opening');
      t.setPeers({ b: b.url });
      expect(state(t, 'b')?.stream).toBe('closed');
      t.send([hb('b', 2)]);
      await until(() => b.got.length === 2, 'the messages at the new address');
      expect(b.got.map((m) => m.term)).toEqual([1, 2]); // the first waited for a stream
      await until(() => silent.ended === 1, 'the cancelled opening to go');
      expect(state(t, 'b')).toMatchObject({ stream: 'open', breaker: 'closed' }); // the cancel failed nothing
      expect(b.streams?.stats().accepted).toBe(1);
      await t.close();
      await until(() => b.streams?.stats().open === 0, 'the stream to close with the transport');
    });

    it('close() during an opening ends it', async () => {
      const silent = await silentPeer();
      const t = new HttpTransport({ id: 'a', token, peers: { b: silent.url }, streams: true });
      t.send([hb('b', 1)]);
      await until(() => silent.connections === 1, 'the opening');
      await t.close();
      await until(() => silent.ended === 1, 'the opening to go');
      expect(state(t, 'b')).toMatchObject({ stream: 'closed', breaker: 'open' }); // shut down
    });

    it('refuses a 101 to another protocol', async () => {
      const odd = await startServer(() => undefined);
      const sockets: net.Socket[] = [];
      odd.server.on('upgrade', (_req, socket: net.Socket) => {
        sockets.push(socket);
        socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\r\n');
      });
      cleanup.push(async () => {
        for (const socket of sockets) socket.destroy();
        await odd.close();
      });
      const t = transport({ peers: { b: odd.url } });
      t.send([hb('b', 1)]);
      await until(() => state(t, 'b')?.dropped === 1, 'the refusal');
      expect(state(t, 'b')).toMatchObject({ stream: 'closed', lastError: `b upgraded to "websocket", not ${STREAM_PROTOCOL}` });
    });

    it('close() ends the streams and makes send a no-op', async () => {
      const b = await peer();
      const t = new HttpTransport({ id: 'a', token, peers: { b: b.url }, streams: true });
      t.send([hb('b', 1)]);
      await until(() => b.got.length === 1 && b.streams?.stats().open === 1, 'the stream');
      await t.close();
      await until(() => b.streams?.stats().open === 0, 'the stream to close');
      t.send([hb('b', 2)]);
      expect(state(t, 'b')).toMatchObject({ inflight: 0, queuedBytes: 0, stream: 'closed' });
    });

    it('applies the outbound fault hook before the stream', async () => {
      const b = await peer();
      const faults = new TransportFaults({ clock: new ManualClock(0) });
      const t = transport({ peers: { b: b.url }, faults });
      faults.set({ partitioned: ['b'] });
      t.send([hb('b', 1)]);
      faults.clear();
      t.send([hb('b', 2)]);
      await until(() => b.got.length === 1, 'delivery');
      expect(b.got.map((m) => m.term)).toEqual([2]);
      expect(state(t, 'b')?.dropped).toBe(1);
    });

    it('takes streams only as a boolean', () => {
      expect(() => new HttpTransport({ id: 'a', token, peers: {}, streams: 'yes' as never })).toThrow(/options\.streams must be a boolean/);
      const off = new HttpTransport({ id: 'a', token, peers: { b: 'http://127.0.0.1:1' } });
      expect(off.peerStates()[0]?.stream).toBe('off');
      void off.close();
    });
  });
});
