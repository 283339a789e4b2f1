import { constantBackoff, createRegistry, isRetryExhaustedError, retry } from '@bulwark/core';
import type { RetryEvent } from '@bulwark/core';
import { ManualClock } from '@bulwark/core/testing';
import { drive } from '../test/support/drive.js';
import { FakeFetch } from '../test/support/fake-fetch.js';
import { createFetch } from './create-fetch.js';
import type { CreateFetchOptions } from './create-fetch-options.js';
import { isHttpStatusError } from './http-status-error.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const URL_A = 'https://a.example/items';

function setup(options: CreateFetchOptions = {}) {
  const clock = new ManualClock(T0);
  const registry = createRegistry({ clock });
  const fake = new FakeFetch(clock);
  const api = createFetch({ fetch: fake.fetch, clock, registry, breaker: false, retry: { backoff: constantBackoff(100) }, ...options });
  return { clock, fake, api, registry };
}

describe('createFetch: what is retried', () => {
  it('retries a GET on 503 until it succeeds, cancelling the body of each failed response', async () => {
    const { clock, fake, api } = setup();
    fake.respond(503).respond(503);
    const response = await drive(api(URL_A), clock);
    expect(response.status).toBe(200);
    await expect(response.text()).resolves.toBe('status 200');
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, 100, 200]);
    expect(fake.sent.map((s) => s.cancelled())).toEqual([true, true, false]);
    expect(clock.pendingTimers).toBe(0);
  });

  it.each([408, 429, 500, 502, 503, 504])('retries status %i', async (status) => {
    const { clock, fake, api } = setup();
    fake.respond(status);
    await expect(drive(api(URL_A), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 409, 422, 501, 505])('resolves with status %i at once, its body intact', async (status) => {
    const { clock, fake, api } = setup();
    fake.respond(status);
    const response = await drive(api(URL_A), clock);
    expect(response.status).toBe(status);
    await expect(response.text()).resolves.toBe(`status ${status}`);
    expect(fake.calls).toHaveLength(1);
  });

  it('resolves with the last response when the attempts run out on a status, as fetch would', async () => {
    const { clock, fake, api } = setup();
    fake.respond(503).respond(502).respond(504);
    const response = await drive(api(URL_A), clock);
    expect(response.status).toBe(504);
    await expect(response.text()).resolves.toBe('status 504');
    expect(fake.sent.map((s) => s.cancelled())).toEqual([true, true, false]);
  });

  it.each(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'QUERY'])('retries the idempotent method %s', async (method) => {
    const { clock, fake, api } = setup();
    fake.respond(503);
    await expect(drive(api(URL_A, { method }), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(2);
  });

  it.each(['POST', 'PATCH'])('does not retry %s', async (method) => {
    const { clock, fake, api } = setup();
    fake.respond(503);
    const response = await drive(api(URL_A, { method, body: 'order' }), clock);
    expect(response.status).toBe(503);
    expect(fake.calls).toHaveLength(1);
    expect(fake.sent[0].cancelled()).toBe(false);
  });

  it('retries a POST that carries an Idempotency-Key, sending the same body each time', async () => {
    const { clock, fake, api } = setup();
    fake.respond(503).fail(new TypeError('fetch failed'));
    const init = { method: 'POST', body: '{"order":1}', headers: { 'Idempotency-Key': 'k-1' } };
    await expect(drive(api(URL_A, init), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls.map((c) => [c.request.method, c.body, c.request.headers.get('idempotency-key')])).toEqual([
      ['POST', '{"order":1}', 'k-1'],
      ['POST', '{"order":1}', 'k-1'],
      ['POST', '{"order":1}', 'k-1'],
    ]);
  });

  it.each([
    ['a string', () => 'text body'],
    ['URLSearchParams', () => new URLSearchParams({ q: 'a b' })],
    ['a Blob', () => new Blob(['blob body'])],
    ['FormData', formData],
    ['an ArrayBuffer', () => new TextEncoder().encode('buffer body').buffer],
    ['a Uint8Array', () => new TextEncoder().encode('bytes body')],
  ])('re-sends %s body', async (_, makeBody) => {
    const { clock, fake, api } = setup();
    fake.respond(503);
    await expect(drive(api(URL_A, { method: 'PUT', body: makeBody() as RequestInit['body'] }), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(2);
    expect(fake.calls[1].body).toBe(fake.calls[0].body);
    expect(fake.calls[0].body).not.toBe('');
  });

  it('never retries a stream body, which can be sent only once', async () => {
    const { clock, fake, api } = setup();
    fake.respond(503);
    const body = new Blob(['streamed']).stream();
    const response = await drive(api(URL_A, { method: 'PUT', body, duplex: 'half' } as RequestInit), clock);
    expect(response.status).toBe(503);
    expect(fake.calls.map((c) => c.body)).toEqual(['streamed']);
  });

  it("does not retry a Request object's own body (it may be a stream), but does retry a Request without one", async () => {
    const { clock, fake, api } = setup();
    fake.respond(503);
    await expect(drive(api(new Request(URL_A, { method: 'PUT', body: 'x' })), clock)).resolves.toMatchObject({ status: 503 });
    expect(fake.calls).toHaveLength(1);
    fake.respond(503);
    await expect(drive(api(new Request(URL_A, { method: 'DELETE' })), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(3);
    fake.respond(503);
    await expect(drive(api(new Request(URL_A, { method: 'PUT', body: 'old' }), { body: 'new' }), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls.slice(3).map((c) => c.body)).toEqual(['new', 'new']);
  });

  it('rejects at once, without a request, for a Request whose body was used', async () => {
    const { fake, api } = setup();
    const used = new Request(URL_A, { method: 'PUT', body: 'x' });
    await used.text();
    await expect(api(used)).rejects.toMatchObject({ name: 'TypeError', message: expect.stringContaining('already been used') });
    expect(fake.calls).toHaveLength(0);
  });

  it('retries network errors, and rejects with a RetryExhaustedError holding them when they persist', async () => {
    const { clock, fake, api } = setup();
    const errors = [new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed')];
    errors.forEach((e) => fake.fail(e));
    const error: unknown = await drive(api(URL_A), clock).catch((e: unknown) => e);
    expect(isRetryExhaustedError(error)).toBe(true);
    expect(error).toMatchObject({ attempts: 3, reason: 'attempts', cause: errors[2], errors });
  });

  it('rejects with any other error as it is, without retrying', async () => {
    const { clock, fake, api } = setup();
    const boom = new Error('boom');
    fake.fail(boom);
    await expect(drive(api(URL_A), clock)).rejects.toBe(boom);
    expect(fake.calls).toHaveLength(1);
  });

  it('with retry: false, sends once and rejects with the network error itself', async () => {
    const { clock, fake, api } = setup({ retry: false });
    const failure = new TypeError('fetch failed');
    fake.fail(failure).respond(503);
    await expect(drive(api(URL_A), clock)).rejects.toBe(failure);
    await expect(drive(api(URL_A), clock)).resolves.toMatchObject({ status: 503 });
    expect(fake.calls).toHaveLength(2);
  });

  it('passes init fields a Request does not keep, such as Node’s dispatcher, to every attempt', async () => {
    const { clock, fake, api } = setup();
    const dispatcher = { name: 'a proxy agent' };
    fake.respond(503);
    await drive(api(URL_A, { method: 'PUT', body: 'x', dispatcher, redirect: 'manual' } as unknown as RequestInit), clock);
    expect(fake.calls.map((c) => Object.keys(c.init ?? {}).sort())).toEqual([
      ['dispatcher', 'signal'],
      ['dispatcher', 'signal'],
    ]);
    expect(fake.calls.map((c) => [(c.init as { dispatcher?: unknown }).dispatcher, c.request.redirect])).toEqual([
      [dispatcher, 'manual'],
      [dispatcher, 'manual'],
    ]);
  });

  it('uses globalThis.fetch, as it was when createFetch was called, by default', async () => {
    const fake = new FakeFetch();
    const original = globalThis.fetch;
    globalThis.fetch = fake.fetch;
    let api: typeof fetch;
    try {
      api = createFetch({ breaker: false, retry: false });
    } finally {
      globalThis.fetch = original;
    }
    await expect(api(URL_A)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(1);
  });
});

describe('createFetch: Retry-After', () => {
  it.each([
    ['seconds', { 'retry-after': '5' }, 5000],
    ['seconds below the backoff', { 'retry-after': '0' }, 100],
    ['an HTTP-date, read on the injected clock', { 'retry-after': new Date(T0 + 7000).toUTCString() }, 7000],
    ['an HTTP-date in the past', { 'retry-after': new Date(T0 - 7000).toUTCString() }, 100],
    ['seconds above maxRetryAfterMs (capped)', { 'retry-after': '120' }, 10_000],
    ['a date above maxRetryAfterMs (capped)', { 'retry-after': new Date(T0 + 3_600_000).toUTCString() }, 10_000],
    ['an unreadable value (ignored)', { 'retry-after': 'soon' }, 100],
  ])('waits for %s', async (_, headers, waitMs) => {
    const { clock, fake, api } = setup({ maxRetryAfterMs: 10_000 });
    fake.respond(503, headers);
    await expect(drive(api(URL_A), clock)).resolves.toMatchObject({ status: 200 });
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, waitMs]);
  });

  it('is honoured on every retryable status, and passed to the retry policy as retryAfterMs', async () => {
    const events: RetryEvent[] = [];
    const { clock, fake, api } = setup({ retry: { backoff: constantBackoff(100), onRetry: (e: RetryEvent) => events.push(e) } });
    fake.respond(429, { 'retry-after': '2' }).respond(500, { 'retry-after': '3' });
    await drive(api(URL_A), clock);
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, 2000, 5000]);
    expect(events.map((e) => ['error' in e && isHttpStatusError(e.error) && [e.error.status, e.error.retryAfterMs], e.delayMs])).toEqual([
      [[429, 2000], 2000],
      [[500, 3000], 3000],
    ]);
  });
});

describe('createFetch: the retry option', () => {
  it("asks the caller's shouldRetry only about retryable failures, and lets it say no", async () => {
    const asked: number[] = [];
    const { clock, fake, api } = setup({
      retry: {
        backoff: constantBackoff(100),
        shouldRetry: (c) => {
          const status = 'error' in c && isHttpStatusError(c.error) ? c.error.status : 0;
          asked.push(status);
          return status !== 429;
        },
      },
    });
    fake.respond(503).respond(429);
    const response = await drive(api(URL_A), clock);
    expect(response.status).toBe(429); // declined: that response is the answer
    await expect(response.text()).resolves.toBe('status 429');
    fake.respond(503).respond(404);
    await drive(api(URL_A, { method: 'POST' }), clock); // not idempotent: not asked
    await drive(api(URL_A), clock); // 404: not retryable, so not asked
    expect(asked).toEqual([503, 429]);
  });

  it("calls the caller's onRetry before the failed body is cancelled", async () => {
    const seen: boolean[] = [];
    const { clock, fake, api } = setup({ retry: { backoff: constantBackoff(100), onRetry: () => seen.push(fake.sent[0].cancelled()) } });
    fake.respond(503);
    await drive(api(URL_A), clock);
    expect(seen).toEqual([false]);
    expect(fake.sent[0].cancelled()).toBe(true);
  });

  it('takes a RetryPolicy instance, still within the fetch rules', async () => {
    const clock = new ManualClock(T0);
    const fake = new FakeFetch(clock);
    const policy = retry({ maxAttempts: 2, backoff: constantBackoff(50), clock }); // retries every error
    const api = createFetch({ fetch: fake.fetch, clock, registry: createRegistry({ clock }), breaker: false, retry: policy });
    fake.respond(503).respond(503);
    await expect(drive(api(URL_A), clock)).resolves.toMatchObject({ status: 503 });
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, 50]);
    expect(fake.sent[0].cancelled()).toBe(true); // through the policy's onRetry event
    const boom = new Error('not a network error');
    fake.fail(boom);
    await expect(drive(api(URL_A), clock)).rejects.toBe(boom);
    fake.respond(503);
    await expect(drive(api(URL_A, { method: 'POST' }), clock)).resolves.toMatchObject({ status: 503 });
    expect(fake.calls).toHaveLength(4);
    expect(policy.metrics().successfulWithRetry + policy.metrics().failedWithRetry).toBe(1);
  });
});

function formData(): FormData {
  const form = new FormData();
  form.set('field', 'value');
  return form;
}
