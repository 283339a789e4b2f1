import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { ManualClock } from '../../testing/manual-clock.js';
import { seededRandom } from '../../testing/seeded-random.js';
import type { Message } from '../messages.js';
import { HttpTransport, type HttpTransportOptions } from './http-transport.js';
import { decodeFrame } from './message-codec.js';
import { createPeerHandler } from './peer-handler.js';
import { type TestServer, closedPort, startServer, until } from './test-servers.js';
import { TransportFaults } from './transport-faults.js';

const token = 'a-cluster-token-of-some-length';
const hb = (to: string, term: number): Message => ({ type: 'heartbeat', from: 'a', to, term, commit: 0 });

/** A peer that records each request's messages and answers as told (held answers wait for `release`). */
class Peer {
  readonly requests: Message[][] = [];
  readonly held: ServerResponse[] = [];
  status = 204;
  hold = false;
  authorization: Array<string | undefined> = [];
  server!: TestServer;

  static async start(): Promise<Peer> {
    const peer = new Peer();
    peer.server = await startServer((req, res) => peer.handle(req, res));
    return peer;
  }

  get messages(): Message[] {
    return this.requests.flat();
  }

  release(): void {
    for (const res of this.held.splice(0)) res.writeHead(this.status).end();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.authorization.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests.push(decodeFrame(Buffer.concat(chunks)));
      if (this.hold) this.held.push(res);
      else res.writeHead(this.status).end();
    });
  }
}

describe('HttpTransport', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function peer(): Promise<Peer> {
    const p = await Peer.start();
    cleanup.push(async () => {
      p.release();
      await p.server.close();
    });
    return p;
  }

  function transport(options: Partial<HttpTransportOptions> & Pick<HttpTransportOptions, 'peers'>): HttpTransport {
    const t = new HttpTransport({ id: 'a', token, ...options });
    cleanup.push(() => t.close());
    return t;
  }

  const state = (t: HttpTransport, id: string) => t.peerStates().find((p) => p.id === id);

  it('delivers each message to its peer with the cluster token, ignoring itself and unknown peers', async () => {
    const [b, c] = [await peer(), await peer()];
    const t = transport({ peers: { a: 'http://127.0.0.1:1', b: b.server.url, c: `${c.server.url}/` } });
    t.send([hb('b', 1), hb('c', 1), hb('b', 2), hb('z', 1)]);
    await until(() => b.messages.length === 2 && c.messages.length === 1, 'delivery');
    expect(b.messages).toEqual([hb('b', 1), hb('b', 2)]);
    expect(b.requests).toHaveLength(1); // one Ready's messages for a peer: one request
    expect(b.authorization).toEqual([`Bearer ${token}`]);
    expect(t.unroutable).toBe(1);
    expect(t.peerStates().map((p) => p.id)).toEqual(['b', 'c']);
    await until(() => state(t, 'b')?.sent === 2, 'the answer');
    expect(state(t, 'b')).toEqual({ id: 'b', url: b.server.url, breaker: 'closed', inflight: 0, queuedBytes: 0, sent: 2, dropped: 0, received: 0, replied: 0, lastError: undefined, stream: 'off' });
  });

  it('keeps connections alive: many requests over one socket', async () => {
    const b = await peer();
    const t = transport({ peers: { b: b.server.url }, maxInflightPerPeer: 1 });
    for (let i = 1; i <= 30; i++) {
      t.send([hb('b', i)]);
      await until(() => state(t, 'b')?.sent === i, `message ${i}`);
    }
    expect(b.requests).toHaveLength(30);
    expect(b.server.connections).toBe(1);
  });

  it('pipelines up to maxInflightPerPeer requests and batches what queues behind them into one', async () => {
    const b = await peer();
    b.hold = true;
    const t = transport({ peers: { b: b.server.url }, maxInflightPerPeer: 2 });
    t.send([hb('b', 1)]);
    await until(() => b.requests.length === 1, 'the first request');
    t.send([hb('b', 2)]);
    await until(() => b.requests.length === 2, 'the second request, while the first is unanswered');
    for (let term = 3; term <= 10; term++) t.send([hb('b', term)]);
    await until(() => state(t, 'b')?.queuedBytes !== 0, 'the queue');
    expect(state(t, 'b')).toMatchObject({ inflight: 2, sent: 0 });
    b.hold = false;
    b.release();
    await until(() => state(t, 'b')?.sent === 10, 'everything');
    expect(b.requests.map((r) => r.length)).toEqual([1, 1, 8]);
    expect(b.messages.map((m) => m.term)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b.server.connections).toBe(2);
  });

  it('splits a long queue into requests of at most maxBatchBytes (one message always goes)', async () => {
    const b = await peer();
    b.hold = true;
    const big: Message = { type: 'snapshot', from: 'a', to: 'b', term: 1, snapshot: { metadata: { index: 1, term: 1, confState: { voters: ['a'] } }, data: new Uint8Array(500) } };
    const t = transport({ peers: { b: b.server.url }, maxInflightPerPeer: 1, maxBatchBytes: 100 });
    t.send([hb('b', 1)]);
    await until(() => b.requests.length === 1, 'the first request');
    t.send([big, ...Array.from({ length: 20 }, (_, i) => hb('b', i + 2))]);
    b.hold = false;
    b.release();
    await until(() => state(t, 'b')?.sent === 22, 'everything');
    const sizes = b.requests.map((r) => r.length);
    expect(sizes[0]).toBe(1);
    expect(sizes[1]).toBe(1); // the 500-byte snapshot, alone
    expect(sizes.slice(2).every((n) => n > 1 && n < 20)).toBe(true);
    expect(sizes.reduce((x, y) => x + y)).toBe(22);
  });

  it('opens the breaker of an unreachable peer and then drops its messages at once', async () => {
    const port = await closedPort();
    const clock = new ManualClock(0);
    const t = transport({ peers: { b: `http://127.0.0.1:${port}` }, clock });
    for (let i = 1; i <= 3; i++) {
      t.send([hb('b', i)]);
      await until(() => state(t, 'b')?.dropped === i, `failure ${i}`);
    }
    expect(state(t, 'b')).toMatchObject({ breaker: 'open', inflight: 0 });
    expect(state(t, 'b')?.lastError).toMatch(/ECONNREFUSED/);
    t.send([hb('b', 4), hb('b', 5)]);
    expect(state(t, 'b')).toMatchObject({ dropped: 5, inflight: 0, queuedBytes: 0 }); // dropped synchronously
  });

  it('counts non-2xx answers as failures, and closes the breaker after a successful trial', async () => {
    const b = await peer();
    b.status = 401;
    const clock = new ManualClock(0);
    const t = transport({ peers: { b: b.server.url }, clock, random: seededRandom(1), breaker: { slidingWindow: { kind: 'consecutive', failures: 2 }, resetTimeout: 500 } });
    for (let i = 1; i <= 2; i++) {
      t.send([hb('b', i)]);
      await until(() => state(t, 'b')?.dropped === i, `failure ${i}`);
    }
    expect(state(t, 'b')).toMatchObject({ breaker: 'open', lastError: 'b answered 401' });
    b.status = 204;
    clock.advance(500);
    expect(state(t, 'b')?.breaker).toBe('halfOpen');
    t.send([hb('b', 3)]);
    await until(() => state(t, 'b')?.sent === 1, 'the trial');
    expect(state(t, 'b')?.breaker).toBe('closed');
  });

  it('caps the queue per peer, dropping the oldest messages', async () => {
    const b = await peer();
    b.hold = true;
    const t = transport({ peers: { b: b.server.url }, maxInflightPerPeer: 1, maxQueueBytes: 40 });
    t.send([hb('b', 1)]);
    await until(() => b.requests.length === 1, 'the first request');
    for (let term = 2; term <= 30; term++) t.send([hb('b', term)]);
    const s = state(t, 'b');
    expect(s?.queuedBytes).toBeLessThanOrEqual(40);
    expect(s?.dropped).toBeGreaterThan(0);
    b.hold = false;
    b.release();
    await until(() => (state(t, 'b')?.sent ?? 0) + (state(t, 'b')?.dropped ?? 0) === 30, 'the rest');
    const terms = b.messages.map((m) => m.term);
    expect(terms[0]).toBe(1);
    expect(terms.at(-1)).toBe(30); // the newest survived
    expect(terms.length).toBe(30 - (s?.dropped ?? 0));
  });

  it('aborts a request unanswered after requestTimeoutMs and counts it as failed', async () => {
    const b = await peer();
    b.hold = true;
    const clock = new ManualClock(0);
    const t = transport({ peers: { b: b.server.url }, clock, requestTimeoutMs: 100 });
    t.send([hb('b', 1)]);
    await until(() => b.requests.length === 1, 'the request');
    expect(state(t, 'b')?.inflight).toBe(1);
    clock.advance(100);
    expect(state(t, 'b')).toMatchObject({ inflight: 0, dropped: 1, lastError: 'request to b timed out after 100 ms' });
  });

  it('applies the fault hook: drops, partitions and delays on its own clock', async () => {
    const [b, c] = [await peer(), await peer()];
    const clock = new ManualClock(0);
    const faults = new TransportFaults({ clock, random: seededRandom(9) });
    const t = transport({ peers: { b: b.server.url, c: c.server.url }, faults });
    faults.set({ partitioned: ['c'] });
    t.send([hb('b', 1), hb('c', 1)]);
    await until(() => state(t, 'b')?.sent === 1, 'b');
    expect(state(t, 'c')).toMatchObject({ dropped: 1, sent: 0, inflight: 0 });
    faults.set({ delayMs: 50 });
    t.send([hb('b', 2), hb('c', 2)]);
    await Promise.resolve();
    expect(state(t, 'b')).toMatchObject({ inflight: 0, queuedBytes: 0 }); // held by the hook
    clock.advance(50);
    await until(() => b.messages.length === 2 && c.messages.length === 1, 'the delayed messages');
    faults.set({ drop: 1 });
    t.send([hb('b', 3)]);
    expect(state(t, 'b')?.dropped).toBe(1);
    faults.clear();
    t.send([hb('b', 4)]);
    await until(() => b.messages.length === 3, 'after clearing');
    expect(b.messages.map((m) => m.term)).toEqual([1, 2, 4]);
  });

  it('follows membership changes with setPeers', async () => {
    const [b, c] = [await peer(), await peer()];
    const t = transport({ peers: { b: b.server.url } });
    t.setPeers({ a: 'http://127.0.0.1:1', c: c.server.url });
    expect(t.peerStates().map((p) => p.id)).toEqual(['c']);
    t.send([hb('b', 1), hb('c', 1)]);
    await until(() => c.messages.length === 1, 'c');
    expect(t.unroutable).toBe(1);
    t.setPeers({ c: b.server.url }); // c moved
    t.send([hb('c', 2)]);
    await until(() => b.messages.length === 1, 'c at its new address');
    expect(state(t, 'c')?.url).toBe(b.server.url);
    expect(() => t.setPeers({ c: 'ftp://x' })).toThrow(/options\.peers\["c"\] must be an http:\/\/ URL/);
    expect(state(t, 'c')?.url).toBe(b.server.url);
  });

  it('close() destroys the sockets, aborts requests in flight and makes send a no-op', async () => {
    const b = await peer();
    const t = new HttpTransport({ id: 'a', token, peers: { b: b.server.url } });
    t.send([hb('b', 1)]);
    await until(() => state(t, 'b')?.sent === 1, 'the first message');
    b.hold = true;
    t.send([hb('b', 2)]);
    await until(() => b.requests.length === 2, 'a held request');
    expect(b.server.open()).toBeGreaterThan(0);
    await t.close();
    await until(() => b.server.open() === 0, 'the sockets to close');
    t.send([hb('b', 3)]);
    expect(state(t, 'b')).toMatchObject({ inflight: 0, queuedBytes: 0 });
    await t.close(); // twice is fine
  });

  it('never throws from send: an unencodable message is dropped and counted', async () => {
    const b = await peer();
    const t = transport({ peers: { b: b.server.url } });
    expect(() => t.send([{ ...hb('b', 1), term: -1 }, hb('b', 2)])).not.toThrow();
    await until(() => state(t, 'b')?.sent === 1, 'the good one');
    expect(state(t, 'b')).toMatchObject({ dropped: 1, lastError: expect.stringContaining('cannot encode -1') });
    expect(b.messages.map((m) => m.term)).toEqual([2]);
  });

  it('works end to end with createPeerHandler', async () => {
    const got: Message[] = [];
    const server = await startServer(createPeerHandler({ token, receive: (m) => got.push(m) }));
    cleanup.push(() => server.close());
    const t = transport({ peers: { b: server.url } });
    t.send([hb('b', 1), hb('b', 2)]);
    await until(() => got.length === 2, 'delivery');
    const wrong = transport({ peers: { b: server.url }, token: 'another-token-entirely' });
    wrong.send([hb('b', 3)]);
    await until(() => state(wrong, 'b')?.dropped === 1, 'the refusal');
    expect(state(wrong, 'b')?.lastError).toBe('b answered 401');
    expect(got).toHaveLength(2);
  });

  it('validates its options, naming them', () => {
    const peers = { b: 'http://127.0.0.1:7002' };
    expect(() => new HttpTransport({ id: '', token, peers })).toThrow(/options\.id/);
    expect(() => new HttpTransport({ id: 'a', token: '', peers })).toThrow(/options\.token/);
    expect(() => new HttpTransport({ id: 'a', token, peers: null as never })).toThrow(/options\.peers/);
    expect(() => new HttpTransport({ id: 'a', token, peers: { b: 'not a url' } })).toThrow(/options\.peers\["b"\]/);
    expect(() => new HttpTransport({ id: 'a', token, peers, path: 'raft' })).toThrow(/options\.path/);
    expect(() => new HttpTransport({ id: 'a', token, peers, maxInflightPerPeer: 0 })).toThrow(/options\.maxInflightPerPeer/);
    expect(() => new HttpTransport({ id: 'a', token, peers, maxBatchBytes: 1.5 })).toThrow(/options\.maxBatchBytes/);
    expect(() => new HttpTransport({ id: 'a', token, peers, maxQueueBytes: -1 })).toThrow(/options\.maxQueueBytes/);
    expect(() => new HttpTransport({ id: 'a', token, peers, requestTimeoutMs: 0 })).toThrow(/options\.requestTimeoutMs/);
    expect(() => new HttpTransport({ id: 'a', token, peers, clock: {} as never })).toThrow(/options\.clock/);
    expect(() => new HttpTransport({ id: 'a', token, peers, random: 3 as never })).toThrow(/options\.random/);
    expect(() => new HttpTransport({ id: 'a', token, peers, breaker: 3 as never })).toThrow(/options\.breaker/);
    expect(() => new HttpTransport(undefined as never)).toThrow(/options must be an object/);
  });
});
