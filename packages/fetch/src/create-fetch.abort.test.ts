import { constantBackoff, createRegistry, isRetryExhaustedError, isTimeoutError } from '@bulwark/core';
import { ManualClock, flushPromises, trackAbortListeners } from '@bulwark/core/testing';
import { drive, until } from '../test/support/drive.js';
import { FakeFetch } from '../test/support/fake-fetch.js';
import { createFetch } from './create-fetch.js';
import type { CreateFetchOptions } from './create-fetch-options.js';

const T0 = 1_000_000;
const URL_A = 'https://a.example/items';

function setup(options: CreateFetchOptions = {}) {
  const clock = new ManualClock(T0);
  const registry = createRegistry({ clock });
  const fake = new FakeFetch(clock);
  const api = createFetch({ fetch: fake.fetch, clock, registry, retry: { backoff: constantBackoff(100) }, ...options });
  return { clock, fake, api, registry };
}

/** Settles a promise's outcome into a value, so a test can look at it without awaiting a rejection. */
function outcome<T>(promise: Promise<T>): { readonly value: () => unknown; readonly done: () => boolean } {
  let done = false;
  let value: unknown;
  promise.then(
    (v) => ((done = true), (value = v)),
    (e: unknown) => ((done = true), (value = e)),
  );
  return { value: () => value, done: () => done };
}

describe("createFetch: the caller's signal", () => {
  it('stops a retry wait at once with its reason, leaving no timer and no listener', async () => {
    const { clock, fake, api } = setup({ attemptTimeoutMs: 1000, timeoutMs: 60_000, bulkhead: { maxConcurrent: 2 } });
    const controller = new AbortController();
    const listeners = trackAbortListeners(controller.signal);
    fake.respond(503, { 'retry-after': '10' });
    const call = outcome(api(URL_A, { signal: controller.signal }));
    await until(() => fake.calls.length === 1 && clock.nextDueAt() === T0 + 10_000);
    const reason = new Error('user left');
    controller.abort(reason);
    expect(call.done()).toBe(false); // promise callbacks only: no time passes
    await flushPromises();
    expect(call.value()).toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    expect(listeners.live()).toBe(0);
    expect(fake.sent[0].cancelled()).toBe(true);
    expect(fake.calls).toHaveLength(1);
  });

  it('aborts the running attempt with its reason, leaving no timer and no listener', async () => {
    const { clock, fake, api } = setup({ attemptTimeoutMs: 1000, timeoutMs: 5000 });
    const controller = new AbortController();
    const listeners = trackAbortListeners(controller.signal);
    fake.hang();
    const call = outcome(api(URL_A, { signal: controller.signal }));
    await until(() => fake.calls.length === 1);
    const reason = new Error('stop');
    controller.abort(reason);
    await flushPromises();
    expect(call.value()).toBe(reason);
    expect(fake.calls[0].signal?.aborted).toBe(true);
    expect(fake.calls[0].signal?.reason).toBe(reason);
    expect(clock.pendingTimers).toBe(0);
    expect(listeners.live()).toBe(0);
  });

  it('rejects with the reason of a signal aborted before the call, sending nothing', async () => {
    const { fake, api } = setup();
    const reason = new Error('too late');
    await expect(api(URL_A, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(api(new Request(URL_A, { signal: AbortSignal.abort(reason) }))).rejects.toBe(reason);
    expect(fake.calls).toHaveLength(0);
  });

  it("follows a Request's signal, unless init.signal replaces it", async () => {
    const { fake, api } = setup();
    const controller = new AbortController();
    fake.hang().hang();
    const viaRequest = outcome(api(new Request(URL_A, { signal: controller.signal })));
    const replaced = outcome(api(new Request(URL_A, { signal: controller.signal }), { signal: null }));
    await until(() => fake.calls.length === 2);
    controller.abort(new Error('gone'));
    await flushPromises();
    expect(viaRequest.value()).toEqual(new Error('gone'));
    expect(replaced.done()).toBe(false);
  });

  it('leaves no listener after a successful call, and still aborts the response body later', async () => {
    const { fake, api } = setup({ attemptTimeoutMs: 1000 });
    const controller = new AbortController();
    const listeners = trackAbortListeners(controller.signal);
    const response = await api(URL_A, { signal: controller.signal });
    expect(response.status).toBe(200);
    expect(listeners.live()).toBe(0);
    const sentWith = fake.calls[0].signal as AbortSignal;
    expect(sentWith.aborted).toBe(false);
    controller.abort(new Error('body no longer wanted'));
    expect(sentWith.aborted).toBe(true); // the body of a real fetch errors with this reason
  });

  it('rejects with the reason, not a BulkheadRejectedError, when the call was waiting for a slot', async () => {
    const { fake, api } = setup({ bulkhead: { maxConcurrent: 1, maxQueued: 1 } });
    fake.hang();
    const first = new AbortController();
    void api(URL_A, { signal: first.signal }).catch(() => undefined);
    const controller = new AbortController();
    const queued = outcome(api(URL_A, { signal: controller.signal }));
    await until(() => fake.calls.length === 1);
    controller.abort(new Error('queued too long'));
    await flushPromises();
    expect(queued.value()).toEqual(new Error('queued too long'));
    first.abort();
  });
});

describe('createFetch: timeouts', () => {
  it('aborts an attempt after attemptTimeoutMs and retries it', async () => {
    const { clock, fake, api } = setup({ attemptTimeoutMs: 1000 });
    fake.hang().hang();
    const response = await drive(api(URL_A), clock);
    expect(response.status).toBe(200);
    expect(fake.calls.map((c) => c.at - T0)).toEqual([0, 1100, 2200]);
    expect(fake.calls[0].signal?.reason).toMatchObject({ name: 'TimeoutError' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects with a RetryExhaustedError whose cause is the TimeoutError when every attempt times out', async () => {
    const { clock, fake, api } = setup({ attemptTimeoutMs: 1000 });
    fake.hang().hang().hang();
    const error: unknown = await drive(api(URL_A), clock).catch((e: unknown) => e);
    expect(isRetryExhaustedError(error)).toBe(true);
    expect(isTimeoutError((error as Error).cause)).toBe(true);
    expect((error as Error).cause).toMatchObject({ timeoutMs: 1000 });
  });

  it('rejects a request that is not retried with the TimeoutError itself', async () => {
    const { clock, fake, api } = setup({ attemptTimeoutMs: 1000 });
    fake.hang();
    const error: unknown = await drive(api(URL_A, { method: 'POST' }), clock).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
    expect(fake.calls).toHaveLength(1);
  });

  it('stops everything after timeoutMs, even a Retry-After wait, with a TimeoutError', async () => {
    const { clock, fake, api } = setup({ timeoutMs: 3000 });
    fake.respond(503, { 'retry-after': '10' });
    const call = outcome(api(URL_A));
    await until(() => clock.nextDueAt() === T0 + 3000);
    await clock.advanceAsync(3000);
    expect(isTimeoutError(call.value())).toBe(true);
    expect(call.value()).toMatchObject({ timeoutMs: 3000 });
    expect(clock.pendingTimers).toBe(0);
    expect(fake.calls).toHaveLength(1);
    expect(fake.sent[0].cancelled()).toBe(true);
  });

  it('counts the time queued for a bulkhead slot in timeoutMs', async () => {
    const clock = new ManualClock(T0);
    let sent = 0;
    // Holds its slot: a fetch that ignores its signal and never answers.
    const stuck = (() => (sent++, new Promise<Response>(() => undefined))) as typeof fetch;
    const registry = createRegistry({ clock });
    // No retry or breaker: they would give the slot back as soon as the first call's signal aborts.
    const api = createFetch({ fetch: stuck, clock, registry, retry: false, breaker: false, timeoutMs: 2000, bulkhead: { maxConcurrent: 1, maxQueued: 1 } });
    const first = outcome(api(URL_A));
    await until(() => sent === 1);
    await clock.advanceAsync(1000);
    const queued = outcome(api(URL_A));
    await clock.advanceAsync(1000);
    expect(first.done()).toBe(false); // cooperative: waits for the fetch, which ignores its signal
    await clock.advanceAsync(1000);
    expect(isTimeoutError(queued.value())).toBe(true);
    expect(sent).toBe(1); // the queued call never ran
  });

  it('arms no timer beyond the call: none are left after a success', async () => {
    const { clock, api } = setup({ attemptTimeoutMs: 1000, timeoutMs: 5000 });
    await expect(api(URL_A)).resolves.toMatchObject({ status: 200 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('discards a response that arrives after its attempt was given up', async () => {
    const clock = new ManualClock(T0);
    let answer: ((response: Response) => void) | undefined;
    let cancelled = false;
    const late = new Response(new ReadableStream({ cancel: () => void (cancelled = true) }), { status: 200 });
    // A fetch that ignores its signal and answers late.
    const stubborn = (() => new Promise<Response>((resolve) => (answer = resolve))) as typeof fetch;
    const api = createFetch({ fetch: stubborn, clock, registry: createRegistry({ clock }), retry: false, attemptTimeoutMs: 1000 });
    const call = outcome(api(URL_A));
    await until(() => answer !== undefined);
    clock.advance(1000);
    answer?.(late);
    await until(() => call.done());
    expect(isTimeoutError(call.value())).toBe(true);
    expect(cancelled).toBe(true);
  });
});
