import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock, TimerHandle } from '@bulwark/core';
import { KvClient } from './kv-client.js';
import type { KvClientOptions } from './kv-client.js';

/**
 * Timers of 1 ms or less (the retry delay) fire on the next turn of the event loop; longer ones
 * (attempt timeouts) only when the test calls `fireLong()`. Time moves by a timer's delay when
 * it fires.
 */
class TestClock implements Clock {
  private time = 0;
  private id = 0;
  private readonly pending = new Map<number, { callback: () => void; delayMs: number }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = ++this.id;
    this.pending.set(id, { callback, delayMs });
    if (delayMs <= 1) setImmediate(() => this.fire(id));
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  fireLong(): void {
    for (const [id, timer] of this.pending) if (timer.delayMs > 1) this.fire(id);
  }

  private fire(id: number): void {
    const timer = this.pending.get(id);
    if (timer === undefined) return;
    this.pending.delete(id);
    this.time += timer.delayMs;
    timer.callback();
  }
}

interface Seen {
  readonly member: string;
  readonly method: string;
  readonly url: string;
  readonly requestId: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}

type Handler = (seen: Seen, res: ServerResponse, members: Record<string, string>) => void;

const servers: Server[] = [];
const clients: KvClient[] = [];

async function listen(member: string, handler: Handler, seen: Seen[], members: Record<string, string>): Promise<string> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const entry: Seen = {
        member,
        method: req.method ?? '',
        url: req.url ?? '',
        requestId: req.headers['x-request-id'] as string | undefined,
        contentType: req.headers['content-type'],
        body,
      };
      seen.push(entry);
      handler(entry, res, members);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A URL nothing listens on: a port that was just free. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const reply = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

/** Members n1..n<count>, each answering with `handler`; `dead` lists members nothing listens on. */
async function setup(handler: Handler, options: { count?: number; dead?: string[]; client?: Partial<KvClientOptions> } = {}) {
  const seen: Seen[] = [];
  const clock = new TestClock();
  const urls: Record<string, string> = {};
  const ids = Array.from({ length: options.count ?? 2 }, (_, i) => `n${i + 1}`);
  for (const id of ids) urls[id] = options.dead?.includes(id) ? await deadUrl() : await listen(id, handler, seen, urls);
  let next = 0;
  const client = new KvClient({
    members: ids.map((id) => ({ id, url: urls[id] })),
    clock,
    requestId: () => `req-${++next}`,
    attemptTimeoutMs: 5,
    operationTimeoutMs: 10,
    retryDelayMs: 1,
    ...options.client,
  });
  clients.push(client);
  return { client, seen, clock, urls };
}

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      s.closeAllConnections();
      return closed;
    }),
  );
});

describe('KvClient', () => {
  it('reads a value with a linearizable GET, and a missing key (404) as the empty string', async () => {
    const { client, seen } = await setup((s, res) => (s.url.startsWith('/kv/a%2Fb') ? reply(res, 200, { key: 'a/b', value: 'v1', revision: 3 }) : reply(res, 404, { error: 'not found' })));
    expect(await client.run({ f: 'get', key: 'a/b' }, 'n1')).toEqual({ outcome: { type: 'ok', value: 'v1' }, servedBy: 'n1', attempts: 1 });
    expect(await client.run({ f: 'get', key: 'missing' }, 'n2')).toEqual({ outcome: { type: 'ok', value: '' }, servedBy: 'n2', attempts: 1 });
    expect(seen.map((s) => `${s.member} ${s.method} ${s.url}`)).toEqual(['n1 GET /kv/a%2Fb?consistency=linearizable', 'n2 GET /kv/missing?consistency=linearizable']);
  });

  it('puts with a JSON body and a request id, and deletes', async () => {
    const { client, seen } = await setup((_s, res) => reply(res, 204));
    expect((await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).outcome).toEqual({ type: 'ok' });
    expect((await client.run({ f: 'delete', key: 'k' }, 'n2')).outcome).toEqual({ type: 'ok' });
    expect(seen).toEqual([
      { member: 'n1', method: 'PUT', url: '/kv/k', requestId: 'req-1', contentType: 'application/json', body: '{"value":"v"}' },
      { member: 'n2', method: 'DELETE', url: '/kv/k', requestId: 'req-2', contentType: undefined, body: '' },
    ]);
  });

  it('posts a cas: 200 swapped, 409 did not match (a definite failure)', async () => {
    const { client, seen } = await setup((s, res) => (JSON.parse(s.body).expected === 'old' ? reply(res, 200, { key: 'k', value: 'new', revision: 2 }) : reply(res, 409, { error: 'mismatch' })));
    expect((await client.run({ f: 'cas', key: 'k', expected: 'old', value: 'new' }, 'n1')).outcome).toEqual({ type: 'ok' });
    expect((await client.run({ f: 'cas', key: 'k', expected: 'other', value: 'new' }, 'n1')).outcome).toEqual({ type: 'fail', reason: '409 (expected value did not match)' });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/kv/k/cas', body: '{"expected":"old","value":"new"}' });
  });

  it('follows a 307 to the leader with the same request id', async () => {
    const { client, seen } = await setup((s, res, urls) => (s.member === 'n1' ? reply(res, 307, { leader: 'n2' }, { location: `${urls.n2}/kv/k` }) : reply(res, 204)));
    expect(await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).toEqual({ outcome: { type: 'ok' }, servedBy: 'n2', attempts: 1 });
    expect(seen.map((s) => `${s.member} ${s.requestId} ${s.body}`)).toEqual(['n1 req-1 {"value":"v"}', 'n2 req-1 {"value":"v"}']);
  });

  it('retries a 503 on the next member with the same request id', async () => {
    const { client, seen } = await setup((s, res) => (s.member === 'n1' ? reply(res, 503, { error: 'no leader' }, { 'retry-after': '1' }) : reply(res, 204)));
    expect(await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).toEqual({ outcome: { type: 'ok' }, servedBy: 'n2', attempts: 2 });
    expect(seen.map((s) => `${s.member} ${s.requestId}`)).toEqual(['n1 req-1', 'n2 req-1']);
  });

  it('takes a delete of a missing key (404) as done', async () => {
    const { client } = await setup((_s, res) => reply(res, 404, { error: { code: 'ENOTFOUND' } }));
    expect((await client.run({ f: 'delete', key: 'k' }, 'n1')).outcome).toEqual({ type: 'ok' });
  });

  it("fails a write that only got 5xx the cluster calls not applied, and names the error codes", async () => {
    const { client } = await setup((s, res) =>
      s.member === 'n1' ? reply(res, 503, { error: { code: 'ENOLEADER', outcome: 'not-applied' } }) : reply(res, 503, { error: { code: 'EPROPOSALDROPPED', outcome: 'not-applied' } }),
    );
    expect((await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).outcome).toEqual({ type: 'fail', reason: expect.stringMatching(/^n[12]: 503 E(NOLEADER|PROPOSALDROPPED) \(not applied\)$/) });
    const maybe = await setup((_s, res) => reply(res, 503, { error: { code: 'ETIMEDOUT', outcome: 'unknown' } }));
    expect((await maybe.client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).outcome).toEqual({ type: 'info', reason: expect.stringMatching(/^n[12]: 503 ETIMEDOUT$/) });
  });

  it('gives a write that only got 5xx an unknown outcome, and a read a failure', async () => {
    const { client, seen } = await setup((_s, res) => reply(res, 500, { error: 'boom' }));
    const put = await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1');
    expect(put.outcome).toEqual({ type: 'info', reason: expect.stringMatching(/^n[12]: 500$/) });
    expect(put.attempts).toBeGreaterThan(1);
    expect(new Set(seen.map((s) => s.member))).toEqual(new Set(['n1', 'n2']));
    expect((await client.run({ f: 'get', key: 'k' }, 'n1')).outcome.type).toBe('fail');
  });

  it('calls a write refused by every member (connection refused) a failure: it was never sent', async () => {
    const { client } = await setup(() => undefined, { dead: ['n1', 'n2'] });
    const put = await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1');
    expect(put.outcome).toEqual({ type: 'fail', reason: expect.stringMatching(/^n[12]: ECONNREFUSED$/) });
  });

  it('times out an attempt that gets no answer and retries elsewhere', async () => {
    const late: { clock?: TestClock } = {};
    const { client, seen, clock } = await setup((s, res) => {
      if (s.member === 'n1') setImmediate(() => late.clock?.fireLong());
      else reply(res, 204);
    });
    late.clock = clock;
    expect(await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).toEqual({ outcome: { type: 'ok' }, servedBy: 'n2', attempts: 2 });
    expect(seen.map((s) => `${s.member} ${s.requestId}`)).toEqual(['n1 req-1', 'n2 req-1']);
  });

  it('gives a write unknown when every attempt timed out', async () => {
    const late: { clock?: TestClock } = {};
    const { client, clock } = await setup(() => setImmediate(() => late.clock?.fireLong()));
    late.clock = clock;
    expect((await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).outcome).toEqual({ type: 'info', reason: expect.stringMatching(/^n[12]: timeout after \d ms$/) });
  });

  it('gives a cas unknown when it was refused after an attempt that may have applied it', async () => {
    const { client } = await setup((s, res) => (s.member === 'n1' ? reply(res, 503) : reply(res, 409, { error: 'mismatch' })));
    expect((await client.run({ f: 'cas', key: 'k', expected: 'a', value: 'b' }, 'n1')).outcome).toEqual({
      type: 'info',
      reason: '409 (expected value did not match) after an attempt with an unknown outcome (n1: 503)',
    });
  });

  it('fails a read whose 200 body has no string value, and a write answered 4xx', async () => {
    const { client } = await setup((s, res) => (s.method === 'GET' ? reply(res, 200, { value: 7 }) : reply(res, 413, { error: 'too large' })));
    expect((await client.run({ f: 'get', key: 'k' }, 'n1')).outcome).toEqual({ type: 'fail', reason: '200 with a body that has no string value: {"value":7}' });
    expect((await client.run({ f: 'put', key: 'k', value: 'v' }, 'n1')).outcome).toEqual({ type: 'fail', reason: '413 {"error":"too large"}' });
  });

  it('refuses an unknown first member and bad options', async () => {
    const { client } = await setup(() => undefined);
    await expect(client.run({ f: 'get', key: 'k' }, 'n9')).rejects.toThrow('no member "n9"');
    const clock = new TestClock();
    const members = [{ id: 'n1', url: 'http://127.0.0.1:1' }];
    expect(() => new KvClient({ members: [], clock, requestId: () => 'x' })).toThrow('options.members must list at least one member');
    expect(() => new KvClient({ members, clock, requestId: () => 'x', attemptTimeoutMs: 0 })).toThrow('options.attemptTimeoutMs must be a finite number > 0, got 0');
    expect(() => new KvClient({ members, clock, requestId: () => 'x', maxRedirects: -1 })).toThrow('options.maxRedirects must be an integer ≥ 0, got -1');
  });
});
