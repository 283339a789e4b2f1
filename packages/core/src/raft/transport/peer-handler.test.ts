import * as http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Message } from '../messages.js';
import { bearerToken } from './cluster-token.js';
import { encodeMessages } from './message-codec.js';
import { createPeerHandler } from './peer-handler.js';
import { type TestServer, request, startServer } from './test-servers.js';
import { TransportFaults } from './transport-faults.js';

const token = 'a-cluster-token-of-some-length';
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' };
const heartbeat = (from: string, term = 1): Message => ({ type: 'heartbeat', from, to: 'a', term, commit: 0 });

describe('createPeerHandler', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(options: Partial<Parameters<typeof createPeerHandler>[0]> = {}): Promise<{ got: Message[]; url: string }> {
    const got: Message[] = [];
    const handler = createPeerHandler({ token, receive: (m) => got.push(m), ...options });
    server = await startServer(handler);
    return { got, url: `${server.url}/raft/messages` };
  }

  it('delivers every message of a frame in order and answers 204', async () => {
    const { got, url } = await serve();
    const messages = [heartbeat('b', 1), heartbeat('c', 2), { type: 'timeout-now', from: 'b', to: 'a', term: 3 } as Message];
    const res = await request(url, { headers: auth, body: encodeMessages(messages) });
    expect(res.status).toBe(204);
    expect(got).toEqual(messages);
  });

  it('answers 401 for a missing, wrong or differently long token, before reading the body', async () => {
    const { got, url } = await serve();
    const body = encodeMessages([heartbeat('b')]);
    for (const authorization of [undefined, `Bearer ${token}x`, 'Bearer short', `Basic ${token}`, token, `Bearer ${token.slice(0, -1)}!`]) {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const res = await request(url, { headers, body });
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ error: 'unauthorized', message: 'missing or wrong cluster token' });
    }
    expect(got).toEqual([]);
  });

  it('answers 400 naming the problem for a bad frame, delivering nothing', async () => {
    const { got, url } = await serve();
    const good = encodeMessages([heartbeat('b'), heartbeat('c')]);
    const res = await request(url, { headers: auth, body: good.subarray(0, good.byteLength - 1) });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body) as { error: string; message: string; offset: number };
    expect(body.error).toBe('bad-frame');
    expect(body.message).toMatch(/bad message frame at byte \d+/);
    expect(typeof body.offset).toBe('number');
    const junk = await request(url, { headers: auth, body: 'hello' });
    expect(junk.status).toBe(400);
    expect(got).toEqual([]);
  });

  it('answers 400 "rejected" when receive throws, still delivering the other messages', async () => {
    const got: Message[] = [];
    const { url } = await serve({
      receive: (m) => {
        if (m.from === 'x') throw new RangeError('Raft: message.to is "a", but this node is "z"');
        got.push(m);
      },
    });
    const res = await request(url, { headers: auth, body: encodeMessages([heartbeat('x'), heartbeat('b')]) });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'rejected', message: 'Raft: message.to is "a", but this node is "z"' });
    expect(got.map((m) => m.from)).toEqual(['b']);
  });

  it('answers 413 past maxBodyBytes, by content-length or counted while streaming, and closes the connection', async () => {
    const { got, url } = await serve({ maxBodyBytes: 64 });
    const big = encodeMessages(Array.from({ length: 20 }, (_, i) => heartbeat(`n${i}`)));
    expect(big.byteLength).toBeGreaterThan(64);
    const declared = await request(url, { headers: auth, body: big });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(JSON.parse(declared.body)).toMatchObject({ error: 'too-large', maxBodyBytes: 64 });
    // Chunked (no content-length): counted as it arrives.
    const streamed = await new Promise<number>((resolve, reject) => {
      const r = http.request(url, { method: 'POST', headers: auth, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      r.on('error', reject);
      r.write(big.subarray(0, 40));
      r.end(big.subarray(40));
    });
    expect(streamed).toBe(413);
    const fits = await request(url, { headers: auth, body: encodeMessages([heartbeat('b')]) });
    expect(fits.status).toBe(204);
    expect(got).toHaveLength(1);
  });

  it('answers 405 to other methods', async () => {
    const { url } = await serve();
    const res = await request(url, { method: 'GET', headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  it('drops messages from peers the fault hook cuts off inbound, still answering 204', async () => {
    const faults = new TransportFaults();
    const { got, url } = await serve({ faults });
    faults.set({ partitioned: ['c'] });
    const res = await request(url, { headers: auth, body: encodeMessages([heartbeat('b'), heartbeat('c')]) });
    expect(res.status).toBe(204);
    expect(got.map((m) => m.from)).toEqual(['b']);
    expect(faults.describe().dropped.inbound).toBe(1);
  });

  it('takes a body an Express raw() parser already read', () => {
    const got: Message[] = [];
    const handler = createPeerHandler({ token, receive: (m) => got.push(m), maxBodyBytes: 1000 });
    const answers: Array<{ status: number }> = [];
    const res: { statusCode: number; headersSent: boolean; setHeader(): void; end(): void; once(): void } = {
      statusCode: 200,
      headersSent: false,
      setHeader: () => undefined,
      end: () => answers.push({ status: res.statusCode }),
      once: () => undefined,
    };
    const req = { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: Buffer.from(encodeMessages([heartbeat('b')])) } as unknown as IncomingMessage;
    handler(req, res as unknown as ServerResponse);
    expect(answers).toEqual([{ status: 204 }]);
    expect(got).toHaveLength(1);
  });

  it('validates its options', () => {
    const receive = (): void => undefined;
    expect(() => createPeerHandler({ token: '', receive })).toThrow(/options\.token/);
    expect(() => createPeerHandler({ token, receive: 1 as never })).toThrow(/options\.receive/);
    expect(() => createPeerHandler({ token, receive, maxBodyBytes: 0 })).toThrow(/options\.maxBodyBytes/);
    expect(() => createPeerHandler(undefined as never)).toThrow(/options\.token/);
  });

  it('parses bearer tokens strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBe('');
    expect(bearerToken(undefined)).toBe('');
    expect(bearerToken(['Bearer abc'])).toBe('');
  });
});
