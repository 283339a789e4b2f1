import { afterEach, describe, expect, it } from '@jest/globals';
import { seededRandom } from '../../testing/seeded-random.js';
import type { Message } from '../messages.js';
import { HttpTransport, MAX_REPLY_BYTES, REPLIES_HEADER } from './http-transport.js';
import { encodeMessage, encodeMessages } from './message-codec.js';
import { createPeerHandler } from './peer-handler.js';
import { type TestServer, request, startServer, turn, until } from './test-servers.js';
import { TransportFaults } from './transport-faults.js';

const token = 'a-cluster-token-of-some-length';
const hb = (from: string, to: string, term: number): Message => ({ type: 'heartbeat', from, to, term, commit: 0 });
const hbr = (from: string, to: string, term: number): Message => ({ type: 'heartbeat-response', from, to, term });

/** One end: a transport, and a server running the peer handler with `replies` over it. */
interface End {
  readonly id: string;
  readonly transport: HttpTransport;
  readonly server: TestServer;
  /** Messages that reached this end, by the handler or in answers. */
  readonly got: Message[];
  /** Requests the handler took (whatever carried them). */
  requests: number;
  /** What the end does with a message the handler delivers (default: keep it). */
  onMessage: (message: Message) => void;
}

describe('HttpTransport answers that carry messages back', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** Two ends `a` and `b`; `receiver: false` leaves a's transport without a receiver. */
  async function pair(options: { receiver?: boolean; faults?: TransportFaults } = {}): Promise<{ a: End; b: End }> {
    const ends = new Map<string, End>();
    const servers = new Map<string, TestServer>();
    for (const id of ['a', 'b']) {
      const server = await startServer((req, res) => {
        const end = ends.get(id) as End;
        end.requests++;
        handlers.get(id)?.(req, res);
      });
      servers.set(id, server);
      cleanup.push(() => server.close());
    }
    const handlers = new Map<string, ReturnType<typeof createPeerHandler>>();
    for (const id of ['a', 'b']) {
      const other = id === 'a' ? 'b' : 'a';
      const transport = new HttpTransport({ id, token, peers: { [other]: (servers.get(other) as TestServer).url }, faults: id === 'a' ? options.faults : undefined });
      cleanup.push(() => transport.close());
      const end: End = { id, transport, server: servers.get(id) as TestServer, got: [], requests: 0, onMessage: (m) => end.got.push(m) };
      ends.set(id, end);
      const receive = (message: Message): void => end.onMessage(message);
      if (id !== 'a' || options.receiver !== false) transport.setReceiver((m) => end.got.push(m));
      handlers.set(id, createPeerHandler({ token, receive, replies: transport }));
    }
    return { a: ends.get('a') as End, b: ends.get('b') as End };
  }

  const state = (end: End, peer: string) => end.transport.peerStates().find((p) => p.id === peer);

  it("carries the peer's answer to a message back in the answer to its request, with no request of its own", async () => {
    const { a, b } = await pair();
    b.onMessage = (m) => {
      b.got.push(m);
      b.transport.send([hbr('b', 'a', m.term)]); // answered synchronously, as a node with a synchronous fsync does
    };
    for (let term = 1; term <= 3; term++) {
      a.transport.send([hb('a', 'b', term)]);
      await until(() => a.got.length === term, `the answer to heartbeat ${term}`);
    }
    expect(a.got).toEqual([hbr('b', 'a', 1), hbr('b', 'a', 2), hbr('b', 'a', 3)]);
    expect(b.got.map((m) => m.term)).toEqual([1, 2, 3]);
    await until(() => state(a, 'b')?.sent === 3, 'the last request to settle');
    expect(a.requests).toBe(0); // b never sent a request of its own
    expect(a.server.connections).toBe(0);
    expect(state(a, 'b')).toMatchObject({ sent: 3, received: 3, replied: 0, dropped: 0, inflight: 0 });
    expect(state(b, 'a')).toMatchObject({ sent: 0, received: 0, replied: 3, dropped: 0 });
  });

  it('answers 204 when the node sends nothing back within the turn; what it sends later takes its own request', async () => {
    const { a, b } = await pair();
    a.transport.send([hb('a', 'b', 1)]);
    await until(() => state(a, 'b')?.sent === 1, 'the answer');
    expect(a.got).toEqual([]);
    b.transport.send([hbr('b', 'a', 1)]);
    await until(() => a.got.length === 1 && state(b, 'a')?.sent === 1, 'the late message');
    expect(a.requests).toBe(1);
    expect(state(b, 'a')).toMatchObject({ sent: 1, replied: 0 });
  });

  it('sends its messages in a request of its own to a requester that did not ask (no receiver set)', async () => {
    const { a, b } = await pair({ receiver: false });
    b.onMessage = (m) => {
      b.got.push(m);
      b.transport.send([hbr('b', 'a', m.term)]);
    };
    a.transport.send([hb('a', 'b', 1)]);
    await until(() => a.got.length === 1 && state(b, 'a')?.sent === 1 && state(a, 'b')?.sent === 1, 'the answer, by request');
    expect(a.requests).toBe(1);
    expect(state(b, 'a')).toMatchObject({ sent: 1, replied: 0 });
    expect(state(a, 'b')).toMatchObject({ sent: 1, received: 0 });
  });

  it('drops messages in an answer from a peer cut off inbound (the fault hook)', async () => {
    const faults = new TransportFaults({ random: seededRandom(1) });
    const { a, b } = await pair({ faults });
    b.onMessage = (m) => {
      b.got.push(m);
      if (m.term === 2) faults.set({ partitioned: ['b'] }); // cut while the request is out
      b.transport.send([hbr('b', 'a', m.term)]);
    };
    a.transport.send([hb('a', 'b', 1)]);
    await until(() => a.got.length === 1, 'the first answer');
    a.transport.send([hb('a', 'b', 2)]);
    await until(() => state(b, 'a')?.replied === 2, "b's second answer");
    await until(() => state(a, 'b')?.inflight === 0, 'the request to settle');
    expect(a.got).toEqual([hbr('b', 'a', 1)]);
    expect(faults.describe().dropped.inbound).toBe(1);
    expect(state(a, 'b')).toMatchObject({ received: 1 });
  });

  it('drops messages in an answer that are addressed to another node, and survives a receiver that throws', async () => {
    const server = await startServer((req, res) => {
      req.resume();
      const body = encodeMessages([hbr('b', 'z', 1), hbr('b', 'a', 2), hbr('b', 'a', 3)]);
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(body));
    });
    cleanup.push(() => server.close());
    const got: Message[] = [];
    const t = new HttpTransport({ id: 'a', token, peers: { b: server.url } });
    cleanup.push(() => t.close());
    t.setReceiver((m) => {
      if (m.term === 2) throw new Error('refused');
      got.push(m);
    });
    t.send([hb('a', 'b', 1)]);
    await until(() => got.length === 1, 'the answer');
    expect(got).toEqual([hbr('b', 'a', 3)]);
    expect(t.peerStates()[0]).toMatchObject({ sent: 1, received: 2, dropped: 0, breaker: 'closed' });
  });

  it('fails the request on an answer it cannot decode, or one over MAX_REPLY_BYTES, and delivers nothing from it', async () => {
    let body: Uint8Array = new Uint8Array([1, 2, 3]);
    const server = await startServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.byteLength }).end(body));
    });
    cleanup.push(() => server.close());
    const got: Message[] = [];
    const t = new HttpTransport({ id: 'a', token, peers: { b: server.url } });
    cleanup.push(() => t.close());
    t.setReceiver((m) => got.push(m));
    t.send([hb('a', 'b', 1)]);
    await until(() => t.peerStates()[0]?.dropped === 1, 'the failed request');
    expect(t.peerStates()[0]?.lastError).toMatch(/frame|magic/i);
    body = new Uint8Array(MAX_REPLY_BYTES + 1);
    t.send([hb('a', 'b', 2)]);
    await until(() => t.peerStates()[0]?.dropped === 2, 'the oversized answer');
    expect(t.peerStates()[0]?.lastError).toContain(`over ${MAX_REPLY_BYTES} bytes`);
    expect(got).toEqual([]);
    expect(() => t.setReceiver('no' as never)).toThrow(TypeError);
  });

  it('puts at most MAX_REPLY_BYTES in one answer: what does not fit takes a request', async () => {
    const { a, b } = await pair();
    const big = (term: number): Message => ({
      type: 'snapshot',
      from: 'b',
      to: 'a',
      term,
      snapshot: { metadata: { index: 1, term: 1, confState: { voters: ['a', 'b'] } }, data: new Uint8Array(MAX_REPLY_BYTES / 2 + 10) },
    });
    b.onMessage = (m) => {
      b.got.push(m);
      b.transport.send([big(1), big(2)]);
    };
    a.transport.send([hb('a', 'b', 1)]);
    await until(() => a.got.length === 2 && state(b, 'a')?.sent === 1, 'both snapshots');
    expect(a.got.map((m) => m.term).sort()).toEqual([1, 2]);
    expect(state(b, 'a')).toMatchObject({ replied: 1, sent: 1 });
  });

  it('puts a message in an answer only when the whole frame, header included, fits MAX_REPLY_BYTES', async () => {
    const { a, b } = await pair();
    const withData = (n: number): Message => ({
      type: 'snapshot',
      from: 'b',
      to: 'a',
      term: 1,
      snapshot: { metadata: { index: 1, term: 1, confState: { voters: ['a', 'b'] } }, data: new Uint8Array(n) },
    });
    // A message 2 bytes under the limit: as an answer its frame (header and count) would be over it.
    let n = MAX_REPLY_BYTES - 64;
    while (encodeMessage(withData(n)).byteLength < MAX_REPLY_BYTES - 2) n++;
    expect(encodeMessage(withData(n)).byteLength).toBe(MAX_REPLY_BYTES - 2);
    b.onMessage = (m) => {
      b.got.push(m);
      b.transport.send([withData(n)]);
    };
    a.transport.send([hb('a', 'b', 1)]);
    await until(() => a.got.length === 1, 'the snapshot');
    expect(state(a, 'b')?.lastError).toBeUndefined();
    await until(() => state(b, 'a')?.sent === 1, 'its own request, not the answer');
    expect(state(b, 'a')?.replied).toBe(0);
  });

  it('releases held answers at once for an unknown peer and on close()', async () => {
    const t = new HttpTransport({ id: 'a', token, peers: { b: 'http://127.0.0.1:1' } });
    const answers: Array<Uint8Array | undefined | 'pending'> = [];
    t.holdReply('z', (frame) => answers.push(frame));
    expect(answers).toEqual([undefined]);
    let second: Uint8Array | undefined | 'pending' = 'pending';
    t.holdReply('b', (frame) => (second = frame));
    expect(second).toBe('pending');
    await t.close();
    expect(second).toBeUndefined();
    t.holdReply('b', (frame) => answers.push(frame));
    expect(answers).toEqual([undefined, undefined]);
    await turn();
  });
});

describe('createPeerHandler with replies', () => {
  it('checks the replies option, and answers 204 at once to a request that does not ask', async () => {
    expect(() => createPeerHandler({ token, receive: () => undefined, replies: {} as never })).toThrow(/holdReply/);
    const held: string[] = [];
    const handler = createPeerHandler({ token, receive: () => undefined, replies: { holdReply: (peer) => held.push(peer) } });
    const server = await startServer(handler);
    try {
      const plain = await request(server.url, { headers: { authorization: `Bearer ${token}` }, body: encodeMessages([hb('a', 'b', 1)]) });
      expect(plain.status).toBe(204);
      expect(held).toEqual([]);
      // Asking, with messages from two senders: no sole requester to answer for, so 204.
      const mixed = await request(server.url, { headers: { authorization: `Bearer ${token}`, [REPLIES_HEADER]: '1' }, body: encodeMessages([hb('a', 'b', 1), hb('c', 'b', 1)]) });
      expect(mixed.status).toBe(204);
      expect(held).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
