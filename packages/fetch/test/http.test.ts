import { createRegistry, isCircuitOpenError } from '@bulwark/core';
import type { PolicyRegistry } from '@bulwark/core';
import { ManualClock, flushPromises, seededRandom } from '@bulwark/core/testing';
import { createFetch } from '../src/index.js';
import type { CreateFetchOptions } from '../src/index.js';
import { drive, until } from './support/drive.js';
import { drop, endless, reply, stall, startServer } from './support/test-server.js';
import type { Handler, TestServer } from './support/test-server.js';

// Real HTTP on 127.0.0.1, with time on a ManualClock: waits and timeouts are moved past, never slept.
const T0 = Date.parse('2030-01-01T00:00:00Z');
let servers: TestServer[] = [];
let registry: PolicyRegistry;
let clock: ManualClock;

async function serve(script: Handler[], fallback?: Handler): Promise<TestServer> {
  const server = await startServer(script, fallback);
  servers.push(server);
  return server;
}

function client(options: CreateFetchOptions = {}): typeof fetch {
  return createFetch({ clock, registry, random: seededRandom(1), ...options });
}

/** The wait the retry policy has armed (once exactly one timer is pending). */
async function nextWait(): Promise<number> {
  await until(() => clock.pendingTimers === 1);
  return (clock.nextDueAt() as number) - clock.now();
}

beforeEach(() => {
  clock = new ManualClock(T0);
  registry = createRegistry({ clock });
});

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  registry.dispose();
});

describe('createFetch over real HTTP', () => {
  it('retries 503s, waiting as Retry-After says in seconds and as an HTTP-date, and returns the 200', async () => {
    const server = await serve([reply(503, { 'retry-after': '5' }), (req, res) => reply(503, { 'retry-after': new Date(clock.now() + 7000).toUTCString() })(req, res)]);
    const pending = client()(`${server.url}/items`);
    expect(await nextWait()).toBe(5000);
    clock.advance(5000);
    await until(() => server.requests.length === 2);
    expect(await nextWait()).toBe(7000);
    clock.advance(7000);
    const response = await pending;
    expect(response.status).toBe(200);
    await expect(response.text()).resolves.toBe('ok');
    expect(server.requests).toHaveLength(3);
  });

  it('cancels the bodies of the responses it discards, so their connections close', async () => {
    const server = await serve([endless(503), endless(502)]);
    const response = await drive(client()(`${server.url}/`), clock, 10_000);
    expect(response.status).toBe(200);
    // Each unfinished body held its connection; cancelling it is what closes them.
    await Promise.all(server.requests.slice(0, 2).map((r) => r.closed));
    await expect(response.text()).resolves.toBe('ok');
    await flushPromises();
    expect(await server.connections()).toBeLessThanOrEqual(1); // at most the kept-alive one
  });

  it('resolves with the last response when retries run out, its body readable, the others cancelled', async () => {
    const server = await serve([endless(503), endless(503), reply(503, {}, 'still down')], reply(500));
    const response = await drive(client()(`${server.url}/`), clock, 10_000);
    expect(response.status).toBe(503);
    await expect(response.text()).resolves.toBe('still down');
    await Promise.all(server.requests.slice(0, 2).map((r) => r.closed));
    expect(server.requests).toHaveLength(3);
  });

  it('sends a POST once, and retries one with an Idempotency-Key, body and all', async () => {
    const server = await serve([reply(503), reply(503)]);
    const api = client();
    await expect(drive(api(`${server.url}/orders`, { method: 'POST', body: 'first' }), clock, 10_000)).resolves.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(1);
    const keyed = { method: 'POST', body: 'second', headers: { 'idempotency-key': 'order-2' } };
    await expect(drive(api(`${server.url}/orders`, keyed), clock, 10_000)).resolves.toMatchObject({ status: 200 });
    expect(server.requests.map((r) => [r.method, r.body, r.headers['idempotency-key']])).toEqual([
      ['POST', 'first', undefined],
      ['POST', 'second', 'order-2'],
      ['POST', 'second', 'order-2'],
    ]);
  });

  it('retries after the server drops the connection', async () => {
    const server = await serve([drop]);
    await expect(drive(client()(`${server.url}/`), clock, 10_000)).resolves.toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(2);
  });

  it('aborts a stalled attempt after attemptTimeoutMs, closing its connection, and retries it', async () => {
    const server = await serve([stall]);
    const pending = client({ attemptTimeoutMs: 1000 })(`${server.url}/`);
    await until(() => server.requests.length === 1);
    clock.advance(1000);
    await server.requests[0].closed;
    clock.advance(await nextWait()); // the backoff; the second attempt's own timeout stays armed until it answers
    await expect(pending).resolves.toMatchObject({ status: 200 });
    expect(clock.pendingTimers).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it("stops a stalled request at once with the caller's reason, and closes its connection", async () => {
    const server = await serve([stall]);
    const controller = new AbortController();
    const pending = client({ attemptTimeoutMs: 10_000 })(`${server.url}/`, { signal: controller.signal });
    await until(() => server.requests.length === 1);
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await server.requests[0].closed;
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps a breaker per origin: a failing server does not cut off a healthy one', async () => {
    const failing = await serve([], reply(503));
    const healthy = await serve([]);
    const api = client({ retry: false, breaker: { slidingWindow: { kind: 'consecutive', failures: 2 } } });
    await api(`${failing.url}/`);
    await api(`${failing.url}/`);
    const refused: unknown = await api(`${failing.url}/`).catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(failing.requests).toHaveLength(2);
    await expect(api(`${healthy.url}/`)).resolves.toMatchObject({ status: 200 });
    expect(registry.all().map((e) => e.name)).toEqual([`fetch:${failing.url}`, `fetch:${healthy.url}`]);
  });
});
