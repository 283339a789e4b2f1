import { constantBackoff, createRegistry, isBulkheadRejectedError, isCircuitOpenError, resetDefaultRegistry } from '@bulwark/core';
import { ManualClock, flushPromises } from '@bulwark/core/testing';
import { drive, until } from '../test/support/drive.js';
import { FakeFetch } from '../test/support/fake-fetch.js';
import { createFetch } from './create-fetch.js';
import type { CreateFetchOptions } from './create-fetch-options.js';
import { isHttpStatusError } from './http-status-error.js';

const T0 = 1_000_000;

function setup(options: CreateFetchOptions = {}) {
  const clock = new ManualClock(T0);
  const registry = createRegistry({ clock });
  const fake = new FakeFetch(clock);
  const api = createFetch({ fetch: fake.fetch, clock, registry, retry: { backoff: constantBackoff(100) }, ...options });
  return { clock, fake, api, registry };
}

const names = (registry: ReturnType<typeof createRegistry>) => registry.all().map(({ kind, name }) => `${kind}:${name}`);

describe('createFetch: a breaker per origin', () => {
  it('takes each origin’s breaker from the registry, named fetch:<origin>, on first use', async () => {
    const { api, registry } = setup();
    expect(names(registry)).toEqual([]);
    await api('https://a.example:443/x');
    await api('https://a.example/y?z=1');
    await api('http://127.0.0.1:8080/');
    expect(names(registry)).toEqual(['breaker:fetch:https://a.example', 'breaker:fetch:http://127.0.0.1:8080']);
    expect(registry.breaker('fetch:https://a.example').metrics()).toMatchObject({ fires: 2, successes: 2 });
  });

  it('opens on one origin’s failures and fails fast there, without touching another origin', async () => {
    const { clock, fake, api, registry } = setup({ retry: false, breaker: { slidingWindow: { kind: 'consecutive', failures: 3 }, resetTimeout: 5000 } });
    fake.respond(503).respond(500).fail(new TypeError('fetch failed'));
    await api('https://a.example/');
    await api('https://a.example/');
    await api('https://a.example/').catch(() => undefined);
    expect(registry.breaker('fetch:https://a.example').opened).toBe(true);
    const refused: unknown = await api('https://a.example/').catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(fake.calls).toHaveLength(3);
    await expect(api('https://b.example/')).resolves.toMatchObject({ status: 200 });
    expect(registry.breaker('fetch:https://b.example').closed).toBe(true);
    await clock.advanceAsync(5000); // half-open: a trial call goes through and closes it
    await expect(api('https://a.example/')).resolves.toMatchObject({ status: 200 });
    expect(registry.breaker('fetch:https://a.example').closed).toBe(true);
  });

  it('counts 408, 429 and 5xx as failures, other statuses as successes', async () => {
    const { api, fake, registry } = setup({ retry: false });
    for (const status of [200, 301, 400, 404, 408, 429, 500, 501, 503]) fake.respond(status);
    for (let i = 0; i < 9; i++) await api('https://a.example/', { redirect: 'manual' });
    expect(registry.breaker('fetch:https://a.example').metrics()).toMatchObject({ successes: 4, failures: 5 });
  });

  it('sees each failed status as an HttpStatusError, which errorFilter can exempt', async () => {
    const { api, fake, registry } = setup({ retry: false, breaker: { errorFilter: (e: unknown) => isHttpStatusError(e) && e.status === 429 } });
    fake.respond(429).respond(503);
    await api('https://a.example/');
    await api('https://a.example/');
    expect(registry.breaker('fetch:https://a.example').metrics()).toMatchObject({ successes: 1, failures: 1 });
  });

  it('does not retry a call the open breaker refused', async () => {
    const { clock, fake, api, registry } = setup();
    registry.breaker('fetch:https://a.example', { timeout: false, volumeThreshold: 10 }).open();
    const refused: unknown = await drive(api('https://a.example/'), clock).catch((e: unknown) => e);
    expect(isCircuitOpenError(refused)).toBe(true);
    expect(fake.calls).toHaveLength(0);
    expect(clock.pendingTimers).toBe(1); // the breaker's own reset timer, no retry wait
  });

  it('with breaker: false, creates no breaker', async () => {
    const { api, registry } = setup({ breaker: false });
    await api('https://a.example/');
    expect(names(registry)).toEqual([]);
  });

  it('names instances after options.name, and uses defaultRegistry() when given no registry', async () => {
    const fresh = createRegistry();
    const previous = resetDefaultRegistry(fresh);
    try {
      const fake = new FakeFetch();
      const api = createFetch({ fetch: fake.fetch, name: 'github', bulkhead: { maxConcurrent: 4 } });
      await api('https://api.github.com/repos');
      expect(names(fresh)).toEqual(['breaker:github:https://api.github.com', 'bulkhead:github:https://api.github.com']);
    } finally {
      resetDefaultRegistry(previous);
      fresh.dispose();
    }
  });

  it('uses the instance the registry has already, configured for that origin, as it is', async () => {
    const clock = new ManualClock(T0);
    const registry = createRegistry({ clock, policies: { 'fetch:https://fragile.example': { breaker: { slidingWindow: { kind: 'consecutive', failures: 1 } } } } });
    const fake = new FakeFetch();
    const api = createFetch({ fetch: fake.fetch, clock, registry, retry: false });
    fake.respond(503).respond(503);
    await api('https://fragile.example/');
    await api('https://sturdy.example/');
    expect(registry.breaker('fetch:https://fragile.example').opened).toBe(true); // one failure opens it
    expect(registry.breaker('fetch:https://sturdy.example').closed).toBe(true); // 1 of 10 calls: not yet
    const second = createFetch({ fetch: fake.fetch, clock, registry, breaker: { resetTimeout: 1 } }); // shares them
    await expect(second('https://fragile.example/')).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    await expect(createFetch({ fetch: fake.fetch, registry, name: 'other' })('https://fragile.example/')).resolves.toMatchObject({ status: 200 });
    expect(fake.calls).toHaveLength(3);
  });

  it('rejects with the registry’s error when it cannot create the instance', async () => {
    const { api, registry } = setup();
    registry.dispose();
    await expect(api('https://a.example/')).rejects.toThrow('registry: it has been disposed');
  });
});

describe('createFetch: a bulkhead per origin', () => {
  it('bounds concurrent calls to one origin, not to the others', async () => {
    const { fake, api } = setup({ bulkhead: { maxConcurrent: 1 } });
    fake.hang();
    const controller = new AbortController();
    const first = api('https://a.example/', { signal: controller.signal }).catch((e: unknown) => e);
    await until(() => fake.calls.length === 1);
    const refused: unknown = await api('https://a.example/').catch((e: unknown) => e);
    expect(isBulkheadRejectedError(refused)).toBe(true);
    expect(refused).toMatchObject({ reason: 'full' });
    await expect(api('https://b.example/')).resolves.toMatchObject({ status: 200 });
    controller.abort();
    await first;
    await flushPromises(); // the policies give the slot back as their promises unwind
    await expect(api('https://a.example/')).resolves.toMatchObject({ status: 200 });
  });
});
